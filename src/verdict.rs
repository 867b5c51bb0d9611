//! The verdict sink: for every record the scanner reads, one line saying which
//! key-generation action, denial and cause rule fired, or why the record is not an event
//! (`keydeny rules test`). The record is framed and parsed exactly as every other command
//! reads it: envelopes, pretty-printed arrays, gzip, CRI partial lines.

use crate::extract::{NotEvent, Position, Verdict};
use crate::scan::{Sink, Unread};

/// One verdict: where (line, record inside an envelope) and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub line: u64,
    pub record: Option<u64>,
    pub text: String,
}

/// Collects a verdict per record; [`Verdicts::lines`] gives them in input order.
#[derive(Debug, Default)]
pub struct Verdicts {
    lines: Vec<Line>,
    pub events: u64,
}

impl Verdicts {
    /// The verdicts in the order of the input.
    pub fn lines(mut self) -> Vec<Line> {
        self.lines.sort();
        self.lines
    }

    fn push(&mut self, at: Position<'_>, text: String) {
        self.lines.push(Line {
            line: at.line,
            record: at.record,
            text,
        });
    }
}

impl Sink for Verdicts {
    fn fork(&self) -> Self {
        Verdicts::default()
    }

    fn merge(&mut self, part: Self) {
        self.lines.extend(part.lines);
        self.events += part.events;
    }

    fn judged(&mut self, at: Position<'_>, verdict: Verdict<'_>) {
        let text = match verdict {
            Verdict::Event(e) => {
                self.events += 1;
                let rule = if e.rule.is_empty() {
                    "no cause rule matched".to_string()
                } else {
                    format!("rule {}", e.rule)
                };
                format!(
                    "EVENT {} by {rule}; action {}; actor {}",
                    e.cause,
                    e.action,
                    e.actor.as_deref().unwrap_or("-")
                )
            }
            Verdict::NotEvent(why) => not_event(&why),
        };
        self.push(at, text);
    }

    fn unread(&mut self, at: Position<'_>, why: Unread<'_>) {
        let text = match why {
            Unread::NotARecord => "-     not a record".to_string(),
            Unread::Malformed(reason) => format!("-     malformed: {reason}"),
        };
        self.push(at, text);
    }
}

fn not_event(why: &NotEvent<'_>) -> String {
    format!("-     {why}")
}
