//! keydeny finds denied key-generation events (API keys, access keys, tokens) in logs and
//! says why each was denied. The pipeline flows one way:
//!
//! ```text
//! source (walk, object stores, decompress) -> blocks / JSON records -> prefilter -> format::parse
//!   -> extract (rules: action? denied? -> Event or NotEvent) -> scan::Sink -> aggregate -> report
//! ```
//!
//! One scanner ([`scan::Scanner`]) frames and reads records for every command; the commands
//! ([`cmd`], one file each) differ in the sink they give it: [`findings::Collect`] (summary,
//! events, near-misses), live printing (`watch`), verdicts ([`verdict`], `rules test`).
//! `main.rs` only calls [`main_with_streams`]; flags become configurations ([`config`]) in
//! the command's `run`.

pub mod aggregate;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod digest;
pub mod error;
pub mod event;
pub mod extract;
pub mod findings;
pub mod format;
pub mod interrupt;
pub mod near_misses;
pub mod output;
pub mod prefilter;
pub mod progress;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod terminal;
pub mod trend;
pub mod verdict;
pub mod vocab;
pub mod zone;

use std::io::{self, Write};

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::cmd::Env;
use crate::error::Error;
use crate::terminal::{Streams, Terminal};

/// Run keydeny with `args` (including the program name); returns the exit code.
pub fn main_with(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    main_with_streams(args, out, err, Streams::default())
}

/// [`main_with`] for streams with known terminal facts (`main` passes the real ones).
pub fn main_with_streams(
    args: Vec<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    streams: Streams,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    match run(cli, out, err, streams) {
        Ok(code) => code,
        // A closed pipe (`| head`) is how a reader says "enough": exit quietly, as rg does.
        Err(Error::Io(e)) if is_broken_pipe(&e) => 0,
        Err(Error::Io(e)) if interrupt::is_stop(&e) => {
            let _ = writeln!(err, "keydeny: interrupted");
            interrupt::EXIT_CODE
        }
        Err(e) => {
            let _ = writeln!(err, "keydeny: error: {e}");
            2
        }
    }
}

/// Whether `error`, or an error it wraps (the CSV writer wraps its I/O errors), is a
/// broken pipe.
fn is_broken_pipe(error: &io::Error) -> bool {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return true;
    }
    // `io::Error::source` skips the wrapped error itself, so descend through `get_ref`.
    let mut current = error
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return is_broken_pipe(io);
        }
        if let Some(csv::ErrorKind::Io(io)) = e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            return is_broken_pipe(io);
        }
        current = e.source();
    }
    false
}

fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write, streams: Streams) -> Result<i32, Error> {
    let mut terminal = Terminal::new(streams, cli.color, cli.width, cli.quiet);
    terminal.ascii |= cli.ascii;
    let env = Env {
        terminal,
        quiet: cli.quiet,
    };
    let status = match cli.command {
        Command::Summary(args) => cmd::summary::run(args, env, out, err)?,
        Command::Events(args) => cmd::events::run(args, env, out, err)?,
        Command::Merge(args) => cmd::merge::run(args, env, out, err)?,
        Command::NearMisses(args) => cmd::near_misses::run(args, env, out, err)?,
        Command::Ls(args) => cmd::ls::run(args, env, out, err)?,
        Command::Watch(args) => cmd::watch::run(args, env, out, err)?,
        Command::Explain { cause } => cmd::explain::run(cause, env, out)?,
        Command::Rules { command } => cmd::rules::run(command, out, err)?,
        Command::Man { command, dir } => cmd::man::run(command, dir, out)?,
        Command::Completions { shell } => cmd::man::completions(shell, out),
    };
    Ok(status.code())
}
