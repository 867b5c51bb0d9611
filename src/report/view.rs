//! The content of a summary report, computed once for the Markdown and HTML writers: header
//! facts, cause rows with remediation and trend, top lists, and the timeline regrouped by day
//! (or by hour for windows up to two days) in the display zone.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::SummaryContext;
use crate::aggregate::{Group, top};
use crate::event::Cause;
use crate::trend::{Change, TrendRow};

/// One cause's row and its remediation.
pub struct CauseView<'a> {
    pub cause: Cause,
    pub title: &'a str,
    pub meaning: &'a str,
    pub steps: &'a [String],
    pub group: &'a Group,
    pub first: String,
    pub last: String,
    pub trend: Option<&'a TrendRow>,
    pub top_actors: Vec<(String, u64)>,
}

/// One bucket of the timeline (a local day or hour).
pub struct Bucket {
    /// `2024-05-02`, or `2024-05-02T10:00+02:00` by hour.
    pub label: String,
    /// For charts: `05-02`, `05-02 10:00`; with the year when the timeline spans years.
    pub short: String,
    /// Days (or hours) since the first bucket: where the bucket stands on a time axis.
    pub index: i64,
    pub counts: BTreeMap<Cause, u64>,
}

impl Bucket {
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The timeline: buckets in order, with counts per cause.
pub struct Timeline {
    /// `day` or `hour`.
    pub unit: &'static str,
    pub buckets: Vec<Bucket>,
    /// Causes that occur, in taxonomy order.
    pub causes: Vec<Cause>,
    /// The years the buckets fall in.
    pub years: Vec<i32>,
}

impl Timeline {
    pub fn max_total(&self) -> u64 {
        self.buckets.iter().map(Bucket::total).max().unwrap_or(0)
    }

    /// Buckets on the axis, gaps included.
    pub fn slots(&self) -> i64 {
        self.buckets.last().map_or(0, |b| b.index + 1)
    }

    /// `Day` or `Hour`: the heading of the bucket column.
    pub fn heading(&self) -> &'static str {
        if self.unit == "hour" { "Hour" } else { "Day" }
    }
}

/// Everything a report shows.
pub struct ReportView<'a> {
    pub title: &'a str,
    pub period: String,
    pub window_given: bool,
    pub generated: String,
    pub version: &'static str,
    pub digest: &'a str,
    pub zone: String,
    pub coverage: String,
    pub total: u64,
    pub actors: usize,
    pub total_trend: Option<&'a TrendRow>,
    pub causes: Vec<CauseView<'a>>,
    pub top_actors: Vec<(String, u64)>,
    pub top_tenants: Vec<(String, u64)>,
    pub top_platforms: Vec<(String, u64)>,
    pub top_sources: Vec<(String, u64)>,
    pub timeline: Timeline,
    pub actor_trend: &'a [TrendRow],
    pub baseline: Option<&'a str>,
    pub redaction: &'static str,
}

impl<'a> ReportView<'a> {
    pub fn new(ctx: &'a SummaryContext<'a>) -> ReportView<'a> {
        let s = ctx.summary;
        let zone = ctx.zone;
        let (start, end, window_given) = match (ctx.window.since, ctx.window.until) {
            (None, None) => (s.total.first, s.total.last, false),
            (since, until) => (since.or(s.total.first), until.or(s.total.last), true),
        };
        // A window bound counted back from the clock shows seconds; an event's time shows
        // milliseconds when its log had them.
        let show = |asked: Option<DateTime<Utc>>, time: DateTime<Utc>| match asked {
            Some(_) => zone.format_secs(time),
            None => zone.format(time),
        };
        let period = match (start, end) {
            (Some(a), Some(b)) => format!(
                "{} to {}",
                show(ctx.window.since, a),
                show(ctx.window.until, b)
            ),
            _ => "no events".to_string(),
        };
        let coverage = super::coverage_brief(s);
        ReportView {
            title: ctx.title,
            period,
            window_given,
            generated: zone.format_secs(ctx.generated),
            version: env!("CARGO_PKG_VERSION"),
            digest: ctx.rules_digest,
            zone: zone.name(),
            coverage,
            total: s.total.count,
            actors: s.total.actors.len(),
            total_trend: ctx.trend.map(|t| &t.total),
            causes: causes(ctx),
            top_actors: owned(top(&s.total.actors, ctx.top)),
            top_tenants: owned(top(&s.by_tenant, ctx.top)),
            top_platforms: top(&s.by_platform, ctx.top)
                .into_iter()
                .map(|(p, n)| (p.id().to_string(), n))
                .collect(),
            top_sources: owned(top(&s.by_source_ip, ctx.top)),
            timeline: timeline(ctx, start, end),
            actor_trend: ctx.trend.map_or(&[], |t| t.actors.as_slice()),
            baseline: ctx.trend.map(|t| t.baseline.as_str()),
            redaction: if ctx.redacted {
                "masked (secrets as ****, key ids keep their last four characters)"
            } else {
                "shown unmasked (--no-redact)"
            },
        }
    }
}

/// A top list of a report: heading, column name, rows of (key, events).
pub type TopList<'a> = (&'static str, &'static str, &'a [(String, u64)]);

impl ReportView<'_> {
    /// The top lists in report order: heading, column name, rows.
    pub fn top_lists(&self) -> [TopList<'_>; 4] {
        [
            ("Top actors", "Actor", &self.top_actors),
            ("Top tenants", "Tenant", &self.top_tenants),
            ("Platforms", "Platform", &self.top_platforms),
            ("Top source IPs", "Source IP", &self.top_sources),
        ]
    }
}

fn owned(entries: Vec<(&String, u64)>) -> Vec<(String, u64)> {
    entries.into_iter().map(|(k, n)| (k.clone(), n)).collect()
}

fn causes<'a>(ctx: &'a SummaryContext<'a>) -> Vec<CauseView<'a>> {
    let mut rows: Vec<CauseView<'a>> = ctx
        .summary
        .causes_by_count()
        .into_iter()
        .map(|(cause, group)| {
            let doc = ctx.rules.cause_doc(cause);
            CauseView {
                cause,
                title: doc.map_or("", |d| d.title.as_str()),
                meaning: doc.map_or("", |d| d.meaning.as_str()),
                steps: doc.map_or(&[], |d| d.steps.as_slice()),
                group,
                first: ctx.zone.format_opt(group.first),
                last: ctx.zone.format_opt(group.last),
                trend: ctx.trend.and_then(|t| t.cause(cause)),
                top_actors: group
                    .top_actors(ctx.top)
                    .into_iter()
                    .map(|(a, n)| (a.to_string(), n))
                    .collect(),
            }
        })
        .collect();
    // Causes that disappeared since the baseline still get a row.
    if let Some(trend) = ctx.trend {
        for row in trend.by_cause.iter().filter(|r| r.change == Change::Gone) {
            if let Some(cause) = Cause::from_id(&row.key) {
                rows.push(gone_cause(ctx, cause, row));
            }
        }
    }
    rows
}

fn gone_cause<'a>(ctx: &'a SummaryContext<'a>, cause: Cause, row: &'a TrendRow) -> CauseView<'a> {
    static EMPTY: std::sync::LazyLock<Group> = std::sync::LazyLock::new(Group::default);
    let doc = ctx.rules.cause_doc(cause);
    CauseView {
        cause,
        title: doc.map_or("", |d| d.title.as_str()),
        meaning: doc.map_or("", |d| d.meaning.as_str()),
        steps: &[],
        group: &EMPTY,
        first: String::new(),
        last: String::new(),
        trend: Some(row),
        top_actors: Vec::new(),
    }
}

/// Daily buckets, or hourly when the period is two days or shorter.
fn timeline(
    ctx: &SummaryContext<'_>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Timeline {
    let hourly = matches!((start, end), (Some(a), Some(b)) if b - a <= Duration::hours(48));
    let zone = ctx.zone;
    // Keyed by the bucket's start in UTC: local days and hours in order across DST changes.
    let mut buckets: BTreeMap<DateTime<Utc>, (String, BTreeMap<Cause, u64>)> = BTreeMap::new();
    for (time, causes) in &ctx.summary.timeline {
        let (begin, label) = if hourly {
            let minutes = i64::from(chrono::Timelike::minute(&zone.local(*time)));
            (*time - Duration::minutes(minutes), zone.hour(*time))
        } else {
            let day = zone.day(*time);
            (zone.start_of_day(day).unwrap_or(*time), day.to_string())
        };
        let bucket = buckets
            .entry(begin)
            .or_insert_with(|| (label, BTreeMap::new()));
        for (cause, n) in causes {
            *bucket.1.entry(*cause).or_default() += n;
        }
    }
    let mut causes: Vec<Cause> = buckets
        .values()
        .flat_map(|(_, c)| c.keys().copied())
        .collect();
    causes.sort();
    causes.dedup();
    let mut years: Vec<i32> = buckets
        .keys()
        .map(|t| chrono::Datelike::year(&zone.local(*t)))
        .collect();
    years.dedup();
    let first = buckets.keys().next().copied();
    let unit = if hourly {
        Duration::hours(1)
    } else {
        Duration::days(1)
    };
    let buckets = buckets
        .into_iter()
        .map(|(begin, (label, counts))| {
            let since = first.map_or(Duration::zero(), |f| begin - f);
            // Round: a local day across a DST change lasts 23 or 25 hours.
            let index = (since.num_minutes() + unit.num_minutes() / 2) / unit.num_minutes();
            let local = zone.local(begin);
            let format = match (hourly, years.len() > 1) {
                (false, false) => "%m-%d",
                (false, true) => "%Y-%m-%d",
                (true, false) => "%m-%d %H:00",
                (true, true) => "%Y-%m-%d %H:00",
            };
            Bucket {
                label,
                short: local.format(format).to_string(),
                index,
                counts,
            }
        })
        .collect();
    Timeline {
        unit: if hourly { "hour" } else { "day" },
        buckets,
        causes,
        years,
    }
}
