//! The Markdown report: what a scheduled job files for a security lead. Text from logs is
//! escaped (no table breaks, no links, no HTML, no control characters).

use std::io::{self, Write};

use super::view::{CauseView, ReportView, Timeline};
use super::{SummaryContext, SummaryWriter};
use crate::event::Cause;
use crate::trend::TrendRow;

pub struct Markdown;

impl SummaryWriter for Markdown {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let view = ReportView::new(ctx);
        header(&view, out)?;
        thresholds(ctx, out)?;
        causes(&view, out)?;
        remediation(&view, out)?;
        tops(&view, out)?;
        timeline(&view.timeline, &view, out)?;
        actor_trend(&view, out)?;
        inputs(ctx, out)
    }
}

fn header(v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# {}\n", md(v.title))?;
    let period_kind = if v.window_given {
        "Window"
    } else {
        "Period (first to last event)"
    };
    writeln!(out, "| | |\n|---|---|")?;
    writeln!(out, "| {period_kind} | {} |", v.period)?;
    writeln!(out, "| Generated | {} |", v.generated)?;
    writeln!(out, "| Times shown in | {} |", md(&v.zone))?;
    writeln!(out, "| keydeny | {} (rules {}) |", v.version, md(v.digest))?;
    writeln!(out, "| Inputs | {} |", v.coverage)?;
    writeln!(out, "| Credentials | {} |", md(v.redaction))?;
    if let Some(baseline) = v.baseline {
        writeln!(out, "| Baseline | {} |", md(baseline))?;
    }
    let change = v
        .total_trend
        .map(|t| format!(" ({})", t.change.describe(t.before)))
        .unwrap_or_default();
    writeln!(
        out,
        "\n**{}** denied key-generation event(s){change} by **{}** actor(s).\n",
        v.total, v.actors
    )
}

fn thresholds(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    if ctx.thresholds.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## Thresholds\n\n| Threshold | Events | Limit | Status |\n|---|---:|---:|---|"
    )?;
    for t in ctx.thresholds {
        let status = if t.fired { "**Reached**" } else { "OK" };
        writeln!(
            out,
            "| {} | {} | {} | {status} |",
            t.threshold, t.count, t.limit
        )?;
    }
    writeln!(out)
}

fn causes(v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    if v.causes.is_empty() {
        return writeln!(out, "No denied key-generation events.\n");
    }
    let trend = v.baseline.is_some();
    writeln!(out, "## By cause\n")?;
    write!(out, "| Cause | Events | Actors | First seen | Last seen |")?;
    writeln!(
        out,
        "{}",
        if trend {
            " Change |\n|---|---:|---:|---|---|---|"
        } else {
            "\n|---|---:|---:|---|---|"
        }
    )?;
    for c in &v.causes {
        write!(
            out,
            "| {} (`{}`) | {} | {} | {} | {} |",
            md(cause_title(v, c.cause)),
            c.cause.id(),
            c.group.count,
            c.group.actors.len(),
            c.first,
            c.last
        )?;
        if trend {
            write!(out, " {} |", change(c.trend))?;
        }
        writeln!(out)?;
    }
    writeln!(out)
}

fn remediation(v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    let live: Vec<&CauseView<'_>> = v.causes.iter().filter(|c| c.group.count > 0).collect();
    if live.is_empty() {
        return Ok(());
    }
    writeln!(out, "## What to do\n")?;
    for c in live {
        writeln!(
            out,
            "### {} ({}) `{}`\n",
            md(cause_title(v, c.cause)),
            c.group.count,
            c.cause.id()
        )?;
        writeln!(out, "{}\n", md(c.meaning))?;
        for (n, step) in c.steps.iter().enumerate() {
            writeln!(out, "{}. {}", n + 1, md(step))?;
        }
        if !c.top_actors.is_empty() {
            let actors: Vec<String> = c
                .top_actors
                .iter()
                .map(|(a, n)| format!("{} ({n})", md(a)))
                .collect();
            writeln!(out, "\nTop actors: {}", actors.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn tops(v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    for (heading, column, rows) in v.top_lists() {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "## {heading}\n\n| {column} | Events |\n|---|---:|")?;
        for (key, n) in rows {
            writeln!(out, "| {} | {n} |", md(key))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn timeline(t: &Timeline, v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    if t.buckets.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Timeline by {}\n", t.unit)?;
    let causes: Vec<String> = t.causes.iter().map(|c| md(cause_title(v, *c))).collect();
    writeln!(out, "| {} | {} | Total |", t.heading(), causes.join(" | "))?;
    writeln!(out, "|---|{}---:|", "---:|".repeat(causes.len()))?;
    for bucket in &t.buckets {
        let cells: Vec<String> = t
            .causes
            .iter()
            .map(|c| bucket.counts.get(c).copied().unwrap_or(0).to_string())
            .collect();
        writeln!(
            out,
            "| {} | {} | {} |",
            bucket.label,
            cells.join(" | "),
            bucket.total()
        )?;
    }
    writeln!(out)
}

/// The title of `cause` as the report's cause rows carry it, else its id.
fn cause_title<'a>(v: &'a ReportView<'_>, cause: Cause) -> &'a str {
    v.causes
        .iter()
        .find(|c| c.cause == cause && !c.title.is_empty())
        .map_or(cause.id(), |c| c.title)
}

fn actor_trend(v: &ReportView<'_>, out: &mut dyn Write) -> io::Result<()> {
    if v.actor_trend.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## Top actors against the baseline\n\n| Actor | Before | Now | Change |\n|---|---:|---:|---|"
    )?;
    for row in v.actor_trend {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&row.key),
            row.before,
            row.after,
            row.change.id()
        )?;
    }
    writeln!(out)
}

fn inputs(ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let i = &ctx.summary.inputs;
    writeln!(out, "## Inputs\n")?;
    writeln!(
        out,
        "{}. {} duplicate(s) counted once; {} event(s) outside the filters.",
        super::coverage(ctx.summary),
        ctx.summary.duplicates,
        ctx.summary.filtered
    )?;
    if !i.formats.is_empty() {
        writeln!(out, "\nFormats: {}.", super::formats(ctx.summary))?;
    }
    if !i.errors.is_empty() {
        writeln!(out, "\n| Unreadable input | Reason |\n|---|---|")?;
        for e in &i.errors {
            writeln!(out, "| {} | {} |", md(&e.file), md(&e.message))?;
        }
    }
    if !i.malformed_samples.is_empty() {
        writeln!(out, "\n| Malformed record | Reason |\n|---|---|")?;
        for (file, m) in &i.malformed_samples {
            writeln!(out, "| {}:{} | {} |", md(file), m.line, md(&m.reason))?;
        }
    }
    Ok(())
}

fn change(row: Option<&TrendRow>) -> String {
    row.map(|r| r.change.describe(r.before)).unwrap_or_default()
}

/// Log text as inert Markdown: control characters dropped, markup characters escaped.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
