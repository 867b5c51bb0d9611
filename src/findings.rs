//! Scanning every input of a command: expand the paths, scan the inputs on a thread pool into
//! a [`Collect`] sink, say on stderr what could not be read, then de-duplicate, filter and
//! count the events into a [`Summary`]. What `summary`, `events` and `near-misses` share.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{self, Write};

use rayon::prelude::*;

use crate::aggregate::{InputError, Inputs, Summary};
use crate::config::ScanConfig;
use crate::error::Error;
use crate::event::{Event, Platform};
use crate::extract::{Position, Verdict};
use crate::near_misses::NearMiss;
use crate::prefilter::Prefilters;
use crate::progress;
use crate::scan::{FileScan, MALFORMED_SAMPLES, Scanner, Sink};
use crate::source;
use crate::{interrupt, output};

/// The sink of the batch commands: a partial [`Summary`] per block, folded with the tested
/// [`Summary::merge`]. An event with a dedup key (a CloudTrail `eventID`) waits until every
/// input is read, since its first delivery may be in another file; the others are filtered
/// and counted at once. Events are kept only when the command writes them.
pub struct Collect<'c> {
    config: &'c ScanConfig,
    keep_events: bool,
    summary: Summary,
    /// Per dedup key, the first event in sort order seen so far.
    keyed: HashMap<(Platform, String), Event>,
    events: Vec<Event>,
    near_misses: Vec<NearMiss>,
}

impl<'c> Collect<'c> {
    /// A sink for `config`'s filters; `keep_events` when the command lists the events.
    pub fn new(config: &'c ScanConfig, keep_events: bool) -> Collect<'c> {
        Collect {
            config,
            keep_events,
            summary: Summary::default(),
            keyed: HashMap::new(),
            events: Vec::new(),
            near_misses: Vec::new(),
        }
    }

    /// Count an event that passed de-duplication: filtered out, or summarised (and kept).
    fn count(&mut self, event: Event) {
        if !self.config.keeps(&event) {
            self.summary.filtered += 1;
            return;
        }
        self.summary.add(&event);
        if self.keep_events {
            self.events.push(event);
        }
    }

    /// Keep the first of events sharing a dedup key.
    fn dedup(&mut self, key: (Platform, String), event: Event) {
        match self.keyed.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(event);
            }
            Entry::Occupied(mut slot) => {
                self.summary.duplicates += 1;
                if event.sort_key() < slot.get().sort_key() {
                    slot.insert(event);
                }
            }
        }
    }

    /// Everything read: the summary (inputs still to be added), the events in sort order
    /// when kept, and the near-misses.
    fn finish(mut self) -> (Summary, Vec<Event>, Vec<NearMiss>) {
        for (_, event) in std::mem::take(&mut self.keyed) {
            self.count(event);
        }
        self.events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        (self.summary, self.events, self.near_misses)
    }
}

impl Sink for Collect<'_> {
    fn fork(&self) -> Self {
        Collect::new(self.config, self.keep_events)
    }

    fn merge(&mut self, part: Self) {
        self.summary.merge(part.summary);
        for (key, event) in part.keyed {
            self.dedup(key, event);
        }
        self.events.extend(part.events);
        self.near_misses.extend(part.near_misses);
    }

    fn judged(&mut self, _at: Position<'_>, verdict: Verdict<'_>) {
        let Verdict::Event(event) = verdict else {
            return;
        };
        match &event.dedup_key {
            Some(key) => self.dedup((event.platform, key.clone()), *event),
            None => self.count(*event),
        }
    }

    fn near_miss(&mut self, miss: NearMiss) {
        self.near_misses.push(miss);
    }
}

/// The sink of `watch`: the events of what was just read.
#[derive(Default)]
pub struct Events(pub Vec<Event>);

impl Sink for Events {
    fn fork(&self) -> Self {
        Events::default()
    }

    fn merge(&mut self, part: Self) {
        self.0.extend(part.0);
    }

    fn judged(&mut self, _at: Position<'_>, verdict: Verdict<'_>) {
        if let Verdict::Event(event) = verdict {
            self.0.push(*event);
        }
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

/// Read every input into the summary of the denied key-generation events that pass the
/// filters; the events themselves too when `keep_events` (the command lists them).
pub fn scan_inputs(
    config: &ScanConfig,
    keep_events: bool,
    diagnostics: &mut dyn Write,
) -> Result<Findings, Error> {
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
    let scans: Vec<(FileScan, Collect<'_>)> = progress::with_progress(
        show_progress,
        total_bytes,
        inputs.len() as u64,
        |progress| {
            with_threads(config.threads, || {
                // In order, so that objects fetched ahead are the next ones scanned.
                let mut scans: Vec<(usize, (FileScan, Collect<'_>))> =
                    source::remote::prefetch(&inputs)
                        .par_bridge()
                        .map(|(index, input)| {
                            let mut sink = Collect::new(config, keep_events);
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
    let mut inputs = Inputs {
        objects: expanded.objects,
        ..Inputs::default()
    };
    for error in walk_errors {
        writeln!(diagnostics, "keydeny: {}: {}", error.path, error.message)?;
        inputs.errors.push(InputError {
            file: error.path,
            message: error.message,
        });
    }
    let mut collected = Collect::new(config, keep_events);
    for (scan, sink) in scans {
        report_scan(&scan, config.quiet, diagnostics)?;
        inputs += scan.inputs;
        collected.merge(sink);
    }
    let (mut summary, events, near_misses) = collected.finish();
    summary.inputs += inputs;
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
