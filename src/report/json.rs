//! The versioned summary JSON (`keydeny.summary/v1`): stable keys, UTC times, causes in
//! taxonomy order. It carries the full per-cause actor counts, so summaries merge exactly.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{SummaryContext, SummaryWriter, utc, utc_opt};
use crate::aggregate::{Group, Summary, top};

pub const SCHEMA: &str = "keydeny.summary/v1";

pub struct Json;

#[derive(Serialize)]
struct SummaryDoc<'a> {
    schema: &'static str,
    generator: Generator,
    rules_digest: &'a str,
    window: Window,
    period: Period,
    inputs: InputsDoc<'a>,
    totals: Totals,
    by_cause: BTreeMap<&'static str, CauseDoc<'a>>,
    top_actors: Vec<Count<'a>>,
    by_platform: BTreeMap<&'static str, u64>,
    by_tenant: BTreeMap<&'a str, u64>,
    by_action: BTreeMap<&'a str, u64>,
    by_day: BTreeMap<String, BTreeMap<&'static str, u64>>,
}

#[derive(Serialize)]
struct Generator {
    name: &'static str,
    version: &'static str,
}

/// The `--since/--until` window asked for.
#[derive(Serialize)]
struct Window {
    since: Option<String>,
    until: Option<String>,
}

/// The first and last event counted.
#[derive(Serialize)]
struct Period {
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct InputsDoc<'a> {
    files: u64,
    bytes: u64,
    lines: u64,
    records: u64,
    matched: u64,
    other: u64,
    malformed: u64,
    unreadable: usize,
    formats: &'a BTreeMap<String, u64>,
    errors: Vec<ErrorDoc<'a>>,
    malformed_samples: Vec<MalformedDoc<'a>>,
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct MalformedDoc<'a> {
    file: &'a str,
    line: u64,
    record: Option<u64>,
    reason: &'a str,
}

#[derive(Serialize)]
struct Totals {
    events: u64,
    distinct_actors: usize,
    duplicates: u64,
    filtered: u64,
}

#[derive(Serialize)]
struct CauseDoc<'a> {
    title: &'a str,
    count: u64,
    distinct_actors: usize,
    first_seen: Option<String>,
    last_seen: Option<String>,
    top_actors: Vec<Count<'a>>,
    actors: &'a BTreeMap<String, u64>,
    remediation: Remediation<'a>,
}

#[derive(Serialize)]
struct Remediation<'a> {
    summary: &'a str,
    steps: &'a [String],
}

#[derive(Serialize)]
struct Count<'a> {
    actor: &'a str,
    count: u64,
}

impl SummaryWriter for Json {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &document(ctx))?;
        out.write_all(b"\n")
    }
}

fn document<'a>(ctx: &'a SummaryContext<'a>) -> SummaryDoc<'a> {
    let s: &Summary = ctx.summary;
    SummaryDoc {
        schema: SCHEMA,
        generator: Generator {
            name: "keydeny",
            version: env!("CARGO_PKG_VERSION"),
        },
        rules_digest: &ctx.rules.digest,
        window: Window {
            since: ctx.window.since.map(utc),
            until: ctx.window.until.map(utc),
        },
        period: Period {
            first: s.total.first.map(utc),
            last: s.total.last.map(utc),
        },
        inputs: inputs(s),
        totals: Totals {
            events: s.total.count,
            distinct_actors: s.total.actors.len(),
            duplicates: s.duplicates,
            filtered: s.filtered,
        },
        by_cause: s
            .by_cause
            .iter()
            .map(|(c, g)| (c.id(), cause_doc(ctx, *c, g)))
            .collect(),
        top_actors: counts(&s.total, ctx.top),
        by_platform: s.by_platform.iter().map(|(p, n)| (p.id(), *n)).collect(),
        by_tenant: s.by_tenant.iter().map(|(t, n)| (t.as_str(), *n)).collect(),
        by_action: s.by_action.iter().map(|(a, n)| (a.as_str(), *n)).collect(),
        by_day: s
            .by_day
            .iter()
            .map(|(day, causes)| {
                let mut row: BTreeMap<&'static str, u64> =
                    causes.iter().map(|(c, n)| (c.id(), *n)).collect();
                row.insert("total", causes.values().sum());
                (day.to_string(), row)
            })
            .collect(),
    }
}

fn inputs(s: &Summary) -> InputsDoc<'_> {
    let i = &s.inputs;
    InputsDoc {
        files: i.files,
        bytes: i.bytes,
        lines: i.lines,
        records: i.records,
        matched: i.matched,
        other: i.other,
        malformed: i.malformed,
        unreadable: i.errors.len(),
        formats: &i.formats,
        errors: i
            .errors
            .iter()
            .map(|e| ErrorDoc {
                file: &e.file,
                message: &e.message,
            })
            .collect(),
        malformed_samples: i
            .malformed_samples
            .iter()
            .map(|(file, m)| MalformedDoc {
                file,
                line: m.line,
                record: m.record,
                reason: &m.reason,
            })
            .collect(),
    }
}

fn cause_doc<'a>(
    ctx: &'a SummaryContext<'a>,
    cause: crate::event::Cause,
    g: &'a Group,
) -> CauseDoc<'a> {
    let doc = ctx.rules.cause_doc(cause);
    CauseDoc {
        title: doc.map_or("", |d| d.title.as_str()),
        count: g.count,
        distinct_actors: g.actors.len(),
        first_seen: g.first.map(|t| utc_opt(Some(t))),
        last_seen: g.last.map(|t| utc_opt(Some(t))),
        top_actors: counts(g, ctx.top),
        actors: &g.actors,
        remediation: Remediation {
            summary: doc.map_or("", |d| d.todo.as_str()),
            steps: doc.map_or(&[], |d| d.steps.as_slice()),
        },
    }
}

fn counts(group: &Group, n: usize) -> Vec<Count<'_>> {
    top(&group.actors, n)
        .into_iter()
        .map(|(actor, count)| Count {
            actor: actor.as_str(),
            count,
        })
        .collect()
}
