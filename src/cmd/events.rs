//! `keydeny events`: one row per denied key-generation event, as a table, CSV or NDJSON.

use std::io::Write;

use super::{Env, ExitStatus, report_thresholds, thresholds};
use crate::cli::EventsArgs;
use crate::config::{self, ScanConfig};
use crate::error::Result;
use crate::findings;
use crate::output;
use crate::report::table::TableWriter;

pub fn run(
    args: EventsArgs,
    env: Env,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let config =
        ScanConfig::from_args(args.scan, config::now()?)?.with_terminal(env.terminal, env.quiet);
    let findings = findings::scan_inputs(&config, true, diagnostics)?;
    if findings.nothing_read() {
        return Ok(ExitStatus::InputErrors);
    }
    let mut table = TableWriter::new(config.zone, config.terminal);
    table.filtered = findings.summary.filtered;
    let writer = args.format.writer(&table);
    output::write(config.output.as_deref(), out, |w| {
        writer.write_events(&findings.events, w)
    })?;
    let thresholds = thresholds(&config.fail_on, &findings.summary);
    report_thresholds(&thresholds, diagnostics)?;
    Ok(ExitStatus::of(&findings.summary, &thresholds))
}
