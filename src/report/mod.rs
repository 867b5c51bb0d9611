//! Output writers, one module per format. Events go out as table, CSV or NDJSON; summaries as
//! table or versioned JSON. Writers only read [`Event`]s and the [`Summary`]; wire types
//! (CSV row, JSON schema) live in their module, apart from the in-memory model.

pub mod csv;
pub mod json;
pub mod ndjson;
pub mod table;

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::aggregate::Summary;
use crate::config::Window;
use crate::event::Event;
use crate::rules::RuleSet;

/// What every summary writer shows besides the counts.
pub struct SummaryContext<'a> {
    pub summary: &'a Summary,
    pub rules: &'a RuleSet,
    pub window: Window,
    pub top: usize,
}

/// A writer of the per-event listing.
pub trait EventWriter {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()>;
}

/// A writer of the summary.
pub trait SummaryWriter {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// RFC 3339 in UTC with `Z`, fractions only when present: `2024-05-02T10:00:00Z`.
pub fn utc(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn utc_opt(time: Option<DateTime<Utc>>) -> String {
    time.map(utc).unwrap_or_default()
}
