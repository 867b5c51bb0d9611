//! Content sniffing: which format a file holds and how its records are framed, decided from
//! the first bytes of the (decompressed) stream. The file name is never consulted.

use super::InputFormat;

/// How many bytes of a stream the sniffer looks at.
pub const SAMPLE_BYTES: usize = 64 * 1024;
const SAMPLE_LINES: usize = 20;

/// How records are cut out of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One record per line.
    Lines,
    /// JSON documents: arrays of records, `{"Records":[...]}` envelopes or pretty-printed objects.
    JsonDocuments,
}

/// The start of a stream, with its first complete non-blank lines.
pub struct Sample<'a> {
    pub bytes: &'a [u8],
    pub lines: Vec<&'a [u8]>,
    /// True when the sample is the first line(s) of a JSON document spanning several lines.
    pub documents: bool,
}

impl<'a> Sample<'a> {
    pub fn new(bytes: &'a [u8]) -> Sample<'a> {
        let complete = match memchr::memrchr(b'\n', bytes) {
            Some(end) if bytes.len() >= SAMPLE_BYTES => &bytes[..end],
            _ => bytes,
        };
        let lines = complete
            .split(|&b| b == b'\n')
            .map(trim_ascii)
            .filter(|l| !l.is_empty())
            .take(SAMPLE_LINES)
            .collect();
        Sample {
            bytes,
            lines,
            documents: detect_documents(bytes),
        }
    }

    /// The share (0..=100) of sample lines for which `test` holds.
    pub fn share_of_lines(&self, test: impl Fn(&[u8]) -> bool) -> u32 {
        if self.lines.is_empty() {
            return 0;
        }
        let hits = self.lines.iter().filter(|l| test(l)).count();
        (hits * 100 / self.lines.len()) as u32
    }

    pub fn contains(&self, needle: &[u8]) -> bool {
        memchr::memmem::find(self.bytes, needle).is_some()
    }
}

/// The framing of a stream that starts with `bytes`.
pub fn framing(sample: &Sample<'_>) -> Framing {
    if sample.documents {
        Framing::JsonDocuments
    } else {
        Framing::Lines
    }
}

/// The format that scores highest on the sample; plain text when nothing claims it. A JSON
/// format's markers only count when the records are JSON (documents, or mostly lines that
/// are objects): audit JSON inside syslog lines is syslog.
pub fn sniff_format(sample: &Sample<'_>) -> InputFormat {
    let json_records = sample.documents || sample.share_of_lines(|l| l.starts_with(b"{")) >= 50;
    let mut best = (0, InputFormat::Text);
    for format in InputFormat::ALL {
        if format.is_json() && !json_records {
            continue;
        }
        let score = format.parser().sniff(sample);
        if score > best.0 {
            best = (score, format);
        }
    }
    best.1
}

/// A JSON document stream starts with `[{` (an array of records), with a `{"Records":[`
/// envelope, or with an object that does not close on its first line (pretty-printed output
/// of `jq` or a CLI), and the whole sample must be a valid prefix of a JSON stream: a text log
/// line such as `[Sun Dec 04 ...] [notice]` is not.
fn detect_documents(bytes: &[u8]) -> bool {
    let body = trim_ascii(bytes);
    let shape = match body.first() {
        Some(b'[') => matches!(skip_ws(&body[1..]).first(), Some(b'{' | b']')),
        Some(b'{') => {
            is_envelope_start(body) || {
                let first_line = body.split(|&b| b == b'\n').next().unwrap_or(body);
                serde_json::from_slice::<serde::de::IgnoredAny>(trim_ascii(first_line)).is_err()
                    && first_line.len() < body.len()
            }
        }
        _ => false,
    };
    shape && (is_json_stream_prefix(body) || breaks_after_first_line(body))
}

/// A JSON stream whose first line is sound but which breaks later (a raw line break inside
/// a string, as in some published examples): still documents, so the broken one is one
/// malformed record and the records before it are read. A text log that merely starts
/// with `{` or `[` breaks on its first line.
fn breaks_after_first_line(bytes: &[u8]) -> bool {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde::de::IgnoredAny>()
        .find_map(Result::err)
        .is_some_and(|e| e.line() > 1)
}

/// Whether `bytes` is JSON values one after another, possibly cut off at the end.
fn is_json_stream_prefix(bytes: &[u8]) -> bool {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde::de::IgnoredAny>()
        .all(|value| value.is_ok() || value.is_err_and(|e| e.is_eof()))
}

/// `{ "Records" : [` or `{"records":[` at the start of a document.
fn is_envelope_start(body: &[u8]) -> bool {
    let rest = skip_ws(&body[1..]);
    let Some(rest) = rest
        .strip_prefix(b"\"Records\"")
        .or_else(|| rest.strip_prefix(b"\"records\""))
    else {
        return false;
    };
    let rest = skip_ws(rest);
    rest.first() == Some(&b':') && skip_ws(&rest[1..]).first() == Some(&b'[')
}

fn skip_ws(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

pub(crate) fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_from_content() {
        let cases: [(&str, Framing); 11] = [
            (
                "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n",
                Framing::Lines,
            ),
            (
                "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open\n",
                Framing::Lines,
            ),
            ("[{\"a\": 1}, {\"b\": tru", Framing::JsonDocuments),
            ("{\n  \"a\": 1,\n  oops\n}\n", Framing::JsonDocuments),
            ("{main} started\n{main} stopped\n", Framing::Lines),
            ("{\"Records\":[{\"a\":1}]}", Framing::JsonDocuments),
            ("{\n  \"Records\": [\n", Framing::JsonDocuments),
            ("[\n  {\n", Framing::JsonDocuments),
            ("{\n  \"eventName\": \"x\"\n}\n", Framing::JsonDocuments),
            ("{\"a\":1}\n{\"a\":2}\n", Framing::Lines),
            ("2024-05-02 10:00:00 INFO hello\n", Framing::Lines),
        ];
        for (text, expected) in cases {
            assert_eq!(framing(&Sample::new(text.as_bytes())), expected, "{text:?}");
        }
    }
}
