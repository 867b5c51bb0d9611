//! Scanning one input: open and decompress it, sniff its format and framing, cut it into
//! blocks of lines or JSON records, and run prefilter -> parse -> extract on every core.
//! The result is a [`FileScan`]: its events and an account of every line and record.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::event::Event;
use crate::extract::{Context, Position, judge};
use crate::format::sniff::{self, Framing, Sample};
use crate::format::{self, InputFormat, Parsed};
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
    /// Also collect near-misses (`keydeny near-misses`).
    pub near_misses: bool,
}

/// A malformed record: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Malformed {
    pub line: u64,
    pub record: Option<u64>,
    pub reason: String,
}

/// Counts that add up: `records == matched + other + malformed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub records: u64,
    pub matched: u64,
    pub other: u64,
    pub malformed: u64,
    pub samples: Vec<Malformed>,
    pub events: Vec<Event>,
    /// What was almost an event (only when the scanner is asked for them).
    pub near_misses: Vec<NearMiss>,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.records += other.records;
        self.matched += other.matched;
        self.other += other.other;
        self.malformed += other.malformed;
        self.samples.extend(other.samples);
        self.samples.sort();
        self.samples.truncate(MALFORMED_SAMPLES);
        self.events.extend(other.events);
        self.near_misses.extend(other.near_misses);
    }

    fn malformed(&mut self, line: u64, record: Option<u64>, reason: String) {
        self.records += 1;
        self.malformed += 1;
        if self.samples.len() < MALFORMED_SAMPLES {
            self.samples.push(Malformed {
                line,
                record,
                reason,
            });
        }
    }
}

/// The outcome of scanning one input.
#[derive(Debug)]
pub struct FileScan {
    pub file: Arc<str>,
    pub format: Option<InputFormat>,
    pub compression: Compression,
    /// Decompressed bytes read.
    pub bytes: u64,
    pub lines: u64,
    pub tally: Tally,
    /// Why the input could not be read (or not to the end).
    pub error: Option<String>,
    /// Why the input was skipped on purpose (binary data).
    pub skipped: Option<String>,
    /// The digest of the input's first 64 KiB (see [`crate::digest`]); `None` for stdin.
    pub digest: Option<String>,
}

impl Scanner<'_> {
    /// Scan one input to the end, or as far as it can be read.
    pub fn scan(&self, input: &Input, progress: Option<&Arc<Progress>>) -> FileScan {
        let mut scan = FileScan {
            file: input.display.clone(),
            format: None,
            compression: Compression::None,
            bytes: 0,
            lines: 0,
            tally: Tally::default(),
            error: None,
            skipped: None,
            digest: None,
        };
        if let Err(e) = self.scan_into(input, progress, &mut scan) {
            scan.error = Some(read_error(&e, &scan));
        }
        if let Some(progress) = progress {
            progress.files.fetch_add(1, Ordering::Relaxed);
        }
        scan.tally
            .events
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        scan
    }

    fn scan_into(
        &self,
        input: &Input,
        progress: Option<&Arc<Progress>>,
        scan: &mut FileScan,
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
            scan.digest = crate::digest::of_head(&sample);
        }
        if let Some(what) = source::binary::kind(&sample) {
            scan.bytes = bytes.load(Ordering::Relaxed);
            scan.skipped = Some(format!("skipped: {what}"));
            return Ok(());
        }
        let sample = Sample::new(&sample);
        let format = self
            .input_format
            .unwrap_or_else(|| sniff::sniff_format(&sample));
        scan.format = Some(format);
        let file = scan.file.clone();
        let at = Position {
            file: &file,
            format,
            line: 0,
            record: None,
            modified: input.path.as_deref().and_then(crate::source::modified),
        };
        let result = match sniff::framing(&sample) {
            Framing::Lines => self.scan_lines(stream, at, scan),
            Framing::JsonDocuments => self.scan_documents(stream, at, scan),
        };
        scan.bytes = bytes.load(Ordering::Relaxed);
        result
    }

    fn scan_lines(
        &self,
        stream: Box<dyn BufRead + Send>,
        at: Position<'_>,
        scan: &mut FileScan,
    ) -> io::Result<()> {
        let mut reader = BlockReader::new(stream, self.block_size, self.max_record)
            .with_continuation(at.format.continues());
        let results: Vec<io::Result<Tally>> = (&mut reader)
            .par_bridge()
            .map(|piece| piece.map(|p| self.scan_piece(p, at)))
            .collect();
        scan.lines = reader.lines_read();
        collect(results, &mut scan.tally)
    }

    fn scan_piece(&self, piece: Piece, at: Position<'_>) -> Tally {
        let mut tally = Tally::default();
        match piece {
            Piece::Block(mut block) => {
                if memchr::memchr(0, &block.data).is_some() {
                    for line in block.without_nul() {
                        let reason = "a line of NUL bytes (left by a crash or a full disk)";
                        tally.malformed(line, None, reason.to_string());
                    }
                }
                self.scan_block(&block, at, &mut tally);
            }
            Piece::Cut { line } => {
                tally.malformed(line, None, "line cut off where the input broke".to_string())
            }
            Piece::Oversized { line, bytes } => tally.malformed(
                line,
                None,
                format!(
                    "line of {bytes} bytes is longer than the record size cap ({} bytes)",
                    self.max_record
                ),
            ),
        }
        tally
    }

    fn scan_block(&self, block: &Block, at: Position<'_>, tally: &mut Tally) {
        let prefilter = self.prefilter.for_format(at.format);
        match at.format.continues() {
            Some(continues) => self.scan_joined(block, continues, at, tally),
            None if !prefilter.is_on() => {
                for (line, raw) in block.lines() {
                    self.scan_record_raw(raw, Position { line, ..at }, tally);
                }
            }
            None => with_lowercase_block(&block.data, |lower| match at.format.is_json() {
                false => self.scan_text_block(block, lower, at, tally),
                true => self.scan_json_block(block, lower, at, tally),
            }),
        }
    }

    /// A block of a text format: one anchor search over the whole (lowercased) block finds
    /// the lines worth parsing; every other line is counted as "other" without being touched
    /// (text formats have no malformed lines, so nothing else can be said of them).
    fn scan_text_block(&self, block: &Block, lower: &[u8], at: Position<'_>, tally: &mut Tally) {
        let body = block.body();
        let candidates = self
            .prefilter
            .for_format(at.format)
            .candidates(&lower[..body.len()])
            .unwrap_or_default();
        let skipped = block.line_count() - block.blank_lines() - candidates.len() as u64;
        tally.records += skipped;
        tally.other += skipped;
        for candidate in candidates {
            let line = block.first_line + candidate.index;
            self.parse_record(&body[candidate.bytes], Position { line, ..at }, tally);
        }
    }

    /// A block of a JSON-lines format: the anchor search finds the records worth parsing;
    /// every other record is only checked to be valid JSON (else it is malformed), and a
    /// line that is not JSON at all is read as plain text.
    fn scan_json_block(&self, block: &Block, lower: &[u8], at: Position<'_>, tally: &mut Tally) {
        let body = block.body();
        let candidates = self
            .prefilter
            .for_format(at.format)
            .candidates(&lower[..body.len()])
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
                self.scan_record(raw, low, at.as_text(), tally);
            } else if candidate {
                self.parse_record(raw, at, tally);
            } else {
                self.count(format::json_failure(raw), raw, at, tally);
            }
        }
    }

    /// Lines continued by the next (CRI partial lines) are joined into one record that
    /// starts at the first line: the first line whole, then the message of each continuation.
    fn scan_joined(
        &self,
        block: &Block,
        continues: fn(&[u8]) -> bool,
        at: Position<'_>,
        tally: &mut Tally,
    ) {
        let mut pending: Option<(u64, Vec<u8>)> = None;
        for (line, raw) in block.lines() {
            let record = match pending.take() {
                Some((first, mut joined)) => {
                    joined.extend_from_slice(crate::format::cri::message_part(raw));
                    (first, joined)
                }
                None => (line, raw.to_vec()),
            };
            if continues(raw) {
                pending = Some(record);
            } else {
                self.scan_record_raw(
                    &record.1,
                    Position {
                        line: record.0,
                        ..at
                    },
                    tally,
                );
            }
        }
        if let Some((first, joined)) = pending {
            self.scan_record_raw(&joined, Position { line: first, ..at }, tally);
        }
    }

    fn scan_documents(
        &self,
        stream: Box<dyn BufRead + Send>,
        at: Position<'_>,
        scan: &mut FileScan,
    ) -> io::Result<()> {
        let mut reader = DocReader::new(stream, self.block_size, self.max_record);
        let results: Vec<io::Result<Tally>> = (&mut reader)
            .par_bridge()
            .map(|batch| batch.map(|items| self.scan_items(items, at)))
            .collect();
        scan.lines = reader.lines_read();
        collect(results, &mut scan.tally)
    }

    fn scan_items(&self, items: Vec<DocItem>, at: Position<'_>) -> Tally {
        let mut tally = Tally::default();
        for item in items {
            match item {
                DocItem::Record { data, line, index } => {
                    self.scan_record_raw(
                        &data,
                        Position {
                            line,
                            record: index,
                            ..at
                        },
                        &mut tally,
                    );
                }
                DocItem::Malformed {
                    line,
                    index,
                    reason,
                } => tally.malformed(line, index, reason),
            }
        }
        tally
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
    fn scan_record_raw(&self, raw: &[u8], at: Position<'_>, tally: &mut Tally) {
        match self.prefilter.for_format(at.format).is_on() {
            true => with_lowercase(raw, |lower| self.scan_record(raw, lower, at, tally)),
            false => self.scan_record(raw, raw, at, tally),
        }
    }

    /// prefilter -> parse -> extract for one record, given it ASCII-lowercased (`lower`;
    /// anything when the prefilter is off). A blank line is no record; a line that is not
    /// JSON in a JSON-lines file is read as plain text.
    fn scan_record(&self, raw: &[u8], lower: &[u8], at: Position<'_>, tally: &mut Tally) {
        if format::is_blank(raw) {
            return;
        }
        if at.format.is_json() && !format::looks_like_json(raw) {
            return self.scan_record(raw, lower, at.as_text(), tally);
        }
        if self.prefilter.for_format(at.format).may_match_lower(lower) {
            self.parse_record(raw, at, tally);
        } else if at.format.is_json() {
            self.count(format::json_failure(raw), raw, at, tally);
        } else {
            self.count(Parsed::Other, raw, at, tally);
        }
    }

    /// parse -> extract for a record the prefilter let through.
    fn parse_record(&self, raw: &[u8], at: Position<'_>, tally: &mut Tally) {
        self.count(at.format.parser().parse(raw), raw, at, tally);
    }

    /// Count a parsed record, extracting its event when it is one; a record not of its
    /// format's shape is read again as plain text.
    fn count(&self, parsed: Parsed<'_>, raw: &[u8], at: Position<'_>, tally: &mut Tally) {
        match parsed {
            Parsed::Foreign if at.format != InputFormat::Text => {
                self.scan_record_raw(raw, at.as_text(), tally);
            }
            Parsed::Record(record) => {
                let judged = judge(*record, &self.context(), at);
                tally.records += 1;
                tally.near_misses.extend(judged.near_miss);
                match judged.event {
                    Some(event) => {
                        tally.matched += 1;
                        tally.events.push(event);
                    }
                    None => tally.other += 1,
                }
            }
            Parsed::Other | Parsed::Foreign => {
                tally.records += 1;
                tally.other += 1;
            }
            Parsed::Malformed(reason) => tally.malformed(at.line, at.record, reason),
        }
    }
}

/// Merge per-block tallies; the first read error (there is at most one) is returned.
fn collect(results: Vec<io::Result<Tally>>, into: &mut Tally) -> io::Result<()> {
    let mut error = None;
    for result in results {
        match result {
            Ok(tally) => into.merge(tally),
            Err(e) => error = Some(e),
        }
    }
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
    let (place, kept) = match scan.lines {
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
        _ if scan.bytes == 0 => format!("cannot read: {reason}"),
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
