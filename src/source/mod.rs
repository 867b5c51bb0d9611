//! Sources: the files, directories, object-store URLs and stdin named on the command line,
//! opened as decompressed byte streams (gzip and zstd detected by magic bytes, never by name).

pub mod binary;
pub mod blocks;
pub mod follow;
pub mod json_stream;
pub mod partition;
pub mod remote;
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
    /// `None` for stdin and objects.
    pub path: Option<PathBuf>,
    /// An object in an object store (`display` is its URL).
    pub object: Option<Arc<remote::Object>>,
}

impl Input {
    pub fn stdin() -> Input {
        Input {
            display: Arc::from("<stdin>"),
            path: None,
            object: None,
        }
    }

    /// A local file, shown as `display`.
    pub fn file(display: impl Into<Arc<str>>, path: impl Into<PathBuf>) -> Input {
        Input {
            display: display.into(),
            path: Some(path.into()),
            object: None,
        }
    }

    /// Whether this is standard input (neither a file nor an object).
    pub fn is_stdin(&self) -> bool {
        self.path.is_none() && self.object.is_none()
    }

    /// Bytes to read as stored, when known without reading (for the progress bar).
    pub fn stored_size(&self) -> Option<u64> {
        match (&self.object, &self.path) {
            (Some(object), _) => Some(object.size),
            (None, Some(path)) => std::fs::metadata(path).ok().map(|m| m.len()),
            (None, None) => None,
        }
    }
}

/// Every input named on the command line, in order: local paths expanded by [`walk`],
/// object-store URLs listed by [`remote`] (pruned to `window`).
#[derive(Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    /// Paths that could not be listed, and URLs naming a missing object.
    pub errors: Vec<walk::WalkError>,
    pub objects: remote::ObjectCounts,
}

/// Expand `paths`; no paths means stdin when `stdin_if_none`. A URL whose bucket cannot be
/// listed (no such bucket, no credentials) is an error for the whole run.
pub fn expand(
    paths: &[String],
    stdin_if_none: bool,
    window: &crate::config::Window,
) -> Result<Expanded, remote::RemoteError> {
    if paths.is_empty() {
        let inputs = if stdin_if_none {
            vec![Input::stdin()]
        } else {
            Vec::new()
        };
        return Ok(Expanded {
            inputs,
            ..Expanded::default()
        });
    }
    let mut expanded = Expanded::default();
    let mut stores = remote::Stores::default();
    for path in paths {
        if remote::is_url(path) {
            let listing = remote::list(path, window, &mut stores)?;
            expanded.inputs.extend(listing.inputs);
            expanded.errors.extend(listing.missing);
            expanded.objects.merge(listing.counts);
        } else {
            let (inputs, errors) = walk::expand(std::slice::from_ref(path));
            expanded.inputs.extend(inputs);
            expanded.errors.extend(errors);
        }
    }
    Ok(expanded)
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
    let file: Box<dyn Read + Send> = match (&input.object, &input.path) {
        (Some(object), _) => Box::new(object.reader()?),
        (None, Some(path)) => Box::new(File::open(path)?),
        (None, None) => Box::new(Fused {
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
