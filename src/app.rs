//! Running a command: sources -> scan (parallel) -> de-duplicate and filter -> aggregate ->
//! write. Generic over its output and diagnostics writers so tests run it in-process.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::aggregate::{InputError, Summary};
use crate::cli::{EventsFormat, SummaryFormat};
use crate::config::ScanConfig;
use crate::event::{Cause, Event};
use crate::prefilter::Prefilter;
use crate::report::{self, EventWriter, SummaryContext, SummaryWriter};
use crate::rules::RuleSet;
use crate::scan::{FileScan, MALFORMED_SAMPLES, Scanner};
use crate::source::walk;

/// How a run ended, mapped to the documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 0: success.
    Clean,
    /// 1: `--fail-on` threshold reached.
    ThresholdReached,
    /// 2: an input could not be read (the rest was processed and written).
    InputErrors,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Clean => 0,
            Outcome::ThresholdReached => 1,
            Outcome::InputErrors => 2,
        }
    }
}

/// Events and summary of one scan, ready to write.
pub struct Findings {
    pub events: Vec<Event>,
    pub summary: Summary,
}

/// Read every input and collect the denied key-generation events that pass the filters.
pub fn find(config: &ScanConfig, diagnostics: &mut dyn Write) -> io::Result<Findings> {
    let (inputs, walk_errors) = walk::expand(&config.paths);
    let scanner = Scanner {
        rules: &config.rules,
        prefilter: if config.prefilter {
            Prefilter::new(&config.rules)
        } else {
            Prefilter::disabled()
        },
        input_format: config.input_format,
        block_size: config.block_size,
        max_record: config.max_record,
        now: config.now,
    };
    let scans: Vec<FileScan> = with_threads(config.threads, || {
        inputs.par_iter().map(|input| scanner.scan(input)).collect()
    })?;
    let mut summary = Summary::default();
    for error in walk_errors {
        writeln!(diagnostics, "keydeny: {}: {}", error.path, error.message)?;
        summary.inputs.errors.push(InputError {
            file: error.path,
            message: error.message,
        });
    }
    let mut events = Vec::new();
    for scan in scans {
        report_scan(&scan, diagnostics)?;
        account(&mut summary, &scan);
        events.extend(scan.tally.events);
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.duplicates = dedup(&mut events);
    let before = events.len();
    events.retain(|e| config.keeps(e));
    summary.filtered = (before - events.len()) as u64;
    for event in &events {
        summary.add(event);
    }
    Ok(Findings { events, summary })
}

fn with_threads<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> io::Result<T> {
    match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(io::Error::other),
    }
}

fn account(summary: &mut Summary, scan: &FileScan) {
    let inputs = &mut summary.inputs;
    inputs.files += 1;
    inputs.bytes += scan.bytes;
    inputs.lines += scan.lines;
    inputs.records += scan.tally.records;
    inputs.matched += scan.tally.matched;
    inputs.other += scan.tally.other;
    inputs.malformed += scan.tally.malformed;
    if let Some(format) = scan.format {
        *inputs.formats.entry(format.id().to_string()).or_default() += 1;
    }
    if let Some(message) = &scan.error {
        inputs.errors.push(InputError {
            file: scan.file.to_string(),
            message: message.clone(),
        });
    }
    for sample in &scan.tally.samples {
        inputs
            .malformed_samples
            .push((scan.file.to_string(), sample.clone()));
    }
}

/// `file: message` for unreadable inputs, `file:line: reason` for malformed records.
fn report_scan(scan: &FileScan, diagnostics: &mut dyn Write) -> io::Result<()> {
    if let Some(error) = &scan.error {
        writeln!(
            diagnostics,
            "keydeny: {}: {error} (after line {})",
            scan.file, scan.lines
        )?;
    }
    for m in &scan.tally.samples {
        let record = m
            .record
            .map(|r| format!(" (record {r})"))
            .unwrap_or_default();
        writeln!(
            diagnostics,
            "keydeny: {}:{}{record}: malformed record: {}",
            scan.file, m.line, m.reason
        )?;
    }
    let unreported = scan
        .tally
        .malformed
        .saturating_sub(MALFORMED_SAMPLES as u64);
    if unreported > 0 {
        writeln!(
            diagnostics,
            "keydeny: {}: {unreported} more malformed record(s)",
            scan.file
        )?;
    }
    Ok(())
}

/// Keep the first of events sharing a dedup key (sorted input); returns how many were dropped.
fn dedup(events: &mut Vec<Event>) -> u64 {
    let mut seen = HashSet::new();
    let before = events.len();
    events.retain(|e| match &e.dedup_key {
        Some(key) => seen.insert((e.platform, key.clone())),
        None => true,
    });
    (before - events.len()) as u64
}

/// The exit outcome of a scan: input errors first, then the threshold.
pub fn outcome(config: &ScanConfig, summary: &Summary) -> Outcome {
    if !summary.inputs.errors.is_empty() {
        Outcome::InputErrors
    } else if config.fail_on.is_some_and(|n| summary.total.count >= n) {
        Outcome::ThresholdReached
    } else {
        Outcome::Clean
    }
}

/// `keydeny summary`.
pub fn summary(
    config: &ScanConfig,
    format: SummaryFormat,
    top: usize,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let findings = find(config, diagnostics)?;
    let ctx = SummaryContext {
        summary: &findings.summary,
        rules: &config.rules,
        window: config.window,
        top,
    };
    let writer: &dyn SummaryWriter = match format {
        SummaryFormat::Table => &report::table::TableWriter,
        SummaryFormat::Json => &report::json::Json,
    };
    write_output(config.output.as_deref(), out, |w| {
        writer.write_summary(&ctx, w)
    })?;
    Ok(outcome(config, &findings.summary))
}

/// `keydeny events`.
pub fn events(
    config: &ScanConfig,
    format: EventsFormat,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let findings = find(config, diagnostics)?;
    let writer: &dyn EventWriter = match format {
        EventsFormat::Table => &report::table::TableWriter,
        EventsFormat::Csv => &report::csv::Csv,
        EventsFormat::Ndjson => &report::ndjson::Ndjson,
    };
    write_output(config.output.as_deref(), out, |w| {
        writer.write_events(&findings.events, w)
    })?;
    Ok(outcome(config, &findings.summary))
}

/// Write to `path` atomically (temp file in the same directory, then rename), or to `out`.
fn write_output(
    path: Option<&Path>,
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let Some(path) = path else {
        let mut buffered = io::BufWriter::new(out);
        write(&mut buffered)?;
        return buffered.flush();
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut buffered = io::BufWriter::new(file.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    file.persist(path).map(drop).map_err(|e| e.error)
}

/// `keydeny explain [CAUSE]`.
pub fn explain(rules: &RuleSet, cause: Option<Cause>, out: &mut dyn Write) -> io::Result<()> {
    let causes: Vec<Cause> = cause.map_or_else(|| Cause::ALL.to_vec(), |c| vec![c]);
    for (i, cause) in causes.into_iter().enumerate() {
        let Some(doc) = rules.cause_doc(cause) else {
            continue;
        };
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}: {}", cause.id(), doc.title)?;
        writeln!(out, "  {}", doc.meaning)?;
        writeln!(out, "  What to do:")?;
        for (n, step) in doc.steps.iter().enumerate() {
            writeln!(out, "    {}. {step}", n + 1)?;
        }
    }
    Ok(())
}

/// `keydeny rules list`.
pub fn rules_list(rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# rule set digest {}", rules.digest)?;
    writeln!(out, "\n## Key-generation actions ({})", rules.actions.len())?;
    for action in &rules.actions {
        let platforms: Vec<&str> = action.platforms.iter().map(|p| p.id()).collect();
        writeln!(
            out,
            "{}  [{}]  {}  ({})",
            action.id,
            platforms.join(","),
            action.describe(),
            action.file
        )?;
    }
    writeln!(out, "\n## Denial wording ({})", rules.denial_ids.len())?;
    for id in &rules.denial_ids {
        writeln!(out, "{id}")?;
    }
    writeln!(
        out,
        "\n## Cause rules, first match wins ({})",
        rules.rules.len()
    )?;
    for rule in &rules.rules {
        writeln!(
            out,
            "{:>4}  {}  -> {}  {}  ({})",
            rule.priority,
            rule.id,
            rule.cause,
            rule.describe(),
            rule.file
        )?;
        if !rule.description.is_empty() {
            writeln!(out, "      {}", rule.description)?;
        }
    }
    Ok(())
}
