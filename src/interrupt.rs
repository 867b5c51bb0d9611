//! Ctrl-C (SIGINT, and SIGTERM): one process-wide flag, set by one handler. A scan checks it
//! between reads and stops promptly; nothing is written after it is set (an `-o` file is
//! left as it was), and the run exits with 130 like any interrupted command-line tool.

use std::io;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// The exit code of an interrupted run (128 + SIGINT).
pub const EXIT_CODE: i32 = 130;

/// Install the handler (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        // A process that cannot install it (another handler owns the signal) keeps the
        // default behaviour: the signal ends it.
        let _ = ctrlc::set_handler(|| REQUESTED.store(true, Ordering::SeqCst));
    });
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// The error a read returns once Ctrl-C was pressed. Not `ErrorKind::Interrupted`: the
/// standard readers retry on that kind, which would loop forever.
pub fn error() -> io::Error {
    io::Error::other(Stopped)
}

/// Whether `error` is the one [`error`] made.
pub fn is_stop(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|inner| inner.is::<Stopped>())
}

/// The marker inside the error of an interrupted read.
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Stopped {}

/// `Err(interrupted)` once Ctrl-C was pressed.
pub fn check() -> io::Result<()> {
    if requested() { Err(error()) } else { Ok(()) }
}
