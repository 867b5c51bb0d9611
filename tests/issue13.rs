//! Issue 13, "one scanner, many sinks": `watch` and `rules test` read every input as
//! `events` does (envelopes, pretty-printed arrays, gzip, CRI partial lines, rotated files),
//! and `merge --by` lists what one `summary --by` run over all the shards lists.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::util::{keydeny, root};

/// Lines of a child's output stream, as they come.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collect lines until `done(seen)` holds; fails (never hangs) after 30 seconds.
fn collect_until(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    what: &str,
    done: impl Fn(&[String]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(seen) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; saw {seen:?}"
        );
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
        }
    }
}

fn append(path: &Path, text: &str) {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn fixture(path: &str) -> Vec<u8> {
    fs::read(root().join("fixtures/logs").join(path)).unwrap()
}

/// The lines of `watch` output that are events (every line names a cause id).
fn event_lines(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            keydeny::event::Cause::ALL
                .iter()
                .any(|c| l.contains(c.id()))
        })
        .filter(|l| !l.starts_with("TIME"))
        .cloned()
        .collect()
}

#[test]
fn issue13_watch_reads_every_framing_as_events_does() {
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().to_str().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydeny"))
        .args(["watch", "--poll-ms", "40", "--color", "never", &watched])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines_of(child.stdout.take().unwrap());
    let diagnostics = lines_of(child.stderr.take().unwrap());
    let mut noise = Vec::new();
    collect_until(&diagnostics, &mut noise, "the start", |seen| {
        seen.iter()
            .any(|l| l.contains("keydeny: watching 0 file(s)"))
    });
    let mut seen = Vec::new();
    // A CloudTrail envelope, gzip-compressed and pretty-printed; a pretty-printed JSON array
    // (each written whole, as CloudTrail and `gcloud ... > file` deliver them).
    fs::write(
        dir.path().join("trail.json.gz"),
        fixture("cloudtrail/records-pretty.json.gz"),
    )
    .unwrap();
    fs::write(
        dir.path().join("gcloud.json"),
        fixture("gcp_audit/gcloud-read.json"),
    )
    .unwrap();
    // CRI lines, the partial (`P`) line arriving some polls before the rest of its message.
    let cri = String::from_utf8(fixture("cri/container.log")).unwrap();
    let split = cri.find(" stderr P ").or(cri.find(" stdout P ")).unwrap();
    let split = cri[split..].find('\n').unwrap() + split + 1;
    let cri_log = dir.path().join("container.log");
    append(&cri_log, &cri[..split]);
    std::thread::sleep(Duration::from_millis(400));
    append(&cri_log, &cri[split..]);
    // A text log that is rotated: a line lands in it just before, then a new file.
    let app = dir.path().join("app.log");
    let line = |user: &str| {
        format!(
            "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user={user}\n"
        )
    };
    append(&app, &line("before-rotation"));
    collect_until(&out, &mut seen, "the first app line", |seen| {
        seen.iter().any(|l| l.contains("before-rotation"))
    });
    append(&app, &line("last-in-old"));
    fs::rename(&app, dir.path().join("app.log.1")).unwrap();
    append(&app, &line("first-in-new"));

    let events = keydeny(&["events", "--format", "ndjson", "--no-redact", &watched]);
    assert_eq!(events.code, 0, "{}", events.stderr);
    let expected: Vec<serde_json::Value> = events
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(expected.len() > 10, "{}", events.stdout);
    collect_until(&out, &mut seen, "every event", |seen| {
        event_lines(seen).len() >= expected.len()
    });
    std::thread::sleep(Duration::from_millis(300));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = out.iter().collect();
    seen.extend(rest.iter().cloned());
    // Exactly the events `events` finds: each one printed once, none more.
    let mut printed = event_lines(&seen[..seen.len() - rest.len()]);
    printed.extend(
        event_lines(&rest)
            .into_iter()
            .filter(|l| !l.contains(" event(s)")),
    );
    for event in &expected {
        let cause = event["cause"].as_str().unwrap();
        let reason = event["reason"].as_str().unwrap().trim();
        let found = printed
            .iter()
            .position(|l| l.contains(cause) && l.trim_end().ends_with(reason));
        let Some(found) = found else {
            panic!("watch did not print {event}; printed {printed:#?}");
        };
        printed.remove(found);
    }
    let summary = rest.join("\n");
    assert!(
        summary.contains(&format!(
            "{} denied key-generation event(s)",
            expected.len()
        )),
        "{summary}"
    );
}

#[test]
fn issue13_rules_test_reports_per_record_of_envelopes_and_gzip() {
    let rules = root().join("fixtures/rules/acme.toml");
    let rules = rules.to_str().unwrap();
    for (log, records) in [
        ("cloudtrail/envelope.json", None),
        ("cloudtrail/records-pretty.json.gz", Some(8)),
    ] {
        let path = root().join("fixtures/logs").join(log);
        let path = path.to_str().unwrap();
        let run = keydeny(&["rules", "test", rules, path]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout
                .starts_with(&format!("# {path} read as cloudtrail\n")),
            "{}",
            run.stdout
        );
        let verdicts: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with(path)).collect();
        // One verdict per record, each naming its record inside the document.
        for (n, verdict) in verdicts.iter().enumerate() {
            assert!(
                verdict.contains(&format!(" (record {}): ", n + 1)),
                "{verdict}"
            );
        }
        if let Some(records) = records {
            assert_eq!(verdicts.len(), records, "{}", run.stdout);
        }
        let events = keydeny(&["events", "--format", "ndjson", "--rules", rules, path]);
        let count = events.stdout.lines().count();
        assert!(count > 0);
        let said = verdicts.iter().filter(|v| v.contains(": EVENT ")).count();
        assert_eq!(said, count, "{}", run.stdout);
        assert!(
            run.stdout.ends_with("record(s)\n")
                && run.stdout.contains(&format!("# {count} event(s) in ")),
            "{}",
            run.stdout
        );
    }
}

/// App log lines of a few actors and causes.
fn shard_lines(picks: &[(u8, u8, u8)]) -> String {
    let actors = ["alice", "bob", "carol", "dave", "erin"];
    let errors = [
        "permission denied",
        "MFA required",
        "quota exceeded: maximum number of keys",
        "session expired",
    ];
    picks
        .iter()
        .enumerate()
        .map(|(i, &(actor, error, minute))| {
            format!(
                "2024-05-02T10:{:02}:{:02}Z ERROR Failed to create API key: {} user={}\n",
                minute % 60,
                i % 60,
                errors[error as usize % errors.len()],
                actors[actor as usize % actors.len()],
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// `merge --by actor` of per-shard summaries lists exactly what one `summary --by actor`
    /// over all the shards lists.
    #[test]
    fn issue13_merge_by_actor_equals_one_run(
        shards in proptest::collection::vec(
            proptest::collection::vec((0u8..5, 0u8..4, 0u8..60), 0..12),
            1..5,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        let mut jsons = Vec::new();
        for (n, picks) in shards.iter().enumerate() {
            let path = dir.path().join(format!("shard{n}.log"));
            fs::write(&path, shard_lines(picks)).unwrap();
            let path = path.to_str().unwrap().to_string();
            let json = dir.path().join(format!("shard{n}.json"));
            let json = json.to_str().unwrap().to_string();
            let run = keydeny(&["summary", "--format", "json", "--now", "2024-06-01T00:00:00Z", "-o", &json, &path]);
            prop_assert_eq!(run.code, 0, "{}", run.stderr);
            paths.push(path);
            jsons.push(json);
        }
        let mut one = vec!["summary", "--by", "actor", "--now", "2024-06-01T00:00:00Z"];
        one.extend(paths.iter().map(String::as_str));
        let mut merged = vec!["merge", "--by", "actor", "--now", "2024-06-01T00:00:00Z"];
        merged.extend(jsons.iter().map(String::as_str));
        let (one, merged) = (keydeny(&one), keydeny(&merged));
        prop_assert_eq!(one.code, 0, "{}", one.stderr);
        prop_assert_eq!(merged.code, 0, "{}", merged.stderr);
        prop_assert_eq!(one.stdout, merged.stdout);
    }
}

/// Each `fixtures/logs/<dir>` named after a format sniffs as that format.
#[test]
fn issue13_each_format_fixture_directory_sniffs_as_its_format() {
    use keydeny::format::InputFormat;
    use keydeny::format::sniff::{Sample, sniff_format};
    // JSON access records are JSON lines: the json format reads their request fields.
    let read_by_another = [("access_log/access.jsonl", InputFormat::Json)];
    let mut wrong = Vec::new();
    for format in InputFormat::ALL {
        let dir = root().join("fixtures/logs").join(format.id());
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            let bytes = if path.extension().is_some_and(|e| e == "gz") {
                let mut text = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::GzDecoder::new(&bytes[..]),
                    &mut text,
                )
                .unwrap();
                text
            } else if path.extension().is_some_and(|e| e == "zst") {
                zstd::decode_all(&bytes[..]).unwrap()
            } else {
                bytes
            };
            let head = &bytes[..bytes.len().min(64 * 1024)];
            let name = format!(
                "{}/{}",
                format.id(),
                path.file_name().unwrap().to_string_lossy()
            );
            let want = read_by_another
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(format, |(_, f)| *f);
            let got = sniff_format(&Sample::new(head));
            if got != want {
                wrong.push(format!("{name} sniffs as {}", got.id()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
