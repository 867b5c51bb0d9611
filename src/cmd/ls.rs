//! `keydeny ls`: the inputs a scan would read, one per line; problems on stderr (exit 2),
//! and, for object stores, what window pruning left out.

use std::io::{self, Write};

use super::{Env, ExitStatus};
use crate::cli::LsArgs;
use crate::config;
use crate::error::{Error, Result};
use crate::source;
use crate::zone::Zone;

pub fn run(
    args: LsArgs,
    env: Env,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let now = config::parse_now(args.now.as_deref(), config::now()?)?;
    let window = config::parse_window(
        args.since.as_deref(),
        args.until.as_deref(),
        now,
        Zone::default(),
    )?;
    // Listing stdin would only print `<stdin>`: no paths lists nothing.
    let (paths, _) = config::input_paths(args.paths, args.files_from.as_deref())?;
    let expanded =
        source::expand(&paths, false, &window).map_err(|e| Error::Source(e.to_string()))?;
    let mut listed = io::BufWriter::new(out);
    for input in &expanded.inputs {
        writeln!(listed, "{}", input.display)?;
    }
    listed.flush()?;
    for error in &expanded.errors {
        writeln!(diagnostics, "keydeny: {}: {}", error.path, error.message)?;
    }
    let objects = expanded.objects;
    if !env.quiet && (objects.listed > 0 || objects.partitions_skipped > 0) {
        writeln!(
            diagnostics,
            "keydeny: objects: {} listed, {} skipped as written before the window, {} date partition(s) outside the window not listed",
            objects.listed, objects.skipped, objects.partitions_skipped
        )?;
    }
    Ok(if expanded.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::InputErrors
    })
}
