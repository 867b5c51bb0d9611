//! `keydeny near-misses`: scan like `events`, with near-misses judged too, and print them by
//! message shape (see [`crate::near_misses`]).

use std::io::Write;

use super::{Env, ExitStatus};
use crate::cli::NearMissesArgs;
use crate::config::{self, ScanConfig};
use crate::error::Result;
use crate::near_misses::{group, write};
use crate::{findings, output};

pub fn run(
    args: NearMissesArgs,
    env: Env,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let mut config =
        ScanConfig::from_args(args.scan, config::now()?)?.with_terminal(env.terminal, env.quiet);
    config.near_misses = true;
    let findings = findings::scan_inputs(&config, false, diagnostics)?;
    let groups = group(findings.near_misses);
    output::write(config.output.as_deref(), out, |w| {
        write(&groups, args.top, w)
    })?;
    Ok(if findings.summary.inputs.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::InputErrors
    })
}
