//! Human-readable tables for the terminal: one line per row, fitted to the terminal width
//! by [`super::layout`] (long cells cut with an ellipsis, compact times and cause names, less
//! important columns left out), a sparkline per cause, prose wrapped at spaces, causes in
//! colour when the terminal allows, times in the display zone. Text that came from logs is
//! stripped of control characters, so an actor cannot move the cursor or retitle the
//! terminal.

use std::io::{self, Write};

use super::layout::{Column, GLUE, fit, render, wrap};
use super::spark::{self, Slots};
use super::{EventWriter, SummaryContext, SummaryWriter};
use crate::event::{Cause, Event};
use crate::terminal::Terminal;
use crate::zone::Zone;

pub use super::layout::{cell, middle_cell, sanitize};

/// A regrouping of the summary (`summary --by`): one row per key.
#[derive(Clone, Debug)]
pub struct GroupRow {
    pub key: String,
    pub count: u64,
    pub causes: Vec<(Cause, u64)>,
    pub first: String,
    pub last: String,
}

/// `summary --by`: the dimension, its rows, and how many keys were left out (`--top`).
#[derive(Clone, Debug)]
pub struct Groups {
    pub name: &'static str,
    pub rows: Vec<GroupRow>,
    pub more: usize,
}

impl Groups {
    /// `summary --by`: events per key of one dimension, with their causes, most events
    /// first; the first `limit` keys, and how many more there are.
    pub fn of(
        summary: &crate::aggregate::Summary,
        by: crate::aggregate::GroupBy,
        zone: Zone,
        limit: usize,
    ) -> Groups {
        let keys = summary.groups.get(&by);
        let mut rows: Vec<GroupRow> = keys
            .into_iter()
            .flatten()
            .map(|(key, group)| {
                let mut causes: Vec<(Cause, u64)> =
                    group.causes.iter().map(|(c, n)| (*c, *n)).collect();
                causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                GroupRow {
                    key: key.clone(),
                    count: group.count,
                    causes,
                    first: zone.format_opt(group.first),
                    last: zone.format_opt(group.last),
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
}

/// Tables for the terminal.
pub struct TableWriter {
    pub zone: Zone,
    pub terminal: Terminal,
    /// Print every remediation step, not only the one-line advice.
    pub explain: bool,
    /// `--by`: the rows to show instead of the cause table.
    pub by: Option<Groups>,
    /// Events left out by the filters (said when the listing is empty or short).
    pub filtered: u64,
}

impl TableWriter {
    pub fn new(zone: Zone, terminal: Terminal) -> TableWriter {
        TableWriter {
            zone,
            terminal,
            explain: false,
            by: None,
            filtered: 0,
        }
    }

    /// A paragraph fitted to the terminal (one line when piped).
    fn prose(&self, text: &str, first: &str, rest: &str) -> String {
        wrap(text, self.terminal.width, first, rest)
    }
}

/// A short name per cause for narrow tables, explained under the table.
pub fn short_cause(cause: Cause) -> &'static str {
    match cause {
        Cause::InsufficientRole => "role",
        Cause::PolicyBlock => "policy",
        Cause::Unauthenticated => "auth",
        Cause::PlanRestriction => "plan",
        Cause::MfaRequired => "mfa",
        Cause::QuotaExceeded => "quota",
        Cause::NetworkRestriction => "network",
        Cause::Unknown => "unknown",
    }
}

impl EventWriter for TableWriter {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        if events.is_empty() {
            let text = match self.filtered {
                0 => "No denied key-generation events found.".to_string(),
                n => format!(
                    "No denied key-generation events within the filters; {n} event(s) outside them (--since, --until, --platform, --cause, --actor)."
                ),
            };
            return writeln!(out, "{}", self.prose(&text, "", ""));
        }
        let column = |header: &str, f: &dyn Fn(&Event) -> String| {
            Column::new(header, events.iter().map(f).collect())
        };
        let years: std::collections::BTreeSet<i32> = events
            .iter()
            .filter_map(|e| e.time)
            .map(|t| chrono::Datelike::year(&self.zone.day(t)))
            .collect();
        let compact_time: Vec<String> = events
            .iter()
            .map(|e| {
                e.time
                    .map_or("-".into(), |t| self.zone.compact(t, years.len() > 1))
            })
            .collect();
        let short: Vec<String> = events
            .iter()
            .map(|e| short_cause(e.cause).to_string())
            .collect();
        let columns = [
            column("TIME", &|e| {
                e.time.map_or("-".into(), |t| self.zone.format(t))
            })
            .compacts(0, format!("TIME ({})", self.zone.name()), compact_time),
            column("CAUSE", &|e| e.cause.id().to_string()).compacts(1, "CAUSE", short),
            column("PLATFORM", &|e| e.platform.id().to_string()).drops(0),
            column("ACTOR", &|e| sanitize(e.actor.as_deref().unwrap_or("-")))
                .shrinks(2, 10, true)
                .soft(16),
            column("ACTION", &|e| sanitize(&e.action))
                .shrinks(1, 14, false)
                .drops(1),
            column("REASON", &|e| sanitize(&e.reason))
                .shrinks(0, 18, false)
                .soft(40),
        ];
        let layout = fit(&columns, self.terminal.width);
        let table = render(
            &columns,
            &layout,
            |h| self.terminal.bold(h),
            |row, col, text| {
                if col == 1 {
                    self.terminal.cause(events[row].cause, text)
                } else {
                    text.to_string()
                }
            },
        );
        write!(out, "{table}")?;
        let mut footer = format!("{} denied key-generation event(s)", events.len());
        if self.filtered > 0 {
            footer.push_str(&format!("; {} outside the filters", self.filtered));
        }
        if layout.compact[1] {
            let mut used: Vec<Cause> = events.iter().map(|e| e.cause).collect();
            used.sort();
            used.dedup();
            let names: Vec<String> = used
                .iter()
                .filter(|c| short_cause(**c) != c.id())
                .map(|c| format!("{}{GLUE}={GLUE}{}", short_cause(*c), c.id()))
                .collect();
            footer.push_str(&format!(". Causes: {}", names.join(", ")));
        }
        writeln!(out, "{}.", self.prose(&footer, "", ""))
    }
}

impl SummaryWriter for TableWriter {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = ctx.summary;
        let span = match (s.total.first, s.total.last) {
            (Some(first), Some(last)) => {
                format!(", {} .. {}", ctx.zone.format(first), ctx.zone.format(last))
            }
            _ => String::new(),
        };
        let change = ctx
            .trend
            .map(|t| {
                format!(
                    " ({} in the baseline, {})",
                    t.total.before,
                    t.total.change.id()
                )
            })
            .unwrap_or_default();
        let headline = format!(
            "{} denied key-generation event(s){change} by {} actor(s){span}",
            s.total.count,
            s.total.actors.len()
        );
        writeln!(
            out,
            "{}",
            self.terminal.bold(&self.prose(&headline, "", "  "))
        )?;
        if !ctx.redacted {
            writeln!(out, "Credentials are shown unmasked (--no-redact).")?;
        }
        for t in ctx.thresholds.iter().filter(|t| t.fired) {
            writeln!(
                out,
                "Threshold reached: {} has {} event(s), limit {}.",
                t.threshold, t.count, t.limit
            )?;
        }
        if s.total.count > 0 {
            writeln!(out)?;
            match &self.by {
                Some(groups) => self.write_groups(groups, out)?,
                None => {
                    self.write_cause_table(ctx, out)?;
                    self.write_cause_details(ctx, out)?;
                }
            }
        }
        writeln!(out)?;
        self.write_inputs(ctx, out)
    }
}

impl TableWriter {
    fn write_cause_table(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let causes = ctx.summary.causes_by_count();
        let column = |header: &str, f: &dyn Fn(Cause, &crate::aggregate::Group) -> String| {
            Column::new(header, causes.iter().map(|(c, g)| f(*c, g)).collect())
        };
        let slots = Slots::new(
            ctx.window.since.or(ctx.summary.total.first),
            ctx.window.until.or(ctx.summary.total.last),
        );
        let ascii = self.terminal.ascii;
        let mut columns = vec![
            column("CAUSE", &|c, _| c.id().to_string()),
            column("EVENTS", &|_, g| g.count.to_string()).right(),
            column("ACTORS", &|_, g| g.actors.len().to_string()).right(),
        ];
        if let Some(slots) = slots {
            columns.push(
                column("TIMELINE", &|c, _| {
                    spark::sparkline(&slots.counts(&ctx.summary.timeline, c), ascii)
                })
                .drops(2),
            );
        }
        columns.push(column("FIRST SEEN", &|_, g| ctx.zone.format_opt(g.first)).drops(1));
        columns.push(column("LAST SEEN", &|_, g| ctx.zone.format_opt(g.last)).drops(0));
        if let Some(trend) = ctx.trend {
            columns.push(column("CHANGE", &|c, _| {
                trend
                    .cause(c)
                    .map(|r| r.change.describe(r.before))
                    .unwrap_or_default()
            }));
        }
        let layout = fit(&columns, self.terminal.width);
        let pictured = slots.is_some() && layout.widths[3].is_some();
        let table = render(
            &columns,
            &layout,
            |h| self.terminal.bold(h),
            |row, col, text| {
                if col == 0 || (col == 3 && pictured) {
                    self.terminal.cause(causes[row].0, text)
                } else {
                    text.to_string()
                }
            },
        );
        write!(out, "{table}")?;
        if let (Some(slots), true) = (slots, pictured) {
            let note = format!(
                "TIMELINE: {} to {}, one cell per {}, each cause scaled to its own busiest cell.",
                ctx.zone.format_secs(slots.start),
                ctx.zone.format_secs(slots.end),
                spark::human(slots.step())
            );
            writeln!(out, "{}", self.prose(&note, "", "  "))?;
        }
        Ok(())
    }

    fn write_cause_details(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        for (cause, group) in ctx.summary.causes_by_count() {
            writeln!(out)?;
            let doc = ctx.rules.cause_doc(cause);
            let todo = doc.map_or("", |d| d.todo.as_str());
            let head = self
                .terminal
                .cause(cause, &format!("{} ({})", cause.id(), group.count));
            writeln!(out, "{}", self.prose(&format!("{head}: {todo}"), "", "  "))?;
            if self.explain {
                for (n, step) in doc
                    .map_or(&[][..], |d| d.steps.as_slice())
                    .iter()
                    .enumerate()
                {
                    let number = format!("  {}. ", n + 1);
                    let indent = " ".repeat(number.len());
                    writeln!(out, "{}", self.prose(step, &number, &indent))?;
                }
            }
            let actors: Vec<String> = group
                .top_actors(ctx.top)
                .into_iter()
                .map(|(actor, n)| {
                    let actor = middle_cell(actor, 48).replace(' ', &GLUE.to_string());
                    format!("{actor}{GLUE}({n})")
                })
                .collect();
            if !actors.is_empty() {
                let more = group.actors.len().saturating_sub(actors.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                let line = format!("top actors: {}{more}", actors.join(", "));
                writeln!(out, "{}", self.prose(&line, "  ", "    "))?;
            }
        }
        if !self.explain {
            writeln!(out)?;
            let hint =
                "Run `keydeny explain CAUSE` for the full remediation steps (or add --explain).";
            writeln!(out, "{}", self.prose(hint, "", ""))?;
        }
        Ok(())
    }

    fn write_groups(&self, groups: &Groups, out: &mut dyn Write) -> io::Result<()> {
        let rows = &groups.rows;
        let column = |header: &str, f: &dyn Fn(&GroupRow) -> String| {
            Column::new(header, rows.iter().map(f).collect())
        };
        let causes = |r: &GroupRow| {
            let parts: Vec<String> = r
                .causes
                .iter()
                .map(|(c, n)| format!("{} {n}", c.id()))
                .collect();
            parts.join(", ")
        };
        let header = match groups.name {
            "actor" => "ACTOR",
            "tenant" => "TENANT",
            "platform" => "PLATFORM",
            "source-ip" => "SOURCE IP",
            _ => "ACTION",
        };
        let columns = [
            column(header, &|r| sanitize(&r.key)).shrinks(1, 16, true),
            column("EVENTS", &|r| r.count.to_string()).right(),
            column("CAUSES", &causes).shrinks(0, 20, false),
            column("FIRST SEEN", &|r| r.first.clone())
                .shrinks(2, 10, false)
                .drops(1),
            column("LAST SEEN", &|r| r.last.clone())
                .shrinks(2, 10, false)
                .drops(0),
        ];
        let layout = fit(&columns, self.terminal.width);
        let table = render(
            &columns,
            &layout,
            |h| self.terminal.bold(h),
            |_, _, text| text.to_string(),
        );
        write!(out, "{table}")?;
        if groups.more > 0 {
            writeln!(out, "... and {} more (use --top N)", groups.more)?;
        }
        Ok(())
    }

    fn write_inputs(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = ctx.summary;
        let i = &s.inputs;
        let read = format!(
            "Read {}; {} unreadable.",
            super::coverage(s),
            i.errors.len()
        );
        writeln!(out, "{}", self.prose(&read, "", "  "))?;
        if s.duplicates > 0 || s.filtered > 0 {
            let counted = format!(
                "{} duplicate(s) counted once; {} event(s) outside the filters.",
                s.duplicates, s.filtered
            );
            writeln!(out, "{}", self.prose(&counted, "", "  "))?;
        }
        if !i.formats.is_empty() {
            let formats = format!("Formats: {}.", super::formats(s));
            writeln!(out, "{}", self.prose(&formats, "", "  "))?;
        }
        for error in &i.errors {
            let line = format!(
                "unreadable: {}: {}",
                sanitize(&error.file),
                sanitize(&error.message)
            );
            writeln!(out, "{}", self.prose(&line, "  ", "    "))?;
        }
        for skipped in &i.skipped {
            let line = format!(
                "skipped: {}: {}",
                sanitize(&skipped.file),
                sanitize(&skipped.message)
            );
            writeln!(out, "{}", self.prose(&line, "  ", "    "))?;
        }
        Ok(())
    }
}
