//! Human-readable tables for the terminal: columns fitted to the terminal width (long cells
//! cut with an ellipsis, never wrapped), causes in colour when the terminal allows, times in
//! the display zone. Text that came from logs is stripped of control characters, so an actor
//! cannot move the cursor or retitle the terminal.

use std::io::{self, Write};

use super::{EventWriter, SummaryContext, SummaryWriter};
use crate::event::{Cause, Event};
use crate::terminal::Terminal;
use crate::zone::Zone;

/// A regrouping of the summary (`summary --by`): one row per key.
#[derive(Clone, Debug)]
pub struct GroupRow {
    pub key: String,
    pub count: u64,
    pub causes: Vec<(Cause, u64)>,
    pub first: String,
    pub last: String,
}

/// Tables for the terminal.
pub struct TableWriter {
    pub zone: Zone,
    pub terminal: Terminal,
    /// Print every remediation step, not only the one-line advice.
    pub explain: bool,
    /// `--by`: the dimension's name and its rows.
    pub by: Option<(&'static str, Vec<GroupRow>)>,
}

impl TableWriter {
    pub fn new(zone: Zone, terminal: Terminal) -> TableWriter {
        TableWriter {
            zone,
            terminal,
            explain: false,
            by: None,
        }
    }
}

/// One column: header, cells, how it may shrink.
struct Column {
    header: &'static str,
    cells: Vec<String>,
    /// Never narrower than this when fitting.
    min: usize,
    /// Shrunk to this before any column is dropped.
    soft: usize,
    /// Shrunk in this order (lower first); `None` never shrinks.
    shrink: Option<u8>,
    /// Cut in the middle (ARNs, e-mails) rather than at the end.
    middle: bool,
    right: bool,
    /// Left out, in this order (lower first), when the table cannot fit otherwise.
    drop: Option<u8>,
}

impl Column {
    fn new(header: &'static str, cells: Vec<String>) -> Column {
        Column {
            header,
            cells,
            min: header.len(),
            soft: header.len(),
            shrink: None,
            middle: false,
            right: false,
            drop: None,
        }
    }

    fn soft(mut self, soft: usize) -> Column {
        self.soft = soft.max(self.min);
        self
    }

    fn drops(mut self, order: u8) -> Column {
        self.drop = Some(order);
        self
    }

    fn shrinks(mut self, order: u8, min: usize, middle: bool) -> Column {
        self.shrink = Some(order);
        self.min = min.max(self.header.len());
        self.soft = self.soft.max(self.min);
        self.middle = middle;
        self
    }

    fn right(mut self) -> Column {
        self.right = true;
        self
    }

    fn natural(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
            .max(self.header.len())
    }
}

/// Column widths that fit `width` (when given): shrinkable columns shrink in order down to
/// a comfortable width, then droppable columns are left out (`None`) in order, then the
/// shrinkable columns shrink to their minimum.
fn fit(columns: &[Column], width: Option<usize>) -> Vec<Option<usize>> {
    let mut widths: Vec<Option<usize>> = columns.iter().map(|c| Some(c.natural())).collect();
    let Some(width) = width else { return widths };
    let mut order: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].shrink.is_some())
        .collect();
    order.sort_by_key(|&i| columns[i].shrink);
    shrink(columns, &mut widths, &order, width, |c| c.soft);
    let mut droppable: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].drop.is_some())
        .collect();
    droppable.sort_by_key(|&i| columns[i].drop);
    for i in droppable {
        if total(&widths) <= width {
            break;
        }
        widths[i] = None;
    }
    shrink(columns, &mut widths, &order, width, |c| c.min);
    // Give room left over back to the first shrinkable column.
    if let Some(&grow) = order.first() {
        let room = width.saturating_sub(total(&widths));
        widths[grow] = widths[grow].map(|w| (w + room).min(columns[grow].natural()));
    }
    widths
}

fn shrink(
    columns: &[Column],
    widths: &mut [Option<usize>],
    order: &[usize],
    width: usize,
    floor: impl Fn(&Column) -> usize,
) {
    for &i in order {
        let excess = total(widths).saturating_sub(width);
        if excess == 0 {
            return;
        }
        widths[i] = widths[i].map(|w| w.saturating_sub(excess).max(floor(&columns[i]).min(w)));
    }
}

/// The width of the shown columns with their two-space gaps.
fn total(widths: &[Option<usize>]) -> usize {
    let shown: Vec<usize> = widths.iter().flatten().copied().collect();
    shown.iter().sum::<usize>() + 2 * shown.len().saturating_sub(1)
}

/// Render columns as aligned text; `paint` may colour a cell (colour codes take no width).
fn render(
    columns: &[Column],
    width: Option<usize>,
    terminal: &Terminal,
    paint: impl Fn(usize, usize, &str) -> String,
) -> String {
    let widths = fit(columns, width);
    let rows = columns.first().map_or(0, |c| c.cells.len());
    let mut text = String::new();
    let shown = || {
        columns
            .iter()
            .zip(&widths)
            .enumerate()
            .filter_map(|(i, (c, w))| w.map(|w| (i, c, w)))
    };
    let header: Vec<String> = shown().map(|(_, c, w)| pad(c.header, w, c.right)).collect();
    text.push_str(terminal.bold(header.join("  ").trim_end()).as_str());
    text.push('\n');
    for row in 0..rows {
        let mut line = Vec::with_capacity(columns.len());
        for (col, column, w) in shown() {
            let cut = if column.middle {
                middle_cell(&column.cells[row], w)
            } else {
                cell(&column.cells[row], w)
            };
            let padded = pad(&cut, w, column.right);
            line.push(paint(row, col, &padded));
        }
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn pad(text: &str, width: usize, right: bool) -> String {
    let len = text.chars().count();
    let fill = " ".repeat(width.saturating_sub(len));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

impl EventWriter for TableWriter {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        if events.is_empty() {
            return writeln!(out, "No denied key-generation events found.");
        }
        let column = |header, f: &dyn Fn(&Event) -> String| {
            Column::new(header, events.iter().map(f).collect())
        };
        let columns = [
            column("TIME", &|e| self.zone.format_secs_opt(e.time)),
            column("CAUSE", &|e| e.cause.id().to_string()),
            column("PLATFORM", &|e| e.platform.id().to_string()).drops(0),
            column("ACTOR", &|e| sanitize(e.actor.as_deref().unwrap_or("-"))).shrinks(2, 12, true),
            column("ACTION", &|e| sanitize(&e.action))
                .shrinks(1, 14, false)
                .drops(1),
            column("REASON", &|e| sanitize(&e.reason))
                .shrinks(0, 24, false)
                .soft(40),
        ];
        let table = render(
            &columns,
            self.terminal.width,
            &self.terminal,
            |row, col, text| {
                if col == 1 {
                    self.terminal.cause(events[row].cause, text)
                } else {
                    text.to_string()
                }
            },
        );
        write!(out, "{table}")?;
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
        let headline = format!(
            "{} denied key-generation event(s){change} by {} actor(s){span}",
            s.total.count,
            s.total.actors.len()
        );
        let headline = cell(&headline, self.terminal.width.unwrap_or(usize::MAX));
        writeln!(out, "{}", self.terminal.bold(&headline))?;
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
                Some((name, rows)) => self.write_groups(name, rows, out)?,
                None => {
                    self.write_cause_table(ctx, out)?;
                    self.write_cause_details(ctx, out)?;
                }
            }
        }
        writeln!(out)?;
        write_inputs(ctx, out)
    }
}

impl TableWriter {
    fn write_cause_table(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let causes = ctx.summary.causes_by_count();
        let column = |header, f: &dyn Fn(Cause, &crate::aggregate::Group) -> String| {
            Column::new(header, causes.iter().map(|(c, g)| f(*c, g)).collect())
        };
        let mut columns = vec![
            column("CAUSE", &|c, _| c.id().to_string()),
            column("EVENTS", &|_, g| g.count.to_string()).right(),
            column("ACTORS", &|_, g| g.actors.len().to_string()).right(),
            column("FIRST SEEN", &|_, g| ctx.zone.format_secs_opt(g.first)).drops(1),
            column("LAST SEEN", &|_, g| ctx.zone.format_secs_opt(g.last)).drops(0),
        ];
        if let Some(trend) = ctx.trend {
            columns.push(column("CHANGE", &|c, _| {
                trend
                    .cause(c)
                    .map(|r| r.change.describe(r.before))
                    .unwrap_or_default()
            }));
        }
        let table = render(
            &columns,
            self.terminal.width,
            &self.terminal,
            |row, col, text| {
                if col == 0 {
                    self.terminal.cause(causes[row].0, text)
                } else {
                    text.to_string()
                }
            },
        );
        write!(out, "{table}")
    }

    fn write_cause_details(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let width = self.terminal.width.unwrap_or(usize::MAX);
        for (cause, group) in ctx.summary.causes_by_count() {
            writeln!(out)?;
            let doc = ctx.rules.cause_doc(cause);
            let todo = doc.map_or("", |d| d.todo.as_str());
            let head = self
                .terminal
                .cause(cause, &format!("{} ({})", cause.id(), group.count));
            writeln!(
                out,
                "{head}: {}",
                cell(todo, width.saturating_sub(cause.id().len() + 8))
            )?;
            if self.explain {
                for (n, step) in doc
                    .map_or(&[][..], |d| d.steps.as_slice())
                    .iter()
                    .enumerate()
                {
                    writeln!(out, "  {}. {}", n + 1, cell(step, width.saturating_sub(6)))?;
                }
            }
            let actors: Vec<String> = group
                .top_actors(ctx.top)
                .into_iter()
                .map(|(actor, n)| format!("{} ({n})", middle_cell(actor, 48)))
                .collect();
            if !actors.is_empty() {
                writeln!(
                    out,
                    "  {}",
                    cell(
                        &format!("top actors: {}", actors.join(", ")),
                        width.saturating_sub(2)
                    )
                )?;
            }
        }
        writeln!(out)?;
        let hint = if self.explain {
            ""
        } else {
            " (or add --explain)"
        };
        writeln!(
            out,
            "Run `keydeny explain CAUSE` for the full remediation steps{hint}."
        )
    }

    fn write_groups(&self, name: &str, rows: &[GroupRow], out: &mut dyn Write) -> io::Result<()> {
        let column = |header, f: &dyn Fn(&GroupRow) -> String| {
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
        let header: &'static str = match name {
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
            column("FIRST SEEN", &|r| r.first.clone()).shrinks(2, 10, false),
            column("LAST SEEN", &|r| r.last.clone()).shrinks(2, 10, false),
        ];
        let table = render(
            &columns,
            self.terminal.width,
            &self.terminal,
            |_, _, text| text.to_string(),
        );
        write!(out, "{table}")
    }
}

fn write_inputs(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let i = &ctx.summary.inputs;
    writeln!(
        out,
        "Read {}; {} unreadable.",
        super::coverage(ctx.summary),
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
        writeln!(out, "Formats: {}.", super::formats(ctx.summary))?;
    }
    for error in &i.errors {
        writeln!(
            out,
            "  unreadable: {}: {}",
            sanitize(&error.file),
            sanitize(&error.message)
        )?;
    }
    for skipped in &i.skipped {
        writeln!(
            out,
            "  skipped: {}: {}",
            sanitize(&skipped.file),
            sanitize(&skipped.message)
        )?;
    }
    Ok(())
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

    #[test]
    fn columns_shrink_in_order_to_fit() {
        let columns = [
            Column::new("A", vec!["aaaaaaaaaa".into()]),
            Column::new("B", vec!["bbbbbbbbbbbbbbbbbbbb".into()]).shrinks(1, 5, false),
            Column::new("C", vec!["cccccccccccccccccccc".into()]).shrinks(0, 8, false),
        ];
        assert_eq!(fit(&columns, None), [Some(10), Some(20), Some(20)]);
        assert_eq!(fit(&columns, Some(44)), [Some(10), Some(20), Some(10)]);
        assert_eq!(fit(&columns, Some(30)), [Some(10), Some(8), Some(8)]);
        let droppable = [
            Column::new("A", vec!["aaaaaaaaaa".into()]).drops(0),
            Column::new("B", vec!["bbbbbbbbbbbbbbbbbbbb".into()]).shrinks(0, 10, false),
        ];
        assert_eq!(fit(&droppable, Some(15)), [None, Some(15)]);
    }
}
