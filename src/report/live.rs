//! Live lines for `watch`: one denied key generation per line, in columns laid out like the
//! `events` table but fixed once for the terminal's width, so every line lines up under the
//! header however long the run.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::layout::{Column, Layout, fit, render, width};
use super::table::{sanitize, short_cause};
use crate::event::{Cause, Event};
use crate::terminal::Terminal;
use crate::zone::Zone;

/// Writes the header and each event in one fixed layout.
pub struct LiveWriter {
    zone: Zone,
    terminal: Terminal,
    layout: Layout,
}

/// The columns of a live line: of `event`, or (`None`) of a template row whose widths are
/// those the layout is fixed for (a time with milliseconds, the longest cause, 24-cell
/// actor and action, a 60-cell reason).
fn live_columns(event: Option<&Event>, zone: Zone) -> Vec<Column> {
    let sample = DateTime::<Utc>::from_timestamp(0, 1_000_000).unwrap_or_default();
    let (time, compact, cause, actor, action, reason) = match event {
        None => (
            zone.format(sample),
            zone.compact(sample, false),
            Cause::NetworkRestriction,
            "x".repeat(24),
            "x".repeat(24),
            "x".repeat(60),
        ),
        Some(e) => (
            e.time.map_or("-".into(), |t| zone.format(t)),
            e.time.map_or("-".into(), |t| zone.compact(t, false)),
            e.cause,
            sanitize(e.actor.as_deref().unwrap_or("-")),
            sanitize(&e.action),
            sanitize(&e.reason),
        ),
    };
    vec![
        Column::new("TIME", vec![time]).compacts(
            0,
            format!("TIME ({})", zone.name()),
            vec![compact],
        ),
        Column::new("CAUSE", vec![cause.id().to_string()]).compacts(
            1,
            "CAUSE",
            vec![short_cause(cause).to_string()],
        ),
        Column::new("ACTOR", vec![actor])
            .shrinks(2, 10, true)
            .soft(16),
        Column::new("ACTION", vec![action])
            .shrinks(1, 14, false)
            .drops(0),
        Column::new("REASON", vec![reason])
            .shrinks(0, 18, false)
            .soft(40),
    ]
}

impl LiveWriter {
    /// The layout every live line uses: the template fitted to the terminal.
    pub fn new(zone: Zone, terminal: Terminal) -> LiveWriter {
        let layout = fit(&live_columns(None, zone), terminal.width);
        LiveWriter {
            zone,
            terminal,
            layout,
        }
    }

    /// The header line, in the fixed layout.
    pub fn write_header(&self, out: &mut dyn Write) -> io::Result<()> {
        let header = render(
            &live_columns(None, self.zone),
            &self.layout,
            |h| self.terminal.bold(h),
            |_, _, _| String::new(),
        );
        match header.lines().next() {
            Some(line) => writeln!(out, "{line}"),
            None => Ok(()),
        }
    }

    /// `TIME  CAUSE  ACTOR  ACTION  REASON` on one line, in the fixed layout; when piped,
    /// the reason is printed whole.
    pub fn write_event(&self, e: &Event, out: &mut dyn Write) -> io::Result<()> {
        print_event(e, self, out)
    }
}

fn print_event(e: &Event, live: &LiveWriter, out: &mut dyn Write) -> io::Result<()> {
    let columns = live_columns(Some(e), live.zone);
    let mut layout = Layout {
        widths: live.layout.widths.clone(),
        compact: live.layout.compact.clone(),
    };
    if live.terminal.width.is_none() {
        if let Some(last) = layout.widths.last_mut() {
            *last = Some(width(&columns[4].cells[0]));
        }
    }
    let t = &live.terminal;
    let text = render(
        &columns,
        &layout,
        |_| String::new(),
        |_, col, text| {
            if col == 1 {
                t.cause(e.cause, text)
            } else {
                text.to_string()
            }
        },
    );
    write!(out, "{}", text.trim_start_matches('\n'))
}
