//! Scanning every input of a command: expand the paths, scan the inputs on a thread pool into
//! a [`Collect`] sink, say on stderr what could not be read, then de-duplicate, filter and
//! count the events into a [`Summary`]. What `summary`, `events` and `near-misses` share.

use std::collections::HashSet;
use std::io::{self, Write};

use rayon::prelude::*;

use crate::aggregate::{InputError, Summary};
use crate::config::ScanConfig;
use crate::error::Error;
use crate::event::Event;
use crate::extract::{Position, Verdict};
use crate::near_misses::NearMiss;
use crate::prefilter::Prefilters;
use crate::progress;
use crate::scan::{FileScan, MALFORMED_SAMPLES, Scanner, Sink};
use crate::source;
use crate::{interrupt, output};

/// The sink of the batch commands: every event, and the near-misses when asked for.
#[derive(Default)]
pub struct Collect {
    pub events: Vec<Event>,
    pub near_misses: Vec<NearMiss>,
}

impl Sink for Collect {
    fn fork(&self) -> Self {
        Collect::default()
    }

    fn merge(&mut self, part: Self) {
        self.events.extend(part.events);
        self.near_misses.extend(part.near_misses);
    }

    fn judged(&mut self, _at: Position<'_>, verdict: Verdict<'_>) {
        if let Verdict::Event(event) = verdict {
            self.events.push(*event);
        }
    }

    fn near_miss(&mut self, miss: NearMiss) {
        self.near_misses.push(miss);
    }
}

/// Events and summary of one scan, ready to write.
pub struct Findings {
    pub events: Vec<Event>,
    pub summary: Summary,
    /// What was almost an event, when the config asks for them (`near-misses`).
    pub near_misses: Vec<NearMiss>,
}

impl Findings {
    /// No input could be read at all (every one missing, unreadable or an empty directory):
    /// the errors were reported, and a report of nothing would only hide them.
    pub fn nothing_read(&self) -> bool {
        let inputs = &self.summary.inputs;
        !inputs.errors.is_empty() && inputs.lines == 0 && inputs.records == 0
    }
}

/// The scanner a configuration asks for.
pub fn scanner(config: &ScanConfig) -> Scanner<'_> {
    Scanner {
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
    }
}

/// Read every input and collect the denied key-generation events that pass the filters.
pub fn scan_inputs(config: &ScanConfig, diagnostics: &mut dyn Write) -> Result<Findings, Error> {
    let expanded = source::expand(&config.paths, config.stdin_if_none, &config.window)
        .map_err(|e| Error::Source(e.to_string()))?;
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
    let scanner = scanner(config);
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.stored_size()).sum();
    let show_progress = config.terminal.progress && total_bytes > 0;
    let scans: Vec<(FileScan, Collect)> = progress::with_progress(
        show_progress,
        total_bytes,
        inputs.len() as u64,
        |progress| {
            with_threads(config.threads, || {
                // In order, so that objects fetched ahead are the next ones scanned.
                let mut scans: Vec<(usize, (FileScan, Collect))> =
                    source::remote::prefetch(&inputs)
                        .par_bridge()
                        .map(|(index, input)| {
                            let mut sink = Collect::default();
                            let scan = scanner.scan(input, progress, &mut sink);
                            (index, (scan, sink))
                        })
                        .collect();
                scans.sort_by_key(|(index, _)| *index);
                scans.into_iter().map(|(_, scan)| scan).collect()
            })
        },
    )?;
    interrupt::check()?;
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
    for (scan, sink) in scans {
        report_scan(&scan, config.quiet, diagnostics)?;
        summary.inputs += scan.inputs;
        events.extend(sink.events);
        near_misses.extend(sink.near_misses);
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

/// Run `work` on a pool of `threads` threads (default: rayon's, one per core).
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, Error> {
    match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| Error::Io(io::Error::other(e))),
    }
}

/// `file: message` for unreadable inputs, `file:line: reason` for malformed records.
fn report_scan(scan: &FileScan, quiet: bool, diagnostics: &mut dyn Write) -> io::Result<()> {
    let inputs = &scan.inputs;
    for problem in inputs.skipped.iter().chain(&inputs.errors) {
        writeln!(
            diagnostics,
            "keydeny: {}: {}",
            problem.file, problem.message
        )?;
    }
    if quiet {
        return Ok(());
    }
    for (file, m) in &inputs.malformed_samples {
        let record = m
            .record
            .map(|r| format!(" (record {r})"))
            .unwrap_or_default();
        writeln!(
            diagnostics,
            "keydeny: {file}:{}{record}: malformed record: {}",
            m.line, m.reason
        )?;
    }
    let unreported = inputs.malformed.saturating_sub(MALFORMED_SAMPLES as u64);
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
