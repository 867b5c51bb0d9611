//! Sources: the files, directories and stdin named on the command line, opened as
//! decompressed byte streams (gzip and zstd detected by magic bytes, never by name).

pub mod binary;
pub mod blocks;
pub mod json_stream;
pub mod walk;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One input as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path as given on the command line, joined with the relative path inside a
    /// directory; `<stdin>` for standard input (not `-`, which a CSV export would have to
    /// neutralise as a formula lead).
    pub display: Arc<str>,
    /// `None` for stdin.
    pub path: Option<PathBuf>,
}

impl Input {
    pub fn stdin() -> Input {
        Input {
            display: Arc::from("<stdin>"),
            path: None,
        }
    }
}

/// When the file at `path` was last modified, if the system says.
pub fn modified(path: &std::path::Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let time = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(time.into())
}

/// The compression of a stream, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn detect(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

const READ_BUFFER: usize = 256 * 1024;

/// Open an input as a decompressed, buffered stream; `progress` (when given) counts the
/// bytes read from the file itself, before decompression.
pub fn open(
    input: &Input,
    progress: Option<&Arc<AtomicU64>>,
) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    let file: Box<dyn Read + Send> = match &input.path {
        Some(path) => Box::new(File::open(path)?),
        None => Box::new(Fused {
            inner: io::stdin(),
            ended: false,
        }),
    };
    let raw: Box<dyn Read + Send> = match progress {
        Some(counter) => Box::new(CountRead {
            inner: file,
            counter: counter.clone(),
        }),
        None => file,
    };
    let mut buffered = BufReader::with_capacity(READ_BUFFER, raw);
    let compression = Compression::detect(buffered.fill_buf()?);
    let stream: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            zstd::stream::read::Decoder::with_buffer(buffered)?,
        )),
    };
    Ok((stream, compression))
}

/// A reader that stays at its end once it reached it: on a terminal, one Ctrl-D ends the
/// input (the sniffer, the decompressor and the block reader each read again at the end).
struct Fused<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for Fused<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.ended = n == 0;
        Ok(n)
    }
}

/// A reader that adds the bytes it hands out to a shared counter.
struct CountRead<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Read up to `limit` bytes from the start of a stream without losing them: returns the
/// sample and a reader that yields the sample again, then the rest.
pub fn peek(
    mut stream: Box<dyn BufRead + Send>,
    limit: usize,
) -> io::Result<(Vec<u8>, Box<dyn BufRead + Send>)> {
    let mut sample = Vec::with_capacity(limit.min(64 * 1024));
    let replay: Box<dyn Read + Send> =
        match (&mut stream).take(limit as u64).read_to_end(&mut sample) {
            Ok(_) => Box::new(io::Cursor::new(sample.clone()).chain(stream)),
            // Corrupt early (a truncated stream): what was read is still processed, then the
            // error is reported.
            Err(e) => Box::new(io::Cursor::new(sample.clone()).chain(FailWith(Some(e)))),
        };
    Ok((
        sample,
        Box::new(BufReader::with_capacity(READ_BUFFER, replay)),
    ))
}

/// A reader that fails once with the error it holds, then reads as empty.
struct FailWith(Option<io::Error>);

impl Read for FailWith {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}
