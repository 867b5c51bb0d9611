//! Cutting a byte stream into newline-aligned blocks of a few MiB, so the lines of one large
//! file are parsed on every core. A line longer than the record cap is never held in
//! memory: it is skipped to its end and reported as oversized, with its line number. When
//! the stream breaks (a truncated gzip file), the lines read before the break are still
//! yielded, then the error.

use std::io::{self, BufRead};
use std::sync::{Arc, Mutex};

/// A run of complete lines, and the 1-based number of its first line. Its buffer goes back
/// to the reader's pool when it is dropped.
pub struct Block {
    pub data: Vec<u8>,
    pub first_line: u64,
    /// Counted once, when the block is cut.
    lines: u64,
    pool: Option<Arc<Pool>>,
}

impl Drop for Block {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.put(std::mem::take(&mut self.data));
        }
    }
}

/// Spent block buffers, so a scan reuses a few buffers of the block size instead of asking
/// the allocator (and the kernel, for fresh zeroed pages) for one per block. It keeps at
/// most [`Pool::KEEP`]: a bound on the memory a scan holds, whatever the file's size.
#[derive(Default)]
pub struct Pool {
    spare: Mutex<Vec<Vec<u8>>>,
}

impl Pool {
    const KEEP: usize = 4;

    fn take(&self, capacity: usize) -> Vec<u8> {
        let spare = self.spare.lock().ok().and_then(|mut s| s.pop());
        let mut buffer = spare.unwrap_or_default();
        buffer.clear();
        buffer.reserve(capacity);
        buffer
    }

    fn put(&self, buffer: Vec<u8>) {
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < Self::KEEP && buffer.capacity() > 0 {
                spare.push(buffer);
            }
        }
    }
}

impl Block {
    /// The lines of the block with their numbers (without the `\n`).
    pub fn lines(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        let body = self.data.strip_suffix(b"\n").unwrap_or(&self.data);
        let lines = (!self.data.is_empty()).then(|| body.split(|&b| b == b'\n'));
        lines
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, line)| (self.first_line + i as u64, line))
    }

    /// The block without its last `\n`.
    pub fn body(&self) -> &[u8] {
        self.data.strip_suffix(b"\n").unwrap_or(&self.data)
    }

    pub fn line_count(&self) -> u64 {
        self.lines
    }

    /// Lines holding nothing but blanks (no records, so not counted as records).
    pub fn blank_lines(&self) -> u64 {
        let body = self.data.strip_suffix(b"\n").unwrap_or(&self.data);
        if body.is_empty() {
            return u64::from(!self.data.is_empty());
        }
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', body).map(|p| p + 1));
        starts
            .filter(|&start| {
                // Most lines start with a visible character: one byte decides.
                let rest = &body[start..];
                match rest.first() {
                    None | Some(b'\n') => true,
                    Some(b' ' | b'\t' | b'\r') => {
                        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                        rest[..end].iter().all(u8::is_ascii_whitespace)
                    }
                    Some(_) => false,
                }
            })
            .count() as u64
    }

    /// The block with its NUL bytes removed (a crashed or disk-full writer leaves runs of
    /// them): returns the numbers of lines that held nothing else, which become blank.
    pub fn without_nul(&mut self) -> Vec<u64> {
        let mut emptied = Vec::new();
        let mut clean = Vec::with_capacity(self.data.len());
        for (index, line) in self.data.split_inclusive(|&b| b == b'\n').enumerate() {
            if memchr::memchr(0, line).is_none() {
                clean.extend_from_slice(line);
                continue;
            }
            let kept: Vec<u8> = line.iter().copied().filter(|&b| b != 0).collect();
            if kept.iter().all(u8::is_ascii_whitespace) {
                emptied.push(self.first_line + index as u64);
            }
            clean.extend_from_slice(&kept);
        }
        self.data = clean;
        emptied
    }
}

/// Lines in `data`, counting a last line without `\n`.
pub fn count_lines(data: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', data).count() as u64;
    newlines + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// What the block reader yields.
pub enum Piece {
    Block(Block),
    /// A line longer than the cap, skipped unread: its number and length in bytes.
    Oversized {
        line: u64,
        bytes: u64,
    },
    /// The last line before a read error, cut off by it: its number.
    Cut {
        line: u64,
    },
}

/// Whether a line is continued by the next one (a CRI `P` partial line): blocks are never
/// cut after such a line, so the record it starts stays whole.
pub type Continues = fn(&[u8]) -> bool;

/// Newline-aligned blocks of about `block_size` bytes from a stream.
pub struct BlockReader<R> {
    reader: R,
    continues: Option<Continues>,
    block_size: usize,
    max_line: usize,
    carry: Vec<u8>,
    pool: Arc<Pool>,
    next_line: u64,
    done: bool,
    /// A read error held back until the data read before it has been yielded.
    failed: Option<io::Error>,
    /// The number of a line cut off by the read error, yielded before it.
    cut_line: Option<u64>,
}

impl<R: BufRead> BlockReader<R> {
    pub fn new(reader: R, block_size: usize, max_line: usize) -> BlockReader<R> {
        BlockReader {
            reader,
            continues: None,
            block_size: block_size.max(1),
            max_line: max_line.max(1),
            carry: Vec::new(),
            pool: Arc::default(),
            next_line: 1,
            done: false,
            failed: None,
            cut_line: None,
        }
    }

    /// Never cut a block after a line for which `continues` holds.
    pub fn with_continuation(mut self, continues: Option<Continues>) -> BlockReader<R> {
        self.continues = continues;
        self
    }

    /// Where to end a block: after the last newline that ends a whole record.
    fn cut(&self, data: &[u8]) -> Option<usize> {
        let mut end = memchr::memrchr(b'\n', data)?;
        let Some(continues) = self.continues else {
            return Some(end);
        };
        loop {
            let start = memchr::memrchr(b'\n', &data[..end]).map_or(0, |p| p + 1);
            if !continues(&data[start..end]) {
                return Some(end);
            }
            if start == 0 {
                return None;
            }
            end = start - 1;
        }
    }

    /// Lines read so far (complete, oversized and a final line without `\n`).
    pub fn lines_read(&self) -> u64 {
        self.next_line - 1
    }

    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        let mut data = self.pool.take(self.block_size + self.block_size / 4);
        data.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            if data.len() >= self.block_size {
                if let Some(end) = self.cut(&data) {
                    self.carry.extend_from_slice(&data[end + 1..]);
                    data.truncate(end + 1);
                    return Ok(Some(self.block(data)));
                }
                if let Some(end) =
                    memchr::memrchr(b'\n', &data).filter(|_| data.len() > self.max_line)
                {
                    // A continued record over the cap: cut anyway rather than hold it.
                    self.carry.extend_from_slice(&data[end + 1..]);
                    data.truncate(end + 1);
                    return Ok(Some(self.block(data)));
                }
                if data.len() > self.max_line {
                    return self.skip_oversized(data.len() as u64).map(Some);
                }
            }
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) => return Ok(self.broken(data, e)),
            };
            if chunk.is_empty() {
                self.done = true;
                return Ok((!data.is_empty()).then(|| self.block(data)));
            }
            let take = chunk.len().min(self.block_size.max(data.len()) + 1);
            data.extend_from_slice(&chunk[..take]);
            self.reader.consume(take);
        }
    }

    /// The stream broke: the complete lines read before are yielded, then the cut-off
    /// line, then the error.
    fn broken(&mut self, mut data: Vec<u8>, error: io::Error) -> Option<Piece> {
        self.failed = Some(error);
        self.done = true;
        let complete = memchr::memrchr(b'\n', &data).map_or(0, |p| p + 1);
        if data.len() > complete {
            self.cut_line = Some(self.next_line + count_lines(&data[..complete]));
        }
        data.truncate(complete);
        if data.is_empty() {
            return self.cut_line.take().map(|line| self.cut_off(line));
        }
        Some(self.block(data))
    }

    fn cut_off(&mut self, line: u64) -> Piece {
        self.next_line = line + 1;
        Piece::Cut { line }
    }

    fn block(&mut self, data: Vec<u8>) -> Piece {
        let block = Block {
            lines: count_lines(&data),
            data,
            first_line: self.next_line,
            pool: Some(self.pool.clone()),
        };
        self.next_line += block.line_count();
        Piece::Block(block)
    }

    /// Discard the rest of an oversized line (through its `\n`).
    fn skip_oversized(&mut self, mut bytes: u64) -> io::Result<Piece> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                self.done = true;
                break;
            }
            if let Some(pos) = memchr::memchr(b'\n', chunk) {
                bytes += pos as u64;
                self.reader.consume(pos + 1);
                break;
            }
            let len = chunk.len();
            bytes += len as u64;
            self.reader.consume(len);
        }
        let line = self.next_line;
        self.next_line += 1;
        Ok(Piece::Oversized { line, bytes })
    }
}

impl<R: BufRead> Iterator for BlockReader<R> {
    type Item = io::Result<Piece>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done && self.carry.is_empty() {
            if let Some(line) = self.cut_line.take() {
                return Some(Ok(self.cut_off(line)));
            }
            return self.failed.take().map(Err);
        }
        match self.next_piece() {
            Ok(Some(piece)) => Some(Ok(piece)),
            Ok(None) => self.failed.take().map(Err),
            Err(e) => {
                self.done = true;
                self.carry.clear();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(input: &[u8], block: usize, cap: usize) -> Vec<String> {
        BlockReader::new(input, block, cap)
            .map(|p| match p.unwrap() {
                Piece::Block(b) => {
                    let lines: Vec<String> = b
                        .lines()
                        .map(|(n, l)| format!("{n}:{}", String::from_utf8_lossy(l)))
                        .collect();
                    lines.join(",")
                }
                Piece::Oversized { line, bytes } => format!("oversized {line} ({bytes} bytes)"),
                Piece::Cut { line } => format!("cut {line}"),
            })
            .collect()
    }

    #[test]
    fn blocks_keep_lines_whole_and_numbered() {
        assert_eq!(pieces(b"a\nbb\nccc\n", 1024, 1024), ["1:a,2:bb,3:ccc"]);
        assert_eq!(pieces(b"a\nbb\nccc", 3, 1024), ["1:a", "2:bb", "3:ccc"]);
        assert_eq!(pieces(b"a\n\nb\n", 1, 1024), ["1:a", "2:", "3:b"]);
        assert_eq!(pieces(b"", 4, 1024), Vec::<String>::new());
    }

    #[test]
    fn continued_lines_stay_in_one_block() {
        let partial: Continues = |line| line.starts_with(b"P");
        let lines = |input: &[u8], block| -> Vec<String> {
            BlockReader::new(input, block, 1024)
                .with_continuation(Some(partial))
                .map(|p| match p.unwrap() {
                    Piece::Block(b) => b
                        .lines()
                        .map(|(n, _)| n.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    Piece::Oversized { .. } | Piece::Cut { .. } => "other".into(),
                })
                .collect()
        };
        assert_eq!(lines(b"F1\nP2\nP3\nF4\nF5\n", 1), ["1", "2,3,4", "5"]);
        assert_eq!(lines(b"P1\nP2", 1), ["1,2"]);
    }

    /// A stream that breaks after its data, as a truncated gzip file does.
    struct Breaks(&'static [u8]);

    impl std::io::Read for Breaks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_broken_stream_yields_what_came_before_then_the_error() {
        let read = |data: &'static [u8]| -> Vec<String> {
            BlockReader::new(
                io::BufReader::with_capacity(4, Breaks(data)),
                1 << 20,
                1 << 20,
            )
            .map(|p| match p {
                Ok(Piece::Block(b)) => format!("block {}", b.line_count()),
                Ok(Piece::Cut { line }) => format!("cut {line}"),
                Ok(Piece::Oversized { .. }) => "oversized".into(),
                Err(e) => format!("error {e}"),
            })
            .collect()
        };
        assert_eq!(read(b"a\nbb\ncc"), ["block 2", "cut 3", "error cut"]);
        assert_eq!(read(b"a\nbb\n"), ["block 2", "error cut"]);
        assert_eq!(read(b"abc"), ["cut 1", "error cut"]);
        assert_eq!(read(b""), ["error cut"]);
    }

    #[test]
    fn oversized_lines_are_skipped_and_counted() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend(b"\nafter\n");
        assert_eq!(
            pieces(&input, 8, 16),
            ["1:ok", "oversized 2 (100 bytes)", "3:after"]
        );
        let mut tail = b"ok\n".to_vec();
        tail.extend(std::iter::repeat_n(b'y', 40));
        assert_eq!(pieces(&tail, 8, 16), ["1:ok", "oversized 2 (40 bytes)"]);
    }
}
