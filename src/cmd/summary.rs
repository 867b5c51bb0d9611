//! `keydeny summary`: denials grouped by cause (or `--by` a dimension), in a table, JSON,
//! Markdown or HTML; and the report writer `merge` shares.

use std::io::Write;
use std::path::Path;

use super::{Env, ExitStatus, report_thresholds, thresholds};
use crate::aggregate::Summary;
use crate::cli::SummaryArgs;
use crate::config::{self, ReportConfig, ScanConfig, Window};
use crate::error::{Error, Result};
use crate::findings;
use crate::output;
use crate::report::table::{Groups, TableWriter};
use crate::report::{self, SummaryContext};
use crate::rules::RuleSet;
use crate::trend::Trend;

pub fn run(
    args: SummaryArgs,
    env: Env,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let scan =
        ScanConfig::from_args(args.scan, config::now()?)?.with_terminal(env.terminal, env.quiet);
    let mut report = ReportConfig::new(&args.report, &scan);
    report.by = args.by;
    report.explain = args.explain;
    let findings = findings::scan_inputs(&scan, false, diagnostics)?;
    if findings.nothing_read() {
        return Ok(ExitStatus::InputErrors);
    }
    let digest = &scan.rules.digest;
    write(
        &findings.summary,
        scan.window,
        (&scan.rules, digest),
        &report,
        out,
        diagnostics,
    )
}

/// Write a summary report (its rules and their digest, `mixed` after merging different
/// ones); returns the exit status.
pub fn write(
    summary: &Summary,
    window: Window,
    (rules, rules_digest): (&RuleSet, &str),
    config: &ReportConfig,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let trend = config
        .baseline
        .as_deref()
        .map(|path| read_baseline(path, summary, config.top))
        .transpose()?;
    let thresholds = thresholds(&config.fail_on, summary);
    report_thresholds(&thresholds, diagnostics)?;
    let ctx = SummaryContext {
        summary,
        rules,
        rules_digest,
        window,
        top: config.top,
        thresholds: &thresholds,
        zone: config.zone,
        title: config
            .title
            .as_deref()
            .unwrap_or("Denied key generation report"),
        generated: config.now,
        trend: trend.as_ref(),
        redacted: config.redact,
    };
    let mut table = TableWriter::new(config.zone, config.terminal);
    table.explain = config.explain;
    table.by = config
        .by
        .map(|by| Groups::of(summary, by, config.zone, config.by_rows));
    let writer = config.format.writer(&table);
    output::write(config.output.as_deref(), out, |w| {
        writer.write_summary(&ctx, w)
    })?;
    Ok(ExitStatus::of(summary, &thresholds))
}

/// Read an earlier summary to compare with.
fn read_baseline(path: &Path, now: &Summary, top: usize) -> Result<Trend> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::file(path.display(), e))?;
    let before = report::json::read_summary(&text).map_err(|e| Error::file(path.display(), e))?;
    Ok(Trend::new(
        &path.display().to_string(),
        &before.summary,
        now,
        top,
    ))
}
