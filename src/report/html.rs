//! The HTML report: one self-contained file (inline CSS, inline SVG charts, no scripts, fonts
//! or external references), readable on screen and on paper. Every string, from logs or not,
//! goes through [`esc`].

use std::fmt::Write as _;
use std::io::{self, Write};

use super::view::{ReportView, Timeline};
use super::{SummaryContext, SummaryWriter};
use crate::event::Cause;

pub struct Html;

/// Screen: one readable column up to 1100 px, tables at full width, numbers aligned, dates
/// never wrapped, long identifiers wrapped only where nothing else fits. Print: the same, on
/// A4/Letter, with colours kept and rows and cause sections never split.
const STYLE: &str = "*{box-sizing:border-box}\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1d1f;background:#fff;max-width:1100px;margin:0 auto;padding:2em 1.5em}\
h1{font-size:1.7em;margin:0 0 .2em}h2{font-size:1.25em;margin:2em 0 .6em;border-bottom:2px solid #e5e5ea;padding-bottom:.25em}\
h3{font-size:1.05em;margin:1.4em 0 .3em}p{margin:.4em 0}\
table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:14px}\
th,td{border-bottom:1px solid #e5e5ea;padding:6px 10px;text-align:left;vertical-align:top}\
th{background:#f5f5f7;font-weight:600;border-bottom:2px solid #d2d2d7}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.nowrap,time{white-space:nowrap}.muted{color:#6e6e73;font-size:.85em}\
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}\
.meta{width:auto;min-width:60%}.meta th{width:15.5em;background:none;border-bottom:1px solid #e5e5ea;font-weight:500;color:#6e6e73}\
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:1.2em 0}.kpi{flex:1 1 150px;border:1px solid #e5e5ea;border-radius:8px;padding:10px 14px}\
.kpi strong{display:block;font-size:1.8em;line-height:1.2}.kpi span{color:#6e6e73;font-size:.9em}\
.fired{color:#b00020;font-weight:bold}.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}\
td.title{width:100%;min-width:12em}.bar{margin-top:4px}.bar span{display:block;height:10px;border-radius:2px;min-width:2px}\
.cause{break-inside:avoid;page-break-inside:avoid}\
ul.actors{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:4px 14px}ul.actors li{white-space:nowrap;max-width:100%;overflow-wrap:anywhere}\
.tops{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:0 28px}.tops section:first-child{grid-column:1/-1}.tops h2{font-size:1.1em}\
.chart{break-inside:avoid;page-break-inside:avoid}.chart svg{width:100%;height:auto;display:block}svg text{font:14px system-ui,sans-serif;fill:#3a3a3c}\
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:14px;margin:.4em 0}\
table.timeline{table-layout:fixed}table.timeline th{font-size:12px;line-height:1.25;vertical-align:bottom;white-space:normal;overflow-wrap:normal}table.timeline th:first-child{width:9.5em}\
table.timeline.hourly th:first-child{width:13em}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\
@page{margin:14mm}\
@media print{body{max-width:none;padding:0;font-size:12px}table{font-size:11px}h2{break-after:avoid;page-break-after:avoid}tr{break-inside:avoid;page-break-inside:avoid}.tops{display:block}}";

impl SummaryWriter for Html {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let view = ReportView::new(ctx);
        let mut page = String::new();
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            esc(view.title)
        );
        header(&view, &mut page);
        thresholds(ctx, &mut page);
        causes(&view, &mut page);
        remediation(&view, &mut page);
        tops(&view, &mut page);
        timeline(&view.timeline, &view, &mut page);
        actor_trend(&view, &mut page);
        inputs(ctx, &mut page);
        page.push_str("</body>\n</html>\n");
        out.write_all(page.as_bytes())
    }
}

fn header(v: &ReportView<'_>, page: &mut String) {
    let _ = writeln!(page, "<h1>{}</h1>", esc(v.title));
    let change = v
        .total_trend
        .map(|t| format!("<span>{}</span>", esc(&t.change.describe(t.before))))
        .unwrap_or_default();
    let live = v.causes.iter().filter(|c| c.group.count > 0).count();
    let _ = writeln!(
        page,
        "<div class=\"kpis\">\n<div class=\"kpi\"><strong>{}</strong><span>denied key-generation event(s)</span>{change}</div>\n<div class=\"kpi\"><strong>{}</strong><span>distinct actor(s)</span></div>\n<div class=\"kpi\"><strong>{live}</strong><span>cause(s)</span></div>\n</div>",
        v.total, v.actors
    );
    let period_kind = if v.window_given {
        "Window"
    } else {
        "Period (first to last event)"
    };
    page.push_str("<table class=\"meta\">\n");
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
}

fn thresholds(ctx: &SummaryContext<'_>, page: &mut String) {
    if ctx.thresholds.is_empty() {
        return;
    }
    page.push_str("<h2>Thresholds</h2>\n<table>\n<tr><th>Threshold</th><th class=\"n\">Events</th><th class=\"n\">Limit</th><th>Status</th></tr>\n");
    for t in ctx.thresholds {
        let status = if t.fired {
            "<span class=\"fired\">Reached</span>"
        } else {
            "OK"
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

/// The cause table; under each title a bar of its count against the largest cause's (the
/// bar chart by cause, as wide as the column allows).
fn causes(v: &ReportView<'_>, page: &mut String) {
    page.push_str("<h2>By cause</h2>\n");
    if v.causes.is_empty() {
        page.push_str("<p>No denied key-generation events.</p>\n");
        return;
    }
    let max = v
        .causes
        .iter()
        .map(|c| c.group.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let trend = v.baseline.is_some();
    page.push_str("<table>\n<thead><tr><th>Cause</th><th class=\"n\">Events</th><th class=\"n\">Actors</th><th>First seen</th><th>Last seen</th>");
    page.push_str(if trend {
        "<th>Change</th></tr></thead>\n<tbody>\n"
    } else {
        "</tr></thead>\n<tbody>\n"
    });
    for c in &v.causes {
        let share = 100.0 * c.group.count as f64 / max as f64;
        let _ = write!(
            page,
            "<tr><td class=\"title\">{}{} <code class=\"muted\">{}</code><div class=\"bar\"><span style=\"width:{share:.1}%;background:{}\"></span></div></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td>",
            swatch(c.cause),
            esc(title(c.cause, c.title)),
            esc(c.cause.id()),
            color(c.cause),
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
    page.push_str("</tbody>\n</table>\n");
}

/// A cause's title, or its id when the rules give none.
fn title(cause: Cause, title: &str) -> &str {
    if title.is_empty() { cause.id() } else { title }
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
            "<div class=\"cause\"><h3>{}{} ({}) <code class=\"muted\">{}</code></h3>\n<p>{}</p>\n<ol>",
            swatch(c.cause),
            esc(title(c.cause, c.title)),
            c.group.count,
            esc(c.cause.id()),
            esc(c.meaning)
        );
        for step in c.steps {
            let _ = writeln!(page, "<li>{}</li>", esc(step));
        }
        page.push_str("</ol>\n");
        if !c.top_actors.is_empty() {
            page.push_str("<p>Top actors:</p>\n<ul class=\"actors\">");
            for (a, n) in &c.top_actors {
                let _ = write!(page, "<li><code>{}</code> ({n})</li>", esc(a));
            }
            page.push_str("</ul>\n");
        }
        page.push_str("</div>\n");
    }
}

fn tops(v: &ReportView<'_>, page: &mut String) {
    page.push_str("<div class=\"tops\">\n");
    for (heading, column, rows) in v.top_lists() {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            page,
            "<section>\n<h2>{heading}</h2>\n<table>\n<tr><th>{column}</th><th class=\"n\">Events</th></tr>"
        );
        for (key, n) in rows {
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td class=\"n\">{n}</td></tr>",
                esc(key)
            );
        }
        page.push_str("</table>\n</section>\n");
    }
    page.push_str("</div>\n");
}

fn timeline(t: &Timeline, v: &ReportView<'_>, page: &mut String) {
    if t.buckets.is_empty() {
        return;
    }
    let _ = writeln!(page, "<h2>Timeline by {}</h2>", t.unit);
    page.push_str(&stacked_chart(t, v));
    page.push_str("<div class=\"legend\">");
    for cause in &t.causes {
        let _ = write!(
            page,
            "<span>{}<strong>{}</strong>: {}</span>",
            swatch(*cause),
            short_title(*cause),
            esc(cause_title(v, *cause))
        );
    }
    page.push_str("</div>\n");
    let class = if t.unit == "hour" {
        "timeline hourly"
    } else {
        "timeline"
    };
    let _ = write!(
        page,
        "<table class=\"{class}\">\n<thead><tr><th>{}</th>",
        t.heading()
    );
    for cause in &t.causes {
        let _ = write!(
            page,
            "<th class=\"n\" title=\"{}\">{}{}</th>",
            esc(cause_title(v, *cause)),
            swatch(*cause),
            short_title(*cause)
        );
    }
    page.push_str("<th class=\"n\">Total</th></tr></thead>\n<tbody>\n");
    for bucket in &t.buckets {
        let _ = write!(page, "<tr><td class=\"nowrap\">{}</td>", esc(&bucket.label));
        for cause in &t.causes {
            let _ = write!(
                page,
                "<td class=\"n\">{}</td>",
                bucket.counts.get(cause).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(page, "<td class=\"n\">{}</td></tr>", bucket.total());
    }
    page.push_str("</tbody>\n</table>\n");
}

/// A one-word heading per cause for the timeline table's narrow columns; its swatch ties it
/// to the full title in the legend above.
fn short_title(cause: Cause) -> &'static str {
    match cause {
        Cause::InsufficientRole => "Role",
        Cause::PolicyBlock => "Policy",
        Cause::Unauthenticated => "Auth",
        Cause::PlanRestriction => "Plan",
        Cause::MfaRequired => "MFA",
        Cause::QuotaExceeded => "Quota",
        Cause::NetworkRestriction => "Network",
        Cause::Unknown => "Not stated",
    }
}

/// The title of `cause` from the report's cause rows (the rules' title), else its id.
fn cause_title<'a>(v: &'a ReportView<'_>, cause: Cause) -> &'a str {
    v.causes
        .iter()
        .find(|c| c.cause == cause)
        .map_or(cause.id(), |c| title(cause, c.title))
}

/// Vertical bars on a time axis (empty days or hours keep their place), stacked by cause in
/// taxonomy order; the SVG scales to the page width.
fn stacked_chart(t: &Timeline, v: &ReportView<'_>) -> String {
    let (width, left, right, top_pad, plot_h) = (1000.0, 44.0, 12.0, 12.0, 220.0);
    let slots = t.slots().max(1) as f64;
    let slot = (width - left - right) / slots;
    let bar = (slot * 0.72).clamp(1.0, 90.0);
    let max = t.max_total().max(1) as f64;
    let height = top_pad + plot_h + 50.0;
    let base = top_pad + plot_h;
    let mut svg = format!(
        "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Denied events per {} by cause\" viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"xMinYMin meet\">\n",
        t.unit
    );
    // Gridlines at whole counts: the top, and half of it rounded down.
    let mut ticks = vec![max as u64];
    if max >= 2.0 {
        ticks.push((max / 2.0).floor() as u64);
    }
    for tick in ticks {
        let y = base - plot_h * tick as f64 / max;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#e5e5ea\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>",
            width - right,
            left - 6.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#8e8e93\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        width - right,
        left - 6.0,
        base + 4.0
    );
    // Labels about 90 units apart at most, so they never overlap.
    let label_every = ((90.0 / slot).ceil() as i64).max(1);
    for bucket in &t.buckets {
        let x = left + slot * bucket.index as f64 + (slot - bar) / 2.0;
        let mut y = base;
        for cause in &t.causes {
            let count = bucket.counts.get(cause).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let h = plot_h * count as f64 / max;
            y -= h;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} {}: {count}</title></rect>",
                color(*cause),
                esc(&bucket.label),
                esc(cause_title(v, *cause))
            );
        }
        if bucket.index % label_every == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                base + 18.0,
                esc(&bucket.short)
            );
        }
    }
    let years = match (t.years.first(), t.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{:.1}\">Events per {} ({}), {}</text>",
        height - 6.0,
        t.unit,
        esc(&v.zone),
        years
    );
    svg.push_str("</svg></div>\n");
    svg
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
