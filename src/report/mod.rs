//! Output writers, one module per format. Events go out as table, CSV or NDJSON; summaries as
//! table or versioned JSON. Writers only read [`Event`]s and the [`Summary`]; wire types
//! (CSV row, JSON schema) live in their module, apart from the in-memory model.

pub mod csv;
pub mod html;
pub mod json;
pub mod layout;
pub mod live;
pub mod markdown;
pub mod ndjson;
pub mod spark;
pub mod table;
pub mod view;

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::aggregate::Summary;
use crate::config::Window;
use crate::event::Event;
use crate::rules::RuleSet;
use crate::trend::Trend;
use crate::zone::Zone;
use json::ThresholdDoc;

/// How a summary is written (`summary` and `merge --format`): one variant per writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
    Markdown,
    Html,
}

/// How events are written (`events --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsFormat {
    Table,
    Csv,
    Ndjson,
}

impl SummaryFormat {
    /// The writer of this format (`table` is the one a caller configured).
    pub fn writer(self, table: &table::TableWriter) -> &dyn SummaryWriter {
        match self {
            SummaryFormat::Table => table,
            SummaryFormat::Json => &json::Json,
            SummaryFormat::Markdown => &markdown::Markdown,
            SummaryFormat::Html => &html::Html,
        }
    }
}

impl EventsFormat {
    /// The writer of this format (`table` is the one a caller configured).
    pub fn writer(self, table: &table::TableWriter) -> &dyn EventWriter {
        match self {
            EventsFormat::Table => table,
            EventsFormat::Csv => &csv::Csv,
            EventsFormat::Ndjson => &ndjson::Ndjson,
        }
    }
}

/// What every summary writer shows besides the counts.
pub struct SummaryContext<'a> {
    pub summary: &'a Summary,
    /// For the cause titles and remediation.
    pub rules: &'a RuleSet,
    /// The digest of the rules that produced the summary (`mixed` after merging different ones).
    pub rules_digest: &'a str,
    pub window: Window,
    pub top: usize,
    pub thresholds: &'a [ThresholdDoc],
    pub zone: Zone,
    pub title: &'a str,
    pub generated: DateTime<Utc>,
    pub trend: Option<&'a Trend>,
    /// Whether credentials in the output are masked (false with `--no-redact`).
    pub redacted: bool,
}

/// A writer of the per-event listing.
pub trait EventWriter {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()>;
}

/// A writer of the summary.
pub trait SummaryWriter {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// `31 file(s), 310692 bytes, 1524 lines, 482 records: 212 denied key generation(s), 269
/// other, 1 malformed`: the coverage sentence every report shows.
pub fn coverage(summary: &Summary) -> String {
    let i = &summary.inputs;
    let mut text = format!(
        "{} file(s), {} bytes, {} lines, {} records: {} denied key generation(s), {} other, {} malformed",
        i.files, i.bytes, i.lines, i.records, i.matched, i.other, i.malformed
    );
    let objects = &i.objects;
    if objects.listed > 0 || objects.partitions_skipped > 0 {
        text.push_str(&format!(
            "; objects: {} listed, {} skipped as written before the window, {} date partition(s) outside the window not listed",
            objects.listed, objects.skipped, objects.partitions_skipped
        ));
    }
    text
}

/// `31 file(s), 310692 bytes, 1524 lines, 482 records (1 malformed), 0 unreadable`: the
/// coverage sentence's short form, for report headers.
pub fn coverage_brief(summary: &Summary) -> String {
    let i = &summary.inputs;
    format!(
        "{} file(s), {} bytes, {} lines, {} records ({} malformed), {} unreadable",
        i.files,
        i.bytes,
        i.lines,
        i.records,
        i.malformed,
        i.errors.len()
    )
}

/// `cloudtrail 4, json 2`: files read per format.
pub fn formats(summary: &Summary) -> String {
    let formats: Vec<String> = summary
        .inputs
        .formats
        .iter()
        .map(|(f, n)| format!("{f} {n}"))
        .collect();
    formats.join(", ")
}

/// RFC 3339 in UTC with `Z`, fractions only when present: `2024-05-02T10:00:00Z`.
pub fn utc(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn utc_opt(time: Option<DateTime<Utc>>) -> String {
    time.map(utc).unwrap_or_default()
}
