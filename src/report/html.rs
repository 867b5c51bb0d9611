//! The HTML report: one self-contained file (inline CSS, inline SVG charts, no scripts, fonts
//! or external references), readable on screen and on paper. Every string, from logs or not,
//! goes through [`esc`].

use std::fmt::Write as _;
use std::io::{self, Write};

use super::view::{ReportView, Timeline};
use super::{SummaryContext, SummaryWriter};
use crate::event::Cause;

pub struct Html;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f;max-width:1040px;margin:2em auto;padding:0 1em}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
h3{font-size:1.05em;margin-bottom:.3em}table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}\
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f5f7}\
td.n{text-align:right;font-variant-numeric:tabular-nums}code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}\
.big{font-size:1.3em}.fired{color:#b00020;font-weight:bold}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}\
.cause{page-break-inside:avoid}svg text{font:11px system-ui,sans-serif;fill:#333}\
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}svg{max-width:100%}}";

impl SummaryWriter for Html {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let view = ReportView::new(ctx);
        let mut page = String::new();
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            esc(view.title)
        );
        header(&view, &mut page);
        thresholds(ctx, &mut page);
        causes(&view, &mut page);
        remediation(&view, &mut page);
        tops(&view, &mut page);
        timeline(&view.timeline, &mut page);
        actor_trend(&view, &mut page);
        inputs(ctx, &mut page);
        page.push_str("</body>\n</html>\n");
        out.write_all(page.as_bytes())
    }
}

fn header(v: &ReportView<'_>, page: &mut String) {
    let _ = writeln!(page, "<h1>{}</h1>", esc(v.title));
    let period_kind = if v.window_given {
        "Window"
    } else {
        "Period (first to last event)"
    };
    page.push_str("<table>\n");
    let mut row = |k: &str, value: &str| {
        let _ = writeln!(page, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(value));
    };
    row(period_kind, &v.period);
    row("Generated", &v.generated);
    row("Times shown in", &v.zone);
    row("keydeny", &format!("{} (rules {})", v.version, v.digest));
    row("Inputs", &v.coverage);
    row("Credentials", v.redaction);
    if let Some(baseline) = v.baseline {
        row("Baseline", baseline);
    }
    page.push_str("</table>\n");
    let change = v
        .total_trend
        .map(|t| format!(" ({})", t.change.describe(t.before)))
        .unwrap_or_default();
    let _ = writeln!(
        page,
        "<p class=\"big\"><strong>{}</strong> denied key-generation event(s){} by <strong>{}</strong> actor(s).</p>",
        v.total,
        esc(&change),
        v.actors
    );
}

fn thresholds(ctx: &SummaryContext<'_>, page: &mut String) {
    if ctx.thresholds.is_empty() {
        return;
    }
    page.push_str("<h2>Thresholds</h2>\n<table>\n<tr><th>Threshold</th><th>Events</th><th>Limit</th><th>Status</th></tr>\n");
    for t in ctx.thresholds {
        let status = if t.fired {
            "<span class=\"fired\">reached</span>"
        } else {
            "ok"
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{status}</td></tr>",
            esc(&t.threshold),
            t.count,
            t.limit
        );
    }
    page.push_str("</table>\n");
}

fn causes(v: &ReportView<'_>, page: &mut String) {
    page.push_str("<h2>By cause</h2>\n");
    if v.causes.is_empty() {
        page.push_str("<p>No denied key-generation events.</p>\n");
        return;
    }
    page.push_str(&cause_bars(v));
    let trend = v.baseline.is_some();
    page.push_str("<table>\n<tr><th>Cause</th><th>Events</th><th>Actors</th><th>First seen</th><th>Last seen</th>");
    page.push_str(if trend {
        "<th>Change</th></tr>\n"
    } else {
        "</tr>\n"
    });
    for c in &v.causes {
        let _ = write!(
            page,
            "<tr><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>",
            swatch(c.cause),
            esc(c.cause.id()),
            c.group.count,
            c.group.actors.len(),
            esc(&c.first),
            esc(&c.last)
        );
        if trend {
            let change = c
                .trend
                .map(|r| r.change.describe(r.before))
                .unwrap_or_default();
            let _ = write!(page, "<td>{}</td>", esc(&change));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
}

/// Horizontal bars, one per cause.
fn cause_bars(v: &ReportView<'_>) -> String {
    let rows: Vec<_> = v.causes.iter().filter(|c| c.group.count > 0).collect();
    let max = rows.iter().map(|c| c.group.count).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (150.0, 420.0, 24.0);
    let height = row_h * rows.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Denied events by cause\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\">\n"
    );
    for (i, c) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (bar_w * c.group.count as f64 / max as f64).max(1.0);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(c.cause.id()),
            row_h - 6.0,
            color(c.cause),
            label_w + w + 4.0,
            y + 15.0,
            c.group.count
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn remediation(v: &ReportView<'_>, page: &mut String) {
    let live: Vec<_> = v.causes.iter().filter(|c| c.group.count > 0).collect();
    if live.is_empty() {
        return;
    }
    page.push_str("<h2>What to do</h2>\n");
    for c in live {
        let _ = writeln!(
            page,
            "<div class=\"cause\"><h3>{}{}: {} ({})</h3>\n<p>{}</p>\n<ol>",
            swatch(c.cause),
            esc(c.cause.id()),
            esc(c.title),
            c.group.count,
            esc(c.meaning)
        );
        for step in c.steps {
            let _ = writeln!(page, "<li>{}</li>", esc(step));
        }
        page.push_str("</ol>\n");
        if !c.top_actors.is_empty() {
            let actors: Vec<String> = c
                .top_actors
                .iter()
                .map(|(a, n)| format!("<code>{}</code> ({n})", esc(a)))
                .collect();
            let _ = writeln!(page, "<p>Top actors: {}</p>", actors.join(", "));
        }
        page.push_str("</div>\n");
    }
}

fn tops(v: &ReportView<'_>, page: &mut String) {
    for (heading, column, rows) in v.top_lists() {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            page,
            "<h2>{heading}</h2>\n<table>\n<tr><th>{column}</th><th>Events</th></tr>"
        );
        for (key, n) in rows {
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td class=\"n\">{n}</td></tr>",
                esc(key)
            );
        }
        page.push_str("</table>\n");
    }
}

fn timeline(t: &Timeline, page: &mut String) {
    if t.buckets.is_empty() {
        return;
    }
    let title = if t.unit == "hour" {
        "Timeline by hour"
    } else {
        "Timeline by day"
    };
    let _ = writeln!(page, "<h2>{title}</h2>");
    page.push_str(&stacked_chart(t));
    page.push_str("<p>");
    for cause in &t.causes {
        let _ = write!(page, "{}{} &nbsp; ", swatch(*cause), esc(cause.id()));
    }
    page.push_str("</p>\n<table>\n<tr><th>");
    page.push_str(esc(t.unit).as_str());
    page.push_str("</th>");
    for cause in &t.causes {
        let _ = write!(page, "<th>{}</th>", esc(cause.id()));
    }
    page.push_str("<th>total</th></tr>\n");
    for (label, counts) in &t.buckets {
        let _ = write!(page, "<tr><td>{}</td>", esc(label));
        for cause in &t.causes {
            let _ = write!(
                page,
                "<td class=\"n\">{}</td>",
                counts.get(cause).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(
            page,
            "<td class=\"n\">{}</td></tr>",
            counts.values().sum::<u64>()
        );
    }
    page.push_str("</table>\n");
}

/// Vertical bars per bucket, stacked by cause in taxonomy order.
fn stacked_chart(t: &Timeline) -> String {
    let (left, top_pad, plot_h, width) = (40.0, 10.0, 180.0, 960.0);
    let n = t.buckets.len().max(1) as f64;
    let slot = ((width - left - 10.0) / n).min(60.0);
    let bar = (slot * 0.8).max(1.0);
    let max = t.max_total().max(1) as f64;
    let height = top_pad + plot_h + 40.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Denied events over time by cause\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n"
    );
    let base = top_pad + plot_h;
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        width - 10.0,
        left - 4.0,
        top_pad + 8.0,
        max as u64,
        left - 4.0
    );
    let label_every = (t.buckets.len() / 12).max(1);
    for (i, (label, counts)) in t.buckets.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = base;
        for cause in &t.causes {
            let count = counts.get(cause).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let h = plot_h * count as f64 / max;
            y -= h;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} {}: {count}</title></rect>",
                color(*cause),
                esc(label),
                esc(cause.id())
            );
        }
        if i % label_every == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                base + 14.0,
                esc(short_label(label))
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// `2024-05-02T10:00+02:00` -> `05-02 10:00`; `2024-05-02` -> `05-02`.
fn short_label(label: &str) -> &str {
    let trimmed = label.get(5..).unwrap_or(label);
    trimmed.get(..11).unwrap_or(trimmed)
}

fn actor_trend(v: &ReportView<'_>, page: &mut String) {
    if v.actor_trend.is_empty() {
        return;
    }
    page.push_str("<h2>Top actors against the baseline</h2>\n<table>\n<tr><th>Actor</th><th>Before</th><th>Now</th><th>Change</th></tr>\n");
    for row in v.actor_trend {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&row.key),
            row.before,
            row.after,
            esc(row.change.id())
        );
    }
    page.push_str("</table>\n");
}

fn inputs(ctx: &SummaryContext<'_>, page: &mut String) {
    let i = &ctx.summary.inputs;
    let _ = writeln!(
        page,
        "<h2>Inputs</h2>\n<p>{}. {} duplicate(s) counted once; {} event(s) outside the filters.</p>",
        esc(&super::coverage(ctx.summary)),
        ctx.summary.duplicates,
        ctx.summary.filtered
    );
    if !i.formats.is_empty() {
        let _ = writeln!(
            page,
            "<p>Formats: {}.</p>",
            esc(&super::formats(ctx.summary))
        );
    }
    let mut table = |heading: &str, rows: Vec<(String, &str)>| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            page,
            "<table>\n<tr><th>{}</th><th>Reason</th></tr>",
            esc(heading)
        );
        for (what, why) in rows {
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(&what),
                esc(why)
            );
        }
        page.push_str("</table>\n");
    };
    table(
        "Unreadable input",
        i.errors
            .iter()
            .map(|e| (e.file.clone(), e.message.as_str()))
            .collect(),
    );
    table(
        "Malformed record",
        i.malformed_samples
            .iter()
            .map(|(f, m)| (format!("{f}:{}", m.line), m.reason.as_str()))
            .collect(),
    );
}

fn swatch(cause: Cause) -> String {
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>",
        color(cause)
    )
}

/// A fixed colour per cause, the same in both charts.
fn color(cause: Cause) -> &'static str {
    match cause {
        Cause::InsufficientRole => "#d62728",
        Cause::PolicyBlock => "#9467bd",
        Cause::Unauthenticated => "#ff7f0e",
        Cause::PlanRestriction => "#8c564b",
        Cause::MfaRequired => "#1f77b4",
        Cause::QuotaExceeded => "#e377c2",
        Cause::NetworkRestriction => "#2ca02c",
        Cause::Unknown => "#7f7f7f",
    }
}

/// HTML-escape text for element content and double-quoted attributes; control characters
/// from logs are dropped.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
