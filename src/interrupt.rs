//! Ctrl-C (SIGINT, and SIGTERM): one process-wide flag, set by one handler. A scan checks it
//! between reads and stops promptly; nothing is written after it is set (an `-o` target is
//! left as it was), and the run exits with 130 like any interrupted command-line tool.
//!
//! A read can block with nothing to wake it (stdin at a terminal, a FIFO, a stalled network
//! mount). So the handler gives the run a moment to stop by itself, then ends the process,
//! removing the temporary file of an `-o` being written; a second Ctrl-C ends it at once.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
/// The temporary file of an `-o` output being written, removed on a forced exit.
static TEMP_FILE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The exit code of an interrupted run (128 + SIGINT).
pub const EXIT_CODE: i32 = 130;

/// How long a run has to stop by itself after Ctrl-C.
const GRACE: Duration = Duration::from_secs(2);

/// Install the handler (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        // A process that cannot install it (another handler owns the signal) keeps the
        // default behaviour: the signal ends it.
        let _ = ctrlc::set_handler(on_signal);
    });
}

fn on_signal() {
    if REQUESTED.swap(true, Ordering::SeqCst) {
        force_exit();
    }
    // The handler runs on its own thread: the process normally ends before this wakes up.
    std::thread::sleep(GRACE);
    force_exit();
}

fn force_exit() -> ! {
    if let Ok(mut temp) = TEMP_FILE.lock() {
        if let Some(path) = temp.take() {
            let _ = std::fs::remove_file(path);
        }
    }
    let mut stderr = io::stderr();
    // Clear a progress bar that may still be drawn on the line.
    let clear = if stderr.is_terminal() {
        "\r\x1b[2K"
    } else {
        ""
    };
    let _ = writeln!(stderr, "{clear}keydeny: interrupted");
    std::process::exit(EXIT_CODE);
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Register the temporary file being written (`None` once it is renamed or removed).
pub fn set_temp_file(path: Option<PathBuf>) {
    if let Ok(mut temp) = TEMP_FILE.lock() {
        *temp = path;
    }
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

/// `Err(interrupted)` once Ctrl-C was pressed.
pub fn check() -> io::Result<()> {
    if requested() { Err(error()) } else { Ok(()) }
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
