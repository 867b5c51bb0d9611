//! Human-readable tables for the terminal. Text that came from logs is stripped of control
//! characters (an actor cannot retitle the terminal) and long cells are cut with an ellipsis.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{EventWriter, SummaryContext, SummaryWriter};
use crate::event::Event;
use crate::zone::Zone;

/// Tables for the terminal, times shown in `zone`.
pub struct TableWriter {
    zone: Zone,
}

impl TableWriter {
    pub fn with_zone(zone: Zone) -> TableWriter {
        TableWriter { zone }
    }
}

const REASON_WIDTH: usize = 90;
const ACTOR_WIDTH: usize = 48;

impl EventWriter for TableWriter {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        if events.is_empty() {
            return writeln!(out, "No denied key-generation events found.");
        }
        let mut table = new_table(&["TIME", "CAUSE", "PLATFORM", "ACTOR", "ACTION", "REASON"]);
        for e in events {
            table.add_row(vec![
                self.zone.format_opt(e.time),
                e.cause.id().to_string(),
                e.platform.id().to_string(),
                middle_cell(e.actor.as_deref().unwrap_or("-"), ACTOR_WIDTH),
                cell(&e.action, 40),
                cell(&e.reason, REASON_WIDTH),
            ]);
        }
        writeln!(out, "{}", trim_lines(&table.to_string()))?;
        writeln!(out, "{} denied key-generation event(s)", events.len())
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
        writeln!(
            out,
            "{} denied key-generation event(s){change} by {} actor(s){span}",
            s.total.count,
            s.total.actors.len()
        )?;
        for t in ctx.thresholds.iter().filter(|t| t.fired) {
            writeln!(
                out,
                "Threshold reached: {} has {} event(s), limit {}.",
                t.threshold, t.count, t.limit
            )?;
        }
        if s.total.count > 0 {
            writeln!(out)?;
            write_cause_table(ctx, out)?;
            write_cause_details(ctx, out)?;
        }
        writeln!(out)?;
        write_inputs(ctx, out)
    }
}

fn write_cause_table(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut header = vec!["CAUSE", "EVENTS", "ACTORS", "FIRST SEEN", "LAST SEEN"];
    if ctx.trend.is_some() {
        header.push("CHANGE");
    }
    let mut table = new_table(&header);
    for (cause, group) in ctx.summary.causes_by_count() {
        let mut row = vec![
            cause.id().to_string(),
            group.count.to_string(),
            group.actors.len().to_string(),
            ctx.zone.format_opt(group.first),
            ctx.zone.format_opt(group.last),
        ];
        if let Some(trend) = ctx.trend {
            row.push(
                trend
                    .cause(cause)
                    .map(|r| r.change.describe(r.before))
                    .unwrap_or_default(),
            );
        }
        table.add_row(row);
    }
    for column in [1, 2] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{}", trim_lines(&table.to_string()))
}

fn write_cause_details(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    for (cause, group) in ctx.summary.causes_by_count() {
        writeln!(out)?;
        let todo = ctx.rules.cause_doc(cause).map_or("", |d| d.todo.as_str());
        writeln!(out, "{} ({}): {todo}", cause.id(), group.count)?;
        let actors: Vec<String> = group
            .top_actors(ctx.top)
            .into_iter()
            .map(|(actor, n)| format!("{} ({n})", middle_cell(actor, ACTOR_WIDTH)))
            .collect();
        if !actors.is_empty() {
            writeln!(out, "  top actors: {}", actors.join(", "))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Run `keydeny explain CAUSE` for the full remediation steps."
    )
}

fn write_inputs(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let i = &ctx.summary.inputs;
    writeln!(
        out,
        "Read {} file(s), {} bytes, {} lines, {} records: {} denied key generation(s), {} other, {} malformed; {} unreadable.",
        i.files,
        i.bytes,
        i.lines,
        i.records,
        i.matched,
        i.other,
        i.malformed,
        i.errors.len()
    )?;
    if ctx.summary.duplicates > 0 || ctx.summary.filtered > 0 {
        writeln!(
            out,
            "{} duplicate(s) counted once; {} event(s) outside the filters.",
            ctx.summary.duplicates, ctx.summary.filtered
        )?;
    }
    if !i.formats.is_empty() {
        let formats: Vec<String> = i.formats.iter().map(|(f, n)| format!("{f} {n}")).collect();
        writeln!(out, "Formats: {}.", formats.join(", "))?;
    }
    for error in &i.errors {
        writeln!(
            out,
            "  unreadable: {}: {}",
            sanitize(&error.file),
            sanitize(&error.message)
        )?;
    }
    Ok(())
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

/// comfy-table pads every line to the table width; trailing blanks help nobody.
fn trim_lines(text: &str) -> String {
    text.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Log text made safe and short for a terminal cell.
pub fn cell(text: &str, width: usize) -> String {
    let clean = sanitize(text);
    if clean.chars().count() <= width {
        return clean;
    }
    let mut cut: String = clean.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Like [`cell`], but cut in the middle: the end of an ARN or e-mail tells actors apart.
pub fn middle_cell(text: &str, width: usize) -> String {
    let clean = sanitize(text);
    let chars: Vec<char> = clean.chars().collect();
    if chars.len() <= width || width < 5 {
        return cell(&clean, width);
    }
    let head = (width - 1) / 3;
    let tail = width - 1 - head;
    let mut cut: String = chars[..head].iter().collect();
    cut.push('…');
    cut.extend(&chars[chars.len() - tail..]);
    cut
}

/// Control characters (ESC, BEL, CR, ...) from logs are shown as `?`: they never reach the
/// terminal, so log content cannot move the cursor, recolour or retitle it.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}bob"), "?]0;pwned?bob");
        assert_eq!(sanitize("a\u{9b}31mb\r\n"), "a?31mb??");
        assert_eq!(cell("abcdefgh", 5), "abcd…");
        assert_eq!(middle_cell("arn:aws:iam::1:user/alice", 12), "arn…er/alice");
        assert_eq!(middle_cell("bob", 12), "bob");
    }
}
