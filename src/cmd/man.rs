//! `keydeny man` and `keydeny completions`: the manual pages (see [`crate::man`]) and shell
//! completion scripts, both generated from the clap definitions.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use super::ExitStatus;
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::man;

/// One page to `out`, or every page into `dir` (their paths to `out`).
pub fn run(
    command: Option<String>,
    dir: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    if let Some(dir) = dir {
        for path in man::write_all(&dir)? {
            writeln!(out, "{}", path.display())?;
        }
        return Ok(ExitStatus::Clean);
    }
    let (name, cmd) = man::page(command.as_deref()).map_err(Error::Usage)?;
    let all: Vec<String> = man::pages().into_iter().map(|(n, _)| n).collect();
    man::render(&name, &cmd, &all, out)?;
    Ok(ExitStatus::Clean)
}

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> ExitStatus {
    clap_complete::generate(shell, &mut Cli::command(), "keydeny", out);
    ExitStatus::Clean
}
