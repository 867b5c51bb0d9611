//! Input digests: what lets `keydeny merge` refuse to count an input twice. A summary lists,
//! for every file it read, a digest of the file's first 64 KiB (decompressed), so the same
//! file read again, under any name, and a log that only grew since, give the same digest;
//! two different logs do not. Empty files and stdin carry none (there is nothing to re-read).

use std::collections::BTreeMap;

use crate::config::Window;

/// How much of a file its digest covers.
const HEAD: usize = crate::format::sniff::SAMPLE_BYTES;

/// `fnv1a64:<16 hex digits>` of an input's first 64 KiB, decompressed: the sample the
/// scanner sniffs, so no input is read twice; `None` for an empty input.
pub fn of_head(sample: &[u8]) -> Option<String> {
    let head = &sample[..sample.len().min(HEAD)];
    (!head.is_empty()).then(|| format!("fnv1a64:{:016x}", fnv1a(head)))
}

/// FNV-1a, 64 bits: stable across runs, platforms and versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One summary given to `merge`: its name, window and input digests (digest -> file).
pub struct Shard<'a> {
    pub name: String,
    pub window: Window,
    pub digests: &'a BTreeMap<String, String>,
}

/// Why two summaries cannot be merged: both read the same input, and their windows overlap
/// (summaries of one file for disjoint `--since/--until` windows hold disjoint events).
pub fn overlap(shards: &[Shard<'_>]) -> Option<String> {
    for (i, later) in shards.iter().enumerate() {
        for earlier in &shards[..i] {
            if disjoint(earlier.window, later.window) {
                continue;
            }
            let shared = later
                .digests
                .iter()
                .find(|(digest, _)| earlier.digests.contains_key(*digest));
            if let Some((digest, file)) = shared {
                let first = &earlier.digests[digest];
                let same = if first == file {
                    file.clone()
                } else {
                    format!("{first} (as {file})")
                };
                return Some(format!(
                    "{} and {} both summarise {same} (input digest {digest}): merging them would count its events twice; merge summaries of disjoint inputs",
                    earlier.name, later.name
                ));
            }
        }
    }
    None
}

/// Whether two windows are both bounded where they meet and do not overlap (`until` is
/// exclusive).
fn disjoint(a: Window, b: Window) -> bool {
    let before = |x: Window, y: Window| matches!((x.until, y.since), (Some(u), Some(s)) if u <= s);
    before(a, b) || before(b, a)
}

/// The digest of a whole summary's inputs: of its sorted input digests.
pub fn of_summary(digests: &BTreeMap<String, String>) -> String {
    let joined: Vec<&str> = digests.keys().map(String::as_str).collect();
    format!("fnv1a64:{:016x}", fnv1a(joined.join("\n").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn same_input_twice_is_an_overlap_unless_the_windows_are_disjoint() {
        let a = BTreeMap::from([("fnv1a64:1".to_string(), "web1/app.log".to_string())]);
        let b = BTreeMap::from([("fnv1a64:1".to_string(), "copy/app.log".to_string())]);
        let other = BTreeMap::from([("fnv1a64:2".to_string(), "web2/app.log".to_string())]);
        let shard = |name: &str, digests, window| Shard {
            name: name.into(),
            window,
            digests,
        };
        let open = Window::default();
        let message = overlap(&[shard("a.json", &a, open), shard("b.json", &b, open)]).unwrap();
        assert!(
            message.starts_with("a.json and b.json both summarise web1/app.log (as copy/app.log)"),
            "{message}"
        );
        assert!(overlap(&[shard("a.json", &a, open), shard("c.json", &other, open)]).is_none());
        let monday = Window {
            since: at("2024-05-06T00:00:00Z"),
            until: at("2024-05-07T00:00:00Z"),
        };
        let tuesday = Window {
            since: at("2024-05-07T00:00:00Z"),
            until: at("2024-05-08T00:00:00Z"),
        };
        assert!(overlap(&[shard("mon", &a, monday), shard("tue", &b, tuesday)]).is_none());
        assert!(overlap(&[shard("mon", &a, monday), shard("all", &b, open)]).is_some());
    }

    #[test]
    fn digests_are_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
