//! Splitting JSON documents into records as the bytes stream in: a bare array `[{...},...]`,
//! a CloudTrail/Azure envelope `{"Records":[...]}` / `{"records":[...]}`, or top-level
//! objects one after another (pretty-printed `jq` or CLI output). Nothing is loaded whole:
//! only the record being read is held, and a record over the cap is dropped and reported.

use std::io::{self, BufRead};

/// One item cut from a document.
#[derive(Debug, PartialEq, Eq)]
pub enum DocItem {
    Record {
        data: Vec<u8>,
        line: u64,
        index: Option<u64>,
    },
    Malformed {
        line: u64,
        index: Option<u64>,
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Array,
    Object,
}

/// The byte-level state of the splitter.
pub struct JsonSplitter {
    max_record: usize,
    line: u64,
    stack: Vec<Container>,
    in_string: bool,
    escaped: bool,
    /// Depth at which records are the elements (1 for a bare array, 2 in an envelope).
    record_depth: Option<usize>,
    /// The record (or top-level object) being captured.
    current: Option<Capture>,
    /// Last string read directly inside the top-level object, to spot `"Records"`.
    last_key: Vec<u8>,
    key_capture: bool,
    /// Last structural byte at depth 1 (to require `"Records" :` before `[`).
    last_token: u8,
    index: u64,
    garbage_line: Option<u64>,
}

struct Capture {
    data: Vec<u8>,
    line: u64,
    index: Option<u64>,
    oversized: bool,
    /// True for a whole top-level object (not an array element).
    top_level: bool,
}

impl JsonSplitter {
    pub fn new(max_record: usize) -> JsonSplitter {
        JsonSplitter {
            max_record,
            line: 1,
            stack: Vec::new(),
            in_string: false,
            escaped: false,
            record_depth: None,
            current: None,
            last_key: Vec::new(),
            key_capture: false,
            last_token: 0,
            index: 0,
            garbage_line: None,
        }
    }

    /// Lines seen so far (a last line without `\n` counts once `finish` is called).
    pub fn lines(&self) -> u64 {
        self.line
    }

    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<DocItem>) {
        let mut at = 0;
        while let Some(&byte) = chunk.get(at) {
            if self.in_string && !self.escaped && !self.key_capture {
                // Most bytes are inside strings: their plain runs are taken whole.
                let run = chunk[at..]
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\\' | b'\n'))
                    .unwrap_or(chunk.len() - at);
                if run > 0 {
                    self.capture_run(&chunk[at..at + run]);
                    at += run;
                    continue;
                }
            }
            self.step(byte, out);
            if byte == b'\n' {
                self.line += 1;
            }
            at += 1;
        }
    }

    /// End of input: a record still open is a truncated document.
    pub fn finish(&mut self, out: &mut Vec<DocItem>) {
        if let Some(capture) = self.current.take() {
            let content = capture.data.trim_ascii();
            if !content.is_empty() || capture.oversized {
                out.push(DocItem::Malformed {
                    line: capture.line,
                    index: capture.index,
                    reason: "truncated JSON document: the record is not closed at end of input"
                        .into(),
                });
            }
        } else if !self.stack.is_empty() {
            out.push(DocItem::Malformed {
                line: self.line,
                index: None,
                reason: "truncated JSON document: an array or object is not closed at end of input"
                    .into(),
            });
        }
        self.flush_garbage(out);
        self.stack.clear();
    }

    fn depth(&self) -> usize {
        self.stack.len()
    }

    fn step(&mut self, byte: u8, out: &mut Vec<DocItem>) {
        if self.in_string {
            self.capture(byte);
            let closes_string = byte == b'"' && !self.escaped;
            if self.key_capture && !closes_string && self.last_key.len() < 16 {
                self.last_key.push(byte);
            }
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
                self.key_capture = false;
            }
            return;
        }
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => self.capture(byte),
            b'{' | b'[' => self.open(byte, out),
            b'}' | b']' => self.close(byte, out),
            b',' if self.at_record_level() => self.end_element(out),
            _ if self.depth() == 0 => self.garbage(),
            _ => {
                self.start_element_if_needed();
                if byte == b'"' {
                    self.in_string = true;
                    self.key_capture = self.depth() == 1 && self.top() == Some(Container::Object);
                    if self.key_capture {
                        self.last_key.clear();
                    }
                }
                if self.depth() == 1 {
                    self.last_token = byte;
                }
                self.capture(byte);
            }
        }
    }

    fn top(&self) -> Option<Container> {
        self.stack.last().copied()
    }

    fn at_record_level(&self) -> bool {
        self.record_depth == Some(self.depth())
    }

    fn open(&mut self, byte: u8, out: &mut Vec<DocItem>) {
        self.flush_garbage(out);
        let container = if byte == b'[' {
            Container::Array
        } else {
            Container::Object
        };
        match self.depth() {
            0 if container == Container::Array => {
                self.record_depth = Some(1);
                self.index = 0;
            }
            0 => {
                self.record_depth = None;
                self.current = Some(self.new_capture(None, true));
                self.last_token = 0;
            }
            1 if self.is_envelope_array(container) => {
                self.record_depth = Some(2);
                self.index = 0;
                self.current = None;
            }
            _ => self.start_element_if_needed(),
        }
        if self.depth() == 1 {
            self.last_token = byte;
        }
        self.capture(byte);
        self.stack.push(container);
    }

    /// `[` right after `"Records":` (or `"records":`) in a top-level object.
    fn is_envelope_array(&self, container: Container) -> bool {
        container == Container::Array
            && self.top() == Some(Container::Object)
            && self.last_token == b':'
            && (self.last_key == b"Records" || self.last_key == b"records")
    }

    fn close(&mut self, byte: u8, out: &mut Vec<DocItem>) {
        if self.depth() == 0 {
            self.garbage();
            return;
        }
        let closing_record_array = self.at_record_level();
        if closing_record_array {
            self.end_element(out);
        }
        self.stack.pop();
        if !closing_record_array {
            self.capture(byte);
        }
        if closing_record_array {
            self.record_depth = None;
        }
        if self.depth() == 0 {
            self.end_top_level(out);
        }
    }

    fn end_top_level(&mut self, out: &mut Vec<DocItem>) {
        if let Some(capture) = self.current.take().filter(|c| c.top_level) {
            out.push(capture.finish());
        }
        self.record_depth = None;
    }

    fn start_element_if_needed(&mut self) {
        if self.at_record_level() && self.current.is_none() {
            self.index += 1;
            self.current = Some(self.new_capture(Some(self.index), false));
        }
    }

    fn end_element(&mut self, out: &mut Vec<DocItem>) {
        if let Some(capture) = self.current.take() {
            out.push(capture.finish());
        }
    }

    fn new_capture(&self, index: Option<u64>, top_level: bool) -> Capture {
        Capture {
            data: Vec::new(),
            line: self.line,
            index,
            oversized: false,
            top_level,
        }
    }

    fn capture(&mut self, byte: u8) {
        let Some(capture) = self.current.as_mut() else {
            return;
        };
        if capture.oversized {
            return;
        }
        if capture.data.len() >= self.max_record {
            capture.oversized = true;
            capture.data = Vec::new();
            return;
        }
        if !(capture.data.is_empty() && byte.is_ascii_whitespace()) {
            capture.data.push(byte);
        }
    }

    /// [`JsonSplitter::capture`] of each byte of a run inside a string.
    fn capture_run(&mut self, run: &[u8]) {
        let Some(capture) = self.current.as_mut() else {
            return;
        };
        if capture.oversized {
            return;
        }
        if capture.data.len() + run.len() > self.max_record {
            capture.oversized = true;
            capture.data = Vec::new();
            return;
        }
        capture.data.extend_from_slice(run);
    }

    fn garbage(&mut self) {
        self.garbage_line.get_or_insert(self.line);
    }

    fn flush_garbage(&mut self, out: &mut Vec<DocItem>) {
        if let Some(line) = self.garbage_line.take() {
            out.push(DocItem::Malformed {
                line,
                index: None,
                reason: "unexpected text between JSON documents".into(),
            });
        }
    }
}

impl Capture {
    fn finish(self) -> DocItem {
        if self.oversized {
            DocItem::Malformed {
                line: self.line,
                index: self.index,
                reason: "record larger than the record size cap".into(),
            }
        } else {
            let mut data = self.data;
            let len = data.trim_ascii_end().len();
            data.truncate(len);
            DocItem::Record {
                data,
                line: self.line,
                index: self.index,
            }
        }
    }
}

/// Read a document stream in batches of about `batch_bytes` of records.
pub struct DocReader<R> {
    reader: R,
    splitter: JsonSplitter,
    batch_bytes: usize,
    done: bool,
    bytes_seen_last_line: bool,
    /// A read error held back until the records read before it have been yielded.
    failed: Option<io::Error>,
}

impl<R: BufRead> DocReader<R> {
    pub fn new(reader: R, batch_bytes: usize, max_record: usize) -> DocReader<R> {
        DocReader {
            reader,
            splitter: JsonSplitter::new(max_record),
            batch_bytes: batch_bytes.max(1),
            done: false,
            bytes_seen_last_line: false,
            failed: None,
        }
    }

    /// Physical lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.splitter.lines() - 1 + u64::from(self.bytes_seen_last_line)
    }

    fn next_batch(&mut self) -> io::Result<Option<Vec<DocItem>>> {
        let mut items = Vec::new();
        let mut bytes = 0;
        while bytes < self.batch_bytes {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) => {
                    // The stream broke (a cut `.json.gz`): the records before the break are
                    // still yielded, the one it cut is malformed, then the error.
                    self.failed = Some(e);
                    self.splitter.finish(&mut items);
                    self.done = true;
                    break;
                }
            };
            if chunk.is_empty() {
                self.splitter.finish(&mut items);
                self.done = true;
                break;
            }
            let len = chunk.len();
            self.bytes_seen_last_line = chunk.last() != Some(&b'\n');
            self.splitter.feed(chunk, &mut items);
            self.reader.consume(len);
            bytes += len;
        }
        Ok((!items.is_empty() || !self.done).then_some(items))
    }
}

impl<R: BufRead> Iterator for DocReader<R> {
    type Item = io::Result<Vec<DocItem>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return self.failed.take().map(Err);
        }
        match self.next_batch() {
            Ok(Some(items)) => Some(Ok(items)),
            Ok(None) => self.failed.take().map(Err),
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str, cap: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut splitter = JsonSplitter::new(cap);
        splitter.feed(input.as_bytes(), &mut out);
        splitter.finish(&mut out);
        out.into_iter()
            .map(|item| match item {
                DocItem::Record { data, line, index } => {
                    format!("{line}/{index:?}:{}", String::from_utf8_lossy(&data))
                }
                DocItem::Malformed {
                    line,
                    index,
                    reason,
                } => format!("{line}/{index:?}!{reason}"),
            })
            .collect()
    }

    #[test]
    fn envelopes_arrays_and_objects() {
        assert_eq!(
            split(r#"{"Records":[{"a":1},{"b":"x]}"}]}"#, 1000),
            [r#"1/Some(1):{"a":1}"#, r#"1/Some(2):{"b":"x]}"}"#]
        );
        assert_eq!(
            split(
                "{\n  \"records\": [\n    {\"a\": [1, {\"c\": 2}]},\n    {\"b\": 2}\n  ],\n  \"x\": 1\n}\n",
                1000
            ),
            ["3/Some(1):{\"a\": [1, {\"c\": 2}]}", "4/Some(2):{\"b\": 2}"]
        );
        assert_eq!(
            split("[\n {\"a\":\"\\\"Records\\\"\"},\n {\"b\":[]}\n]", 1000),
            [
                "2/Some(1):{\"a\":\"\\\"Records\\\"\"}",
                "3/Some(2):{\"b\":[]}"
            ]
        );
        assert_eq!(
            split("{\n \"a\": 1\n}\n{\n \"b\": {\"Records\": [1]}\n}\n", 1000),
            [
                "1/None:{\n \"a\": 1\n}",
                "4/None:{\n \"b\": {\"Records\": [1]}\n}"
            ]
        );
        assert_eq!(split("[]", 1000), Vec::<String>::new());
        assert_eq!(split("{\"Records\":[]}", 1000), Vec::<String>::new());
    }

    #[test]
    fn broken_documents() {
        assert_eq!(
            split("[{\"a\":1},\n{\"b\":", 1000),
            [
                "1/Some(1):{\"a\":1}",
                "2/Some(2)!truncated JSON document: the record is not closed at end of input"
            ]
        );
        assert_eq!(
            split("[{\"a\":\"0123456789\"},{\"b\":1}]", 10),
            [
                "1/Some(1)!record larger than the record size cap",
                "1/Some(2):{\"b\":1}"
            ]
        );
        assert_eq!(
            split("garbage\n{\"a\":1}", 100),
            [
                "1/None!unexpected text between JSON documents",
                "2/None:{\"a\":1}"
            ]
        );
    }
}
