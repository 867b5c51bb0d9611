//! The one scanner: open and decompress an input, sniff its format and framing, cut it into
//! blocks of lines or JSON records, and run prefilter -> parse -> extract on every core. Every
//! command that reads logs (summary, events, near-misses, watch, rules test) gives it a
//! [`Sink`]; the scanner accounts for every line and record itself ([`Inputs`]) and hands the
//! sink each verdict. Blocks are scanned in parallel, each into a fork of the sink, and the
//! forks are merged back.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::aggregate::{InputError, Inputs, Malformed};
use crate::extract::{Context, Position, Verdict, judge};
use crate::format::sniff::{self, Framing, Sample};
use crate::format::{self, InputFormat, Joining, Parsed};
use crate::near_misses::NearMiss;
use crate::prefilter::{Prefilters, with_lowercase};
use crate::progress::Progress;
use crate::rules::RuleSet;
use crate::source::blocks::{Block, BlockReader, Piece};
use crate::source::json_stream::{DocItem, DocReader};
use crate::source::{self, Compression, Input};

/// How many malformed records of one file are kept with their reason for the report.
pub const MALFORMED_SAMPLES: usize = 5;

/// What the scanner needs, shared by every thread.
pub struct Scanner<'r> {
    pub rules: &'r RuleSet,
    pub prefilter: Prefilters,
    pub input_format: Option<InputFormat>,
    pub block_size: usize,
    pub max_record: usize,
    /// "Now", to date times logged without a year.
    pub now: DateTime<Utc>,
    /// Mask credentials in event fields.
    pub redact: bool,
    /// Also judge near-misses (`keydeny near-misses`).
    pub near_misses: bool,
}

/// Where the scanner puts what it finds (ripgrep's `Sink`). Records the prefilter rules out
/// are only counted, in bulk; every other record reaches the sink: judged, or unread.
pub trait Sink: Send + Sync + Sized {
    /// An empty sink for one block of the same input (blocks are scanned in parallel).
    fn fork(&self) -> Self;
    /// Take in what a fork of this sink collected.
    fn merge(&mut self, part: Self);
    /// A record was parsed and judged: an event, or why it is none.
    fn judged(&mut self, at: Position<'_>, verdict: Verdict<'_>);
    /// A record that was not judged: of no shape keydeny reads, or malformed.
    fn unread(&mut self, _at: Position<'_>, _why: Unread<'_>) {}
    /// A record keydeny almost counted (only when the scanner judges near-misses).
    fn near_miss(&mut self, _miss: NearMiss) {}
}

/// Why a record reached no verdict.
#[derive(Clone, Copy, Debug)]
pub enum Unread<'a> {
    /// Well-formed, but nothing to look at (valid JSON of another shape).
    NotARecord,
    Malformed(&'a str),
}

/// The outcome of scanning one input: its account, and how it was read.
#[derive(Debug)]
pub struct FileScan {
    pub file: Arc<str>,
    pub format: Option<InputFormat>,
    pub compression: Compression,
    /// `files`, bytes, lines, records, their verdict counts, the format, malformed samples,
    /// the error or skip reason, and the digest of this one input.
    pub inputs: Inputs,
}

impl Scanner<'_> {
    /// Scan one input to the end, or as far as it can be read, into `sink`.
    pub fn scan<S: Sink>(
        &self,
        input: &Input,
        progress: Option<&Arc<Progress>>,
        sink: &mut S,
    ) -> FileScan {
        let mut scan = FileScan {
            file: input.display.clone(),
            format: None,
            compression: Compression::None,
            inputs: Inputs {
                files: 1,
                ..Inputs::default()
            },
        };
        if let Err(e) = self.scan_into(input, progress, &mut scan, sink) {
            let message = read_error(&e, &scan);
            scan.inputs.errors.push(InputError {
                file: scan.file.to_string(),
                message,
            });
        }
        if let Some(progress) = progress {
            progress.files.fetch_add(1, Ordering::Relaxed);
        }
        scan
    }

    fn scan_into<S: Sink>(
        &self,
        input: &Input,
        progress: Option<&Arc<Progress>>,
        scan: &mut FileScan,
        sink: &mut S,
    ) -> io::Result<()> {
        let (stream, compression) = source::open(input, progress.map(|p| &p.bytes))?;
        scan.compression = compression;
        let bytes = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: stream,
            count: bytes.clone(),
        };
        let (sample, stream) = source::peek(Box::new(counted), sniff::SAMPLE_BYTES)?;
        if !input.is_stdin() {
            if let Some(digest) = crate::digest::of_head(&sample) {
                scan.inputs.digests.insert(digest, scan.file.to_string());
            }
        }
        if let Some(what) = source::binary::kind(&sample) {
            scan.inputs.bytes = bytes.load(Ordering::Relaxed);
            scan.inputs.skipped.push(InputError {
                file: scan.file.to_string(),
                message: format!("skipped: {what}"),
            });
            return Ok(());
        }
        let sample = Sample::new(&sample);
        let format = self
            .input_format
            .unwrap_or_else(|| sniff::sniff_format(&sample));
        scan.format = Some(format);
        scan.inputs.formats.insert(format.id().to_string(), 1);
        let file = scan.file.clone();
        let at = Position {
            file: &file,
            format,
            line: 0,
            record: None,
            modified: input.path.as_deref().and_then(crate::source::modified),
        };
        let result = self.scan_framed(stream, sniff::framing(&sample), at, &mut scan.inputs, sink);
        scan.inputs.bytes = bytes.load(Ordering::Relaxed);
        result
    }

    /// Scan a stream already opened and sniffed: lines or JSON documents, as `framing`
    /// says, read as `at.format`. Lines and records are added to `inputs`.
    pub fn scan_framed<S: Sink>(
        &self,
        stream: Box<dyn BufRead + Send>,
        framing: Framing,
        at: Position<'_>,
        inputs: &mut Inputs,
        sink: &mut S,
    ) -> io::Result<()> {
        match framing {
            Framing::Lines => self.scan_lines(stream, at, inputs, sink),
            Framing::JsonDocuments => self.scan_documents(stream, at, inputs, sink),
        }
    }

    fn scan_lines<S: Sink>(
        &self,
        stream: Box<dyn BufRead + Send>,
        at: Position<'_>,
        inputs: &mut Inputs,
        sink: &mut S,
    ) -> io::Result<()> {
        let joining = at.format.joining();
        let mut reader = BlockReader::new(stream, self.block_size, self.max_record)
            .with_continuation(joining.map(|j| j.continues));
        let results: Vec<io::Result<(Inputs, S)>> = {
            let sink = &*sink;
            (&mut reader)
                .par_bridge()
                .map(|piece| piece.map(|p| self.scan_piece(p, at, sink.fork())))
                .collect()
        };
        inputs.lines += reader.lines_read();
        collect(results, inputs, sink)
    }

    fn scan_piece<S: Sink>(&self, piece: Piece, at: Position<'_>, mut sink: S) -> (Inputs, S) {
        let mut tally = Inputs::default();
        match piece {
            Piece::Block(mut block) => {
                if memchr::memchr(0, &block.data).is_some() {
                    for line in block.without_nul() {
                        let reason = "a line of NUL bytes (left by a crash or a full disk)";
                        malformed(&mut tally, Position { line, ..at }, reason, &mut sink);
                    }
                }
                self.scan_block(&block, at, &mut tally, &mut sink);
            }
            Piece::Cut { line } => {
                let reason = "line cut off where the input broke";
                malformed(&mut tally, Position { line, ..at }, reason, &mut sink);
            }
            Piece::Oversized { line, bytes } => {
                let reason = format!(
                    "line of {bytes} bytes is longer than the record size cap ({} bytes)",
                    self.max_record
                );
                malformed(&mut tally, Position { line, ..at }, &reason, &mut sink);
            }
        }
        (tally, sink)
    }

    fn scan_block<S: Sink>(
        &self,
        block: &Block,
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        let prefilter = self.prefilter.for_format(at.format);
        match at.format.joining() {
            Some(joining) => self.scan_joined(block, joining, at, tally, sink),
            None if !prefilter.is_on() => {
                for (line, raw) in block.lines() {
                    self.scan_record_raw(raw, Position { line, ..at }, tally, sink);
                }
            }
            None => with_lowercase_block(&block.data, |lower| match at.format.is_json() {
                false => self.scan_text_block(block, lower, at, tally, sink),
                true => self.scan_json_block(block, lower, at, tally, sink),
            }),
        }
    }

    /// A block of a text format: one anchor search over the whole (lowercased) block finds
    /// the lines worth parsing; every other line is counted as "other" without being touched
    /// (text formats have no malformed lines, so nothing else can be said of them).
    fn scan_text_block<S: Sink>(
        &self,
        block: &Block,
        lower: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        let body = block.body();
        let candidates = self
            .prefilter
            .for_format(at.format)
            .candidates(body, &lower[..body.len()])
            .unwrap_or_default();
        let skipped = block.line_count() - block.blank_lines() - candidates.len() as u64;
        tally.records += skipped;
        tally.other += skipped;
        for candidate in candidates {
            let line = block.first_line + candidate.index;
            self.parse_record(&body[candidate.bytes], Position { line, ..at }, tally, sink);
        }
    }

    /// A block of a JSON-lines format: the anchor search finds the records worth parsing;
    /// every other record is only checked to be valid JSON (else it is malformed), and a
    /// line that is not JSON at all is read as plain text.
    fn scan_json_block<S: Sink>(
        &self,
        block: &Block,
        lower: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        let body = block.body();
        let candidates = self
            .prefilter
            .for_format(at.format)
            .candidates(body, &lower[..body.len()])
            .unwrap_or_default();
        let mut next = candidates.iter().peekable();
        let mut start = 0;
        for index in 0..block.line_count() {
            let end = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |p| start + p);
            let (raw, low) = (&body[start..end], &lower[start..end]);
            let at = Position {
                line: block.first_line + index,
                ..at
            };
            let candidate = next.next_if(|c| c.index == index).is_some();
            start = end + 1;
            if format::is_blank(raw) {
                continue;
            }
            if !format::looks_like_json(raw) {
                self.scan_record(raw, low, at.as_text(), tally, sink);
            } else if candidate {
                self.parse_record(raw, at, tally, sink);
            } else {
                self.count(format::json_failure(raw), raw, at, tally, sink);
            }
        }
    }

    /// Lines continued by the next (CRI partial lines) are joined into one record that
    /// starts at the first line: the first line whole, then the message of each continuation.
    fn scan_joined<S: Sink>(
        &self,
        block: &Block,
        joining: Joining,
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        let mut pending: Option<(u64, Vec<u8>)> = None;
        for (line, raw) in block.lines() {
            let record = match pending.take() {
                Some((first, mut joined)) => {
                    joined.extend_from_slice((joining.continuation)(raw));
                    (first, joined)
                }
                None => (line, raw.to_vec()),
            };
            if (joining.continues)(raw) {
                pending = Some(record);
            } else {
                let at = Position {
                    line: record.0,
                    ..at
                };
                self.scan_record_raw(&record.1, at, tally, sink);
            }
        }
        if let Some((first, joined)) = pending {
            self.scan_record_raw(&joined, Position { line: first, ..at }, tally, sink);
        }
    }

    fn scan_documents<S: Sink>(
        &self,
        stream: Box<dyn BufRead + Send>,
        at: Position<'_>,
        inputs: &mut Inputs,
        sink: &mut S,
    ) -> io::Result<()> {
        let mut reader = DocReader::new(stream, self.block_size, self.max_record);
        let results: Vec<io::Result<(Inputs, S)>> = {
            let sink = &*sink;
            (&mut reader)
                .par_bridge()
                .map(|batch| batch.map(|items| self.scan_items(items, at, sink.fork())))
                .collect()
        };
        inputs.lines += reader.lines_read();
        collect(results, inputs, sink)
    }

    fn scan_items<S: Sink>(
        &self,
        items: Vec<DocItem>,
        at: Position<'_>,
        mut sink: S,
    ) -> (Inputs, S) {
        let mut tally = Inputs::default();
        for item in items {
            match item {
                DocItem::Record { data, line, index } => {
                    let at = Position {
                        line,
                        record: index,
                        ..at
                    };
                    self.scan_record_raw(&data, at, &mut tally, &mut sink);
                }
                DocItem::Malformed {
                    line,
                    index,
                    reason,
                } => {
                    let at = Position {
                        line,
                        record: index,
                        ..at
                    };
                    malformed(&mut tally, at, &reason, &mut sink);
                }
            }
        }
        (tally, sink)
    }

    fn context(&self) -> Context<'_> {
        Context {
            rules: self.rules,
            now: self.now,
            redact: self.redact,
            near_misses: self.near_misses,
        }
    }

    /// [`Scanner::scan_record`] for a record not lowercased yet.
    fn scan_record_raw<S: Sink>(
        &self,
        raw: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        match self.prefilter.for_format(at.format).is_on() {
            true => with_lowercase(raw, |lower| self.scan_record(raw, lower, at, tally, sink)),
            false => self.scan_record(raw, raw, at, tally, sink),
        }
    }

    /// prefilter -> parse -> extract for one record, given it ASCII-lowercased (`lower`;
    /// anything when the prefilter is off). A blank line is no record; a line that is not
    /// JSON in a JSON-lines file is read as plain text.
    fn scan_record<S: Sink>(
        &self,
        raw: &[u8],
        lower: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        if format::is_blank(raw) {
            return;
        }
        if at.format.is_json() && !format::looks_like_json(raw) {
            return self.scan_record(raw, lower, at.as_text(), tally, sink);
        }
        if self
            .prefilter
            .for_format(at.format)
            .may_match_lower(raw, lower)
        {
            self.parse_record(raw, at, tally, sink);
        } else if at.format.is_json() {
            self.count(format::json_failure(raw), raw, at, tally, sink);
        } else {
            self.count(Parsed::Other, raw, at, tally, sink);
        }
    }

    /// parse -> extract for a record the prefilter let through.
    fn parse_record<S: Sink>(
        &self,
        raw: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        self.count(at.format.parser().parse(raw), raw, at, tally, sink);
    }

    /// Count a parsed record and hand its verdict to the sink; a record not of its format's
    /// shape is read again as plain text.
    fn count<S: Sink>(
        &self,
        parsed: Parsed<'_>,
        raw: &[u8],
        at: Position<'_>,
        tally: &mut Inputs,
        sink: &mut S,
    ) {
        match parsed {
            Parsed::Foreign if at.format != InputFormat::Text => {
                self.scan_record_raw(raw, at.as_text(), tally, sink);
            }
            Parsed::Record(record) => {
                let judged = judge(*record, &self.context(), at);
                tally.records += 1;
                if let Some(miss) = judged.near_miss {
                    sink.near_miss(miss);
                }
                match &judged.verdict {
                    Verdict::Event(_) => tally.matched += 1,
                    Verdict::NotEvent(_) => tally.other += 1,
                }
                sink.judged(at, judged.verdict);
            }
            Parsed::Other | Parsed::Foreign => {
                tally.records += 1;
                tally.other += 1;
                sink.unread(at, Unread::NotARecord);
            }
            Parsed::Malformed(reason) => malformed(tally, at, &reason, sink),
        }
    }
}

/// Count a malformed record, keeping the first few with their reason.
fn malformed<S: Sink>(tally: &mut Inputs, at: Position<'_>, reason: &str, sink: &mut S) {
    tally.records += 1;
    tally.malformed += 1;
    if tally.malformed_samples.len() < MALFORMED_SAMPLES {
        let sample = Malformed {
            line: at.line,
            record: at.record,
            reason: reason.to_string(),
        };
        tally.malformed_samples.push((at.file.to_string(), sample));
    }
    sink.unread(at, Unread::Malformed(reason));
}

/// Fold the per-block accounts and sinks; the first read error (there is at most one) is
/// returned.
fn collect<S: Sink>(
    results: Vec<io::Result<(Inputs, S)>>,
    inputs: &mut Inputs,
    sink: &mut S,
) -> io::Result<()> {
    let mut error = None;
    for result in results {
        match result {
            Ok((tally, part)) => {
                *inputs += tally;
                sink.merge(part);
            }
            Err(e) => error = Some(e),
        }
    }
    inputs.malformed_samples.sort();
    inputs.malformed_samples.truncate(MALFORMED_SAMPLES);
    error.map_or(Ok(()), Err)
}

/// One line on why an input could not be read to its end: where it broke, and what of it
/// was read.
fn read_error(error: &io::Error, scan: &FileScan) -> String {
    let reason = crate::error::reason(error);
    let stream = match scan.compression {
        Compression::None => "data",
        Compression::Gzip => "gzip stream",
        Compression::Zstd => "zstd stream",
    };
    let (place, kept) = match scan.inputs.lines {
        0 => ("at the start".to_string(), ""),
        n => (format!("after line {n}"), " (what came before was read)"),
    };
    if crate::interrupt::is_stop(error) {
        return format!("interrupted {place}");
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => format!("truncated {stream} {place}: {reason}{kept}"),
        io::ErrorKind::InvalidData | io::ErrorKind::Other => {
            format!("corrupt {stream} {place}: {reason}{kept}")
        }
        _ if scan.inputs.bytes == 0 => format!("cannot read: {reason}"),
        _ => format!("read failed {place}: {reason}{kept}"),
    }
}

/// A reader that counts the bytes handed out, and stops the scan once Ctrl-C is pressed.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::interrupt::check()?;
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        crate::interrupt::check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.count.fetch_add(amount as u64, Ordering::Relaxed);
        self.inner.consume(amount);
    }
}

/// Run `f` on `data` ASCII-lowercased, in a buffer kept per thread (blocks are a few MiB:
/// allocating one per block would cost more than lowercasing it).
fn with_lowercase_block<T>(data: &[u8], f: impl FnOnce(&[u8]) -> T) -> T {
    thread_local! {
        static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    LOWER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            crate::prefilter::lowercase_into(data, &mut buffer);
            f(&buffer)
        }
        Err(_) => f(&data.to_ascii_lowercase()),
    })
}
