//! The compliance export: one row per event, the columns and order of DESIGN.md, cells that
//! a spreadsheet would evaluate neutralised with a leading `'`, CRLF line ends as RFC 4180
//! and Excel expect.

use std::io::{self, Write};

use super::{EventWriter, utc_opt};
use crate::event::Event;

/// The CSV columns, in order (a stable contract).
pub const COLUMNS: [&str; 14] = [
    "time",
    "platform",
    "format",
    "action",
    "actor",
    "tenant",
    "source_ip",
    "resource",
    "cause",
    "reason",
    "request_id",
    "file",
    "line",
    "record",
];

pub struct Csv;

impl EventWriter for Csv {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(COLUMNS)?;
        for event in events {
            writer.write_record(row(event).iter().map(|cell| neutralise(cell).into_owned()))?;
        }
        writer.flush()
    }
}

fn row(event: &Event) -> [String; 14] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        utc_opt(event.time),
        event.platform.id().to_string(),
        event.format.to_string(),
        event.action.clone(),
        text(&event.actor),
        text(&event.tenant),
        text(&event.source_ip),
        text(&event.resource),
        event.cause.id().to_string(),
        event.reason.clone(),
        text(&event.request_id),
        event.file.to_string(),
        event.line.to_string(),
        event.record.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

/// Prefix `'` to a cell a spreadsheet would read as a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn every_dangerous_leading_character() {
        for lead in ['=', '+', '-', '@', '\t', '\r'] {
            let cell = format!("{lead}SUM(A1)");
            assert_eq!(neutralise(&cell), format!("'{cell}"));
        }
        assert_eq!(neutralise("alice"), "alice");
        assert_eq!(neutralise(""), "");
        assert_eq!(neutralise("a=b"), "a=b");
    }
}
