//! Running a command: sources -> scan (parallel) -> de-duplicate and filter -> aggregate ->
//! write. Generic over its output and diagnostics writers so tests run it in-process.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use chrono::{DateTime, Utc};

use crate::aggregate::{InputError, Summary};
use std::collections::BTreeMap;

use crate::cli::{EventsFormat, GroupBy, ReportArgs, SummaryFormat};
use crate::config::{ScanConfig, Threshold, Window};
use crate::event::{Cause, Event};
use crate::output;
use crate::prefilter::Prefilters;
use crate::progress;
use crate::report::json::ThresholdDoc;
use crate::report::table::{GroupRow, Groups};
use crate::report::{self, EventWriter, SummaryContext, SummaryWriter};
use crate::rules::RuleSet;
use crate::scan::{FileScan, MALFORMED_SAMPLES, Scanner};
use crate::source;
use crate::terminal::Terminal;
use crate::trend::Trend;
use crate::zone::Zone;

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
    /// What was almost an event, when the config asks for them (`near-misses`).
    pub near_misses: Vec<crate::near_misses::NearMiss>,
}

impl Findings {
    /// No input could be read at all (every one missing, unreadable or an empty directory):
    /// the errors were reported, and a report of nothing would only hide them.
    pub fn nothing_read(&self) -> bool {
        let inputs = &self.summary.inputs;
        !inputs.errors.is_empty() && inputs.lines == 0 && inputs.records == 0
    }
}

/// Read every input and collect the denied key-generation events that pass the filters.
pub fn find(config: &ScanConfig, diagnostics: &mut dyn Write) -> io::Result<Findings> {
    let expanded = source::expand(&config.paths, config.stdin_if_none, &config.window)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let (inputs, walk_errors) = (expanded.inputs, expanded.errors);
    if let Some(path) = config.output.as_deref() {
        output::check_target(path, &inputs)?;
    }
    if config.terminal.stdin_tty && !config.quiet && inputs.iter().any(|i| i.is_stdin()) {
        writeln!(
            diagnostics,
            "keydeny: reading logs from stdin, which is this terminal: paste lines and \
             finish with Ctrl-D, or give files and directories as arguments (see --help)"
        )?;
    }
    let scanner = Scanner {
        rules: &config.rules,
        prefilter: if config.prefilter && config.near_misses {
            Prefilters::without_refusal(&config.rules)
        } else if config.prefilter {
            Prefilters::new(&config.rules)
        } else {
            Prefilters::disabled()
        },
        input_format: config.input_format,
        block_size: config.block_size,
        max_record: config.max_record,
        now: config.now,
        redact: config.redact,
        near_misses: config.near_misses,
    };
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.stored_size()).sum();
    let show_progress = config.terminal.progress && total_bytes > 0;
    let scans: Vec<FileScan> = progress::with_progress(
        show_progress,
        total_bytes,
        inputs.len() as u64,
        |progress| {
            with_threads(config.threads, || {
                // In order, so that objects fetched ahead are the next ones scanned.
                let mut scans: Vec<(usize, FileScan)> = source::remote::prefetch(&inputs)
                    .par_bridge()
                    .map(|(index, input)| (index, scanner.scan(input, progress)))
                    .collect();
                scans.sort_by_key(|(index, _)| *index);
                scans.into_iter().map(|(_, scan)| scan).collect()
            })
        },
    )?;
    crate::interrupt::check()?;
    let mut summary = Summary::default();
    summary.inputs.objects = expanded.objects;
    for error in walk_errors {
        writeln!(diagnostics, "keydeny: {}: {}", error.path, error.message)?;
        summary.inputs.errors.push(InputError {
            file: error.path,
            message: error.message,
        });
    }
    let mut events = Vec::new();
    let mut near_misses = Vec::new();
    for scan in scans {
        report_scan(&scan, config.quiet, diagnostics)?;
        account(&mut summary, &scan);
        events.extend(scan.tally.events);
        near_misses.extend(scan.tally.near_misses);
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.duplicates = dedup(&mut events);
    let before = events.len();
    events.retain(|e| config.keeps(e));
    summary.filtered = (before - events.len()) as u64;
    for event in &events {
        summary.add(event);
    }
    Ok(Findings {
        events,
        summary,
        near_misses,
    })
}

/// `keydeny ls`: the inputs a scan would read, one per line; problems on stderr (exit 2),
/// and, for object stores, what window pruning left out.
pub fn ls(
    paths: &[String],
    stdin_if_none: bool,
    window: &Window,
    quiet: bool,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let expanded = source::expand(paths, stdin_if_none, window)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let mut listed = io::BufWriter::new(out);
    for input in &expanded.inputs {
        writeln!(listed, "{}", input.display)?;
    }
    listed.flush()?;
    for error in &expanded.errors {
        writeln!(diagnostics, "keydeny: {}: {}", error.path, error.message)?;
    }
    let objects = expanded.objects;
    if !quiet && (objects.listed > 0 || objects.partitions_skipped > 0) {
        writeln!(
            diagnostics,
            "keydeny: objects: {} listed, {} skipped as written before the window, {} date partition(s) outside the window not listed",
            objects.listed, objects.skipped, objects.partitions_skipped
        )?;
    }
    Ok(if expanded.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    })
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
    if let Some(message) = &scan.skipped {
        inputs.skipped.push(InputError {
            file: scan.file.to_string(),
            message: message.clone(),
        });
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
    if let Some(digest) = &scan.digest {
        inputs
            .digests
            .entry(digest.clone())
            .or_insert_with(|| scan.file.to_string());
    }
}

/// `file: message` for unreadable inputs, `file:line: reason` for malformed records.
fn report_scan(scan: &FileScan, quiet: bool, diagnostics: &mut dyn Write) -> io::Result<()> {
    if let Some(why) = &scan.skipped {
        writeln!(diagnostics, "keydeny: {}: {why}", scan.file)?;
    }
    if let Some(error) = &scan.error {
        writeln!(diagnostics, "keydeny: {}: {error}", scan.file)?;
    }
    if quiet {
        return Ok(());
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

/// Evaluate the `--fail-on` thresholds against a summary.
pub fn thresholds(limits: &[Threshold], summary: &Summary) -> Vec<ThresholdDoc> {
    limits
        .iter()
        .map(|t| {
            let count = match t.cause {
                None => summary.total.count,
                Some(cause) => summary.by_cause.get(&cause).map_or(0, |g| g.count),
            };
            ThresholdDoc {
                threshold: t.cause.map_or("total", |c| c.id()).to_string(),
                count,
                limit: t.limit,
                fired: count >= t.limit,
            }
        })
        .collect()
}

/// The exit outcome: input errors first, then the thresholds.
pub fn outcome(summary: &Summary, thresholds: &[ThresholdDoc]) -> Outcome {
    if !summary.inputs.errors.is_empty() {
        Outcome::InputErrors
    } else if thresholds.iter().any(|t| t.fired) {
        Outcome::ThresholdReached
    } else {
        Outcome::Clean
    }
}

/// Say on stderr which thresholds fired.
fn report_thresholds(thresholds: &[ThresholdDoc], diagnostics: &mut dyn Write) -> io::Result<()> {
    for t in thresholds.iter().filter(|t| t.fired) {
        writeln!(
            diagnostics,
            "keydeny: threshold reached: {} has {} denied event(s), limit {}",
            t.threshold, t.count, t.limit
        )?;
    }
    Ok(())
}

/// Everything a summary report needs besides the summary itself.
#[derive(Clone)]
pub struct ReportOptions<'a> {
    pub format: SummaryFormat,
    pub top: usize,
    pub title: Option<&'a str>,
    pub baseline: Option<&'a Path>,
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub output: Option<&'a Path>,
    pub fail_on: &'a [Threshold],
    pub terminal: Terminal,
    pub redact: bool,
    /// `--by` rows and `--explain` for the table format.
    pub table: TableView,
    pub groups: Option<Groups>,
}

/// Table-only options of `summary`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableView {
    pub by: Option<GroupBy>,
    pub explain: bool,
}

impl<'a> ReportOptions<'a> {
    pub fn new(
        args: &'a ReportArgs,
        output: Option<&'a Path>,
        zone: Zone,
        now: DateTime<Utc>,
        fail_on: &'a [Threshold],
    ) -> Self {
        ReportOptions {
            format: args.format,
            top: args.top.unwrap_or(5),
            title: args.title.as_deref(),
            baseline: args.baseline.as_deref(),
            zone,
            now,
            output,
            fail_on,
            terminal: Terminal::default(),
            redact: true,
            table: TableView::default(),
            groups: None,
        }
    }
}

/// Read an earlier summary to compare with.
fn read_baseline(path: &Path, now: &Summary, top: usize) -> io::Result<Trend> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let before = report::json::read_summary(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })?;
    Ok(Trend::new(
        &path.display().to_string(),
        &before.summary,
        now,
        top,
    ))
}

/// Write a summary report; returns the exit outcome.
pub fn write_summary(
    summary: &Summary,
    window: Window,
    rules: &RuleSet,
    rules_digest: &str,
    options: &ReportOptions<'_>,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let trend = options
        .baseline
        .map(|path| read_baseline(path, summary, options.top))
        .transpose()?;
    let thresholds = thresholds(options.fail_on, summary);
    report_thresholds(&thresholds, diagnostics)?;
    let ctx = SummaryContext {
        summary,
        rules,
        rules_digest,
        window,
        top: options.top,
        thresholds: &thresholds,
        zone: options.zone,
        title: options.title.unwrap_or("Denied key generation report"),
        generated: options.now,
        trend: trend.as_ref(),
        redacted: options.redact,
    };
    let mut table = report::table::TableWriter::new(options.zone, options.terminal);
    table.explain = options.table.explain;
    table.by = options.groups.clone();
    let writer: &dyn SummaryWriter = match options.format {
        SummaryFormat::Table => &table,
        SummaryFormat::Json => &report::json::Json,
        SummaryFormat::Markdown => &report::markdown::Markdown,
        SummaryFormat::Html => &report::html::Html,
    };
    output::write(options.output, out, |w| writer.write_summary(&ctx, w))?;
    Ok(outcome(summary, &thresholds))
}

/// `keydeny summary`.
pub fn summary(
    config: &ScanConfig,
    args: &ReportArgs,
    view: TableView,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let findings = find(config, diagnostics)?;
    if findings.nothing_read() {
        return Ok(Outcome::InputErrors);
    }
    let mut options = ReportOptions::new(
        args,
        config.output.as_deref(),
        config.zone,
        config.now,
        &config.fail_on,
    );
    options.terminal = config.terminal;
    options.redact = config.redact;
    options.table = view;
    if let Some(by) = view.by {
        options.groups = Some(groups(
            &findings.events,
            by,
            config.zone,
            args.top.unwrap_or(20),
        ));
    }
    let digest = &config.rules.digest;
    write_summary(
        &findings.summary,
        config.window,
        &config.rules,
        digest,
        &options,
        out,
        diagnostics,
    )
}

/// `keydeny events`.
pub fn events(
    config: &ScanConfig,
    format: EventsFormat,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let findings = find(config, diagnostics)?;
    if findings.nothing_read() {
        return Ok(Outcome::InputErrors);
    }
    let mut table = report::table::TableWriter::new(config.zone, config.terminal);
    table.filtered = findings.summary.filtered;
    let writer: &dyn EventWriter = match format {
        EventsFormat::Table => &table,
        EventsFormat::Csv => &report::csv::Csv,
        EventsFormat::Ndjson => &report::ndjson::Ndjson,
    };
    output::write(config.output.as_deref(), out, |w| {
        writer.write_events(&findings.events, w)
    })?;
    let thresholds = thresholds(&config.fail_on, &findings.summary);
    report_thresholds(&thresholds, diagnostics)?;
    Ok(outcome(&findings.summary, &thresholds))
}

/// `keydeny merge`: summaries of disjoint inputs combined into the summary of their union.
pub fn merge(
    files: &[PathBuf],
    rules: &RuleSet,
    options: &ReportOptions<'_>,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let mut merged = Summary::default();
    let mut windows = Vec::new();
    let mut digests = Vec::new();
    let mut unmasked = false;
    let mut shards = Vec::new();
    for (name, read) in read_merge_inputs(files)? {
        if read.summary.inputs.digests.is_empty() && read.summary.inputs.files > 0 {
            writeln!(
                diagnostics,
                "keydeny: warning: {name}: no input digests (stdin, objects, or an older schema): cannot check that its inputs are not in another summary"
            )?;
        }
        shards.push((name, read));
    }
    let checked: Vec<crate::digest::Shard<'_>> = shards
        .iter()
        .map(|(name, read)| crate::digest::Shard {
            name: name.clone(),
            window: read.window,
            digests: &read.summary.inputs.digests,
        })
        .collect();
    if let Some(problem) = crate::digest::overlap(&checked) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, problem));
    }
    for (_, read) in shards {
        merged.merge(read.summary);
        unmasked |= !read.redaction;
        windows.push(read.window);
        digests.push(read.rules_digest);
    }
    digests.sort();
    digests.dedup();
    if digests.len() > 1 {
        writeln!(
            diagnostics,
            "keydeny: warning: the summaries were made with different rule sets ({})",
            digests.join(", ")
        )?;
    }
    let digest = if digests.len() == 1 {
        digests[0].clone()
    } else {
        "mixed".to_string()
    };
    // One unmasked shard makes the merged report unmasked: say so.
    let options = ReportOptions {
        redact: !unmasked,
        ..options.clone()
    };
    write_summary(
        &merged,
        union_window(&windows),
        rules,
        &digest,
        &options,
        out,
        diagnostics,
    )
}

/// `summary --by`: events per key of one dimension, with their causes, most events first;
/// the first `limit` keys, and how many more there are.
fn groups(events: &[Event], by: GroupBy, zone: Zone, limit: usize) -> Groups {
    struct Acc {
        count: u64,
        causes: BTreeMap<Cause, u64>,
        first: Option<DateTime<Utc>>,
        last: Option<DateTime<Utc>>,
    }
    let mut keys: BTreeMap<String, Acc> = BTreeMap::new();
    for event in events {
        let key = match by {
            GroupBy::Actor => event.actor.clone(),
            GroupBy::Tenant => event.tenant.clone(),
            GroupBy::Platform => Some(event.platform.id().to_string()),
            GroupBy::SourceIp => event.source_ip.clone(),
            GroupBy::Action => Some(event.action.clone()),
        }
        .unwrap_or_else(|| "(none)".to_string());
        let acc = keys.entry(key).or_insert(Acc {
            count: 0,
            causes: BTreeMap::new(),
            first: None,
            last: None,
        });
        acc.count += 1;
        *acc.causes.entry(event.cause).or_default() += 1;
        acc.first = match (acc.first, event.time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        acc.last = acc.last.max(event.time);
    }
    let mut rows: Vec<GroupRow> = keys
        .into_iter()
        .map(|(key, acc)| {
            let mut causes: Vec<(Cause, u64)> = acc.causes.into_iter().collect();
            causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            GroupRow {
                key,
                count: acc.count,
                causes,
                first: zone.format_opt(acc.first),
                last: zone.format_opt(acc.last),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    let more = rows.len().saturating_sub(limit);
    rows.truncate(limit);
    Groups {
        name: by.id(),
        rows,
        more,
    }
}

/// Every summary in `files` (`-`: stdin), each file holding one or more documents (one per
/// line, as `RDD.pipe` collects them, or pretty-printed one after another).
fn read_merge_inputs(files: &[PathBuf]) -> io::Result<Vec<(String, report::json::ReadSummary)>> {
    let mut summaries = Vec::new();
    for file in files {
        let name = if file.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            file.display().to_string()
        };
        let text = if file.as_os_str() == "-" {
            io::read_to_string(io::stdin())
        } else {
            std::fs::read_to_string(file)
        }
        .map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?;
        let read = report::json::read_summaries(&text)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{name}: {e}")))?;
        if read.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{name}: no summary in it (expected `keydeny summary --format json` output)"
                ),
            ));
        }
        let several = read.len() > 1;
        summaries.extend(read.into_iter().enumerate().map(|(n, summary)| {
            let shard = if several {
                format!("{name} (document {})", n + 1)
            } else {
                name.clone()
            };
            (shard, summary)
        }));
    }
    Ok(summaries)
}

/// The smallest window covering every shard's window (open when any shard's is open).
fn union_window(windows: &[Window]) -> Window {
    let since = windows
        .iter()
        .map(|w| w.since)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().min());
    let until = windows
        .iter()
        .map(|w| w.until)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max());
    Window { since, until }
}

/// `keydeny explain [CAUSE]`: prose wrapped at spaces to `width` (the terminal's), never cut.
pub fn explain(
    rules: &RuleSet,
    cause: Option<Cause>,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    use crate::report::layout::wrap;
    let causes: Vec<Cause> = cause.map_or_else(|| Cause::ALL.to_vec(), |c| vec![c]);
    for (i, cause) in causes.into_iter().enumerate() {
        let Some(doc) = rules.cause_doc(cause) else {
            continue;
        };
        if i > 0 {
            writeln!(out)?;
        }
        let title = format!("{}: {}", cause.id(), doc.title);
        writeln!(out, "{}", wrap(&title, width, "", "  "))?;
        writeln!(out, "{}", wrap(&doc.meaning, width, "  ", "  "))?;
        writeln!(out, "  What to do:")?;
        for (n, step) in doc.steps.iter().enumerate() {
            let number = format!("    {}. ", n + 1);
            let indent = " ".repeat(number.len());
            writeln!(out, "{}", wrap(step, width, &number, &indent))?;
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
        if !action.description.is_empty() {
            writeln!(out, "      {}", action.description)?;
        }
    }
    writeln!(out, "\n## Denial wording ({})", rules.denial_ids.len())?;
    for id in &rules.denial_ids {
        writeln!(out, "{id}")?;
    }
    let words: usize = rules.concept_counts.iter().map(|(_, n)| n).sum();
    writeln!(out, "\n## Vocabulary: words per concept ({words})")?;
    for (concept, count) in &rules.concept_counts {
        writeln!(out, "{concept}  {count}")?;
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
