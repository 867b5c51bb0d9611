//! Following files like `tail -F`, the part of `watch` that is about files, not records: which
//! files there are (new files in a watched directory are picked up, a missing path is waited
//! for), how far each was read (by device and inode, so a rotated file that reappears under a
//! new name is not read twice), whether it was rotated or truncated, how it is read (lines as
//! they are appended, or whole), and which of the appended bytes are complete records.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::format::InputFormat;
use crate::format::sniff::{self, Framing, Sample};
use crate::source::walk;

/// How a followed file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One record per line (or CRI lines joined), read as they are appended, in `format`.
    Lines(InputFormat),
    /// JSON documents or a compressed file: scanned whole once it stops growing.
    Whole,
}

/// One followed file.
pub struct Followed {
    pub path: PathBuf,
    pub display: Arc<str>,
    pub file: Option<File>,
    pub identity: Option<(u64, u64)>,
    pub offset: u64,
    pub partial: Vec<u8>,
    pub line: u64,
    pub mode: Option<Mode>,
    /// `--input-format`, else sniffed.
    pub forced: Option<InputFormat>,
    /// A whole file's length at the last poll: scanned when it stays the same.
    pub seen_len: Option<u64>,
    /// A whole file's events already printed, by position (a file that grows is read again).
    pub printed: Option<(u64, Option<u64>)>,
    /// The last bytes read before `offset`: if they change, the file was rewritten.
    pub tail: Vec<u8>,
}

/// Add files not yet followed; those seen at start begin at their end unless `from_start`.
/// Problems with the paths are said once each (`reported` holds those said).
/// A file that is an already-followed file under a new name (`app.log` rotated to
/// `app.log.1`) continues where it was left, so nothing is reported twice.
pub fn discover(
    paths: &[String],
    forced: Option<InputFormat>,
    files: &mut BTreeMap<PathBuf, Followed>,
    consumed: &HashMap<(u64, u64), u64>,
    from_start: bool,
    reported: &mut HashSet<String>,
    err: &mut dyn Write,
) -> io::Result<()> {
    let (inputs, errors) = walk::expand(paths);
    for e in errors {
        // Said once, not at every poll (an empty directory stays empty for a while).
        let line = format!("keydeny: {}: {}", e.path, e.message);
        if reported.insert(line.clone()) {
            writeln!(err, "{line}")?;
        }
    }
    for input in inputs {
        let Some(path) = input.path else { continue };
        if files.contains_key(&path) || !path.exists() {
            continue;
        }
        let meta = std::fs::metadata(&path).ok();
        let known = meta
            .as_ref()
            .and_then(identity)
            .and_then(|id| consumed.get(&id).copied());
        let offset = match (known, from_start) {
            (Some(offset), _) => offset,
            (None, true) => 0,
            (None, false) => meta.map_or(0, |m| m.len()),
        };
        let followed = Followed {
            path: path.clone(),
            display: input.display,
            file: None,
            identity: None,
            offset,
            partial: Vec::new(),
            line: 0,
            mode: None,
            forced,
            seen_len: None,
            printed: None,
            tail: Vec::new(),
        };
        files.insert(path, followed);
    }
    Ok(())
}

#[cfg(unix)]
pub fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Whether a file is read whole: compressed, or JSON documents rather than lines. Decided
/// from its first bytes once it has some; a file of lines gets its format from them too.
pub fn is_whole(f: &mut Followed) -> io::Result<bool> {
    let Some(file) = f.file.as_mut() else {
        return Ok(false);
    };
    file.seek(SeekFrom::Start(0))?;
    let mut head = Vec::new();
    file.take(sniff::SAMPLE_BYTES as u64)
        .read_to_end(&mut head)?;
    if head.is_empty() {
        return Ok(false);
    }
    let compressed = head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    let sample = Sample::new(&head);
    if compressed || sniff::framing(&sample) == Framing::JsonDocuments {
        return Ok(true);
    }
    let format = f.forced.unwrap_or_else(|| sniff::sniff_format(&sample));
    f.mode = Some(Mode::Lines(format));
    Ok(false)
}

/// Whether the bytes just before the offset changed: truncated and written again, possibly
/// longer than before (a size check alone misses that).
pub fn rewritten(f: &mut Followed) -> io::Result<bool> {
    let Some(file) = f.file.as_mut() else {
        return Ok(false);
    };
    if f.tail.is_empty() {
        return Ok(false);
    }
    let start = f.offset - f.tail.len() as u64;
    file.seek(SeekFrom::Start(start))?;
    let mut now = vec![0; f.tail.len()];
    let same = file.read_exact(&mut now).is_ok() && now == f.tail;
    Ok(!same)
}

/// Skip what was already read of this file under another name.
pub fn catch_up(f: &mut Followed, consumed: &HashMap<(u64, u64), u64>) {
    if let Some(done) = f.identity.and_then(|id| consumed.get(&id)) {
        if *done > f.offset {
            f.offset = *done;
            f.partial.clear();
            f.tail.clear();
        }
    }
}

pub fn record(f: &Followed, consumed: &mut HashMap<(u64, u64), u64>) {
    if let Some(id) = f.identity {
        let done = f.offset - f.partial.len() as u64;
        consumed.insert(id, done.max(consumed.get(&id).copied().unwrap_or(0)));
    }
}

impl Followed {
    /// The same name, followed from the start of whatever file now has it.
    pub fn restart(&self) -> Followed {
        Followed {
            path: self.path.clone(),
            display: self.display.clone(),
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            line: 0,
            mode: self.mode.filter(|m| *m != Mode::Whole),
            forced: self.forced,
            seen_len: None,
            printed: None,
            tail: Vec::new(),
        }
    }
}

/// The length of the complete records at the start of `data`: up to its last newline, less
/// the lines at the end that the next line continues (a CRI partial line waits for the rest
/// of its message).
pub fn complete_records(data: &[u8], format: InputFormat) -> Option<usize> {
    let mut end = memchr::memrchr(b'\n', data)? + 1;
    let Some(joining) = format.joining() else {
        return Some(end);
    };
    while end > 0 {
        let start = memchr::memrchr(b'\n', &data[..end - 1]).map_or(0, |p| p + 1);
        if !(joining.continues)(&data[start..end - 1]) {
            break;
        }
        end = start;
    }
    (end > 0).then_some(end)
}

/// The named paths that do not exist (yet).
pub fn missing(paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| *p != "-" && !Path::new(p).exists())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_records_wait_for_the_rest_of_a_partial_line() {
        let cri = b"2024-05-02T10:00:00Z stderr F one\n2024-05-02T10:00:01Z stderr P two \n";
        let first = cri.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert_eq!(complete_records(cri, InputFormat::Cri), Some(first));
        let only_partial = &cri[first..];
        assert_eq!(complete_records(only_partial, InputFormat::Cri), None);
        let finished = [&cri[..], b"2024-05-02T10:00:02Z stderr F parts\n"].concat();
        assert_eq!(
            complete_records(&finished, InputFormat::Cri),
            Some(finished.len())
        );
        // Text lines are complete at their newline; an unfinished last line waits.
        assert_eq!(complete_records(b"a\nb", InputFormat::Text), Some(2));
        assert_eq!(complete_records(b"a", InputFormat::Text), None);
    }
}
