//! The versioned summary JSON (`keydeny.summary/v2`): stable keys, UTC times, causes in
//! taxonomy order. v2 added the input digests (`inputs.digests`, `inputs.digest`) that let
//! `merge` refuse overlapping inputs; v1 documents are still read. It carries full actor counts and 15-minute timeline buckets, so a summary
//! read back ([`read_summary`]) merges with others exactly (`keydeny merge`) and serves as a
//! baseline.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{SummaryContext, SummaryWriter, utc};
use crate::aggregate::Malformed;
use crate::aggregate::{Group, GroupBy, InputError, Inputs, KeyGroup, Summary, top};
use crate::config::Window;
use crate::event::{Cause, Platform};
use crate::source::remote::ObjectCounts;

pub const SCHEMA: &str = "keydeny.summary/v2";

/// Older schemas still read (as baseline or by `merge`).
pub const READS: [&str; 2] = [SCHEMA, "keydeny.summary/v1"];

fn yes() -> bool {
    true
}

pub struct Json;

/// The whole document. Owned, so the same type is written and read back.
#[derive(Debug, Serialize, Deserialize)]
pub struct SummaryDoc {
    pub schema: String,
    pub generator: Generator,
    pub rules_digest: String,
    /// False when made with `--no-redact`.
    #[serde(default = "yes")]
    pub redaction: bool,
    pub window: WindowDoc,
    pub period: Period,
    pub inputs: InputsDoc,
    pub totals: Totals,
    pub thresholds: Vec<ThresholdDoc>,
    pub by_cause: BTreeMap<Cause, CauseDoc>,
    pub top_actors: Vec<Count>,
    pub actors: BTreeMap<String, u64>,
    pub by_platform: BTreeMap<Platform, u64>,
    pub by_tenant: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
    pub by_source_ip: BTreeMap<String, u64>,
    pub by_day: BTreeMap<NaiveDate, BTreeMap<String, u64>>,
    pub timeline: BTreeMap<String, BTreeMap<Cause, u64>>,
    /// Per `--by` dimension (`actor`, `tenant`, ...), per key: count, causes and time span,
    /// so that `merge --by` lists what `summary --by` would. Absent before this field.
    #[serde(default)]
    pub groups: BTreeMap<String, BTreeMap<String, KeyGroupDoc>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct KeyGroupDoc {
    pub count: u64,
    pub causes: BTreeMap<Cause, u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

/// The `--since/--until` window asked for.
#[derive(Debug, Serialize, Deserialize)]
pub struct WindowDoc {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The first and last event counted.
#[derive(Debug, Serialize, Deserialize)]
pub struct Period {
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InputsDoc {
    pub files: u64,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub matched: u64,
    pub other: u64,
    pub malformed: u64,
    pub unreadable: usize,
    pub formats: BTreeMap<String, u64>,
    pub errors: Vec<ErrorDoc>,
    #[serde(default)]
    pub skipped: Vec<ErrorDoc>,
    pub malformed_samples: Vec<MalformedDoc>,
    /// Of every input read: its digest (first 64 KiB, decompressed) and name (v2).
    #[serde(default)]
    pub digests: Vec<DigestDoc>,
    /// The digest of all input digests: equal for summaries of the same inputs (v2).
    #[serde(default)]
    pub digest: String,
    /// Object-store listings: objects found, those not read because window pruning ruled
    /// them out, and date partitions never listed.
    #[serde(default)]
    pub objects: ObjectsDoc,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DigestDoc {
    pub file: String,
    pub digest: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ObjectsDoc {
    pub listed: u64,
    pub skipped: u64,
    pub partitions_skipped: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorDoc {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MalformedDoc {
    pub file: String,
    pub line: u64,
    pub record: Option<u64>,
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Totals {
    pub events: u64,
    pub distinct_actors: usize,
    pub duplicates: u64,
    pub filtered: u64,
}

/// A `--fail-on` threshold and whether it fired.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ThresholdDoc {
    pub threshold: String,
    pub count: u64,
    pub limit: u64,
    pub fired: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CauseDoc {
    pub title: String,
    pub count: u64,
    pub distinct_actors: usize,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub top_actors: Vec<Count>,
    pub actors: BTreeMap<String, u64>,
    pub remediation: Remediation,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Remediation {
    pub summary: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Count {
    pub actor: String,
    pub count: u64,
}

impl SummaryWriter for Json {
    fn write_summary(&self, ctx: &SummaryContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = serde_json::Serializer::with_formatter(
            &mut *out,
            serde_json::ser::PrettyFormatter::with_indent(b"  "),
        );
        document(ctx).serialize(&mut writer)?;
        out.write_all(b"\n")
    }
}

/// The document for a summary and its context.
pub fn document(ctx: &SummaryContext<'_>) -> SummaryDoc {
    let s: &Summary = ctx.summary;
    SummaryDoc {
        schema: SCHEMA.into(),
        generator: Generator {
            name: "keydeny".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        rules_digest: ctx.rules_digest.to_string(),
        redaction: ctx.redacted,
        window: WindowDoc {
            since: ctx.window.since,
            until: ctx.window.until,
        },
        period: Period {
            first: s.total.first,
            last: s.total.last,
        },
        inputs: inputs_doc(&s.inputs),
        totals: Totals {
            events: s.total.count,
            distinct_actors: s.total.actors.len(),
            duplicates: s.duplicates,
            filtered: s.filtered,
        },
        thresholds: ctx.thresholds.to_vec(),
        by_cause: s
            .by_cause
            .iter()
            .map(|(c, g)| (*c, cause_doc(ctx, *c, g)))
            .collect(),
        top_actors: counts(&s.total, ctx.top),
        actors: s.total.actors.clone(),
        by_platform: s.by_platform.clone(),
        by_tenant: s.by_tenant.clone(),
        by_action: s.by_action.clone(),
        by_source_ip: s.by_source_ip.clone(),
        by_day: s
            .by_day
            .iter()
            .map(|(day, causes)| {
                let mut row: BTreeMap<String, u64> = causes
                    .iter()
                    .map(|(c, n)| (c.id().to_string(), *n))
                    .collect();
                row.insert("total".into(), causes.values().sum());
                (*day, row)
            })
            .collect(),
        timeline: s
            .timeline
            .iter()
            .map(|(t, causes)| (utc(*t), causes.clone()))
            .collect(),
        groups: s
            .groups
            .iter()
            .map(|(by, keys)| {
                let keys = keys
                    .iter()
                    .map(|(key, g)| {
                        let doc = KeyGroupDoc {
                            count: g.count,
                            causes: g.causes.clone(),
                            first: g.first,
                            last: g.last,
                        };
                        (key.clone(), doc)
                    })
                    .collect();
                (by.id().to_string(), keys)
            })
            .collect(),
    }
}

fn inputs_doc(i: &Inputs) -> InputsDoc {
    InputsDoc {
        objects: ObjectsDoc {
            listed: i.objects.listed,
            skipped: i.objects.skipped,
            partitions_skipped: i.objects.partitions_skipped,
        },
        files: i.files,
        bytes: i.bytes,
        lines: i.lines,
        records: i.records,
        matched: i.matched,
        other: i.other,
        malformed: i.malformed,
        unreadable: i.errors.len(),
        formats: i.formats.clone(),
        skipped: i
            .skipped
            .iter()
            .map(|e| ErrorDoc {
                file: e.file.clone(),
                message: e.message.clone(),
            })
            .collect(),
        errors: i
            .errors
            .iter()
            .map(|e| ErrorDoc {
                file: e.file.clone(),
                message: e.message.clone(),
            })
            .collect(),
        malformed_samples: i
            .malformed_samples
            .iter()
            .map(|(file, m)| MalformedDoc {
                file: file.clone(),
                line: m.line,
                record: m.record,
                reason: m.reason.clone(),
            })
            .collect(),
        digests: i
            .digests
            .iter()
            .map(|(digest, file)| DigestDoc {
                file: file.clone(),
                digest: digest.clone(),
            })
            .collect(),
        digest: crate::digest::of_summary(&i.digests),
    }
}

fn cause_doc(ctx: &SummaryContext<'_>, cause: Cause, g: &Group) -> CauseDoc {
    let doc = ctx.rules.cause_doc(cause);
    CauseDoc {
        title: doc.map(|d| d.title.clone()).unwrap_or_default(),
        count: g.count,
        distinct_actors: g.actors.len(),
        first_seen: g.first,
        last_seen: g.last,
        top_actors: counts(g, ctx.top),
        actors: g.actors.clone(),
        remediation: Remediation {
            summary: doc.map(|d| d.todo.clone()).unwrap_or_default(),
            steps: doc.map(|d| d.steps.clone()).unwrap_or_default(),
        },
    }
}

fn counts(group: &Group, n: usize) -> Vec<Count> {
    top(&group.actors, n)
        .into_iter()
        .map(|(actor, count)| Count {
            actor: actor.clone(),
            count,
        })
        .collect()
}

/// A summary document read back: the mergeable [`Summary`], its window and rule digest.
pub struct ReadSummary {
    pub summary: Summary,
    pub window: Window,
    pub rules_digest: String,
    pub redaction: bool,
}

/// Read a `keydeny.summary/v2` (or v1) document.
pub fn read_summary(text: &str) -> Result<ReadSummary, String> {
    let doc: SummaryDoc =
        serde_json::from_str(text).map_err(|e| format!("not a keydeny summary: {e}"))?;
    from_doc(doc)
}

/// Read every summary document in `text`: one per line (`summary --format json` piped
/// from many shards) or pretty-printed one after another.
pub fn read_summaries(text: &str) -> Result<Vec<ReadSummary>, String> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<SummaryDoc>()
        .enumerate()
        .map(|(n, doc)| {
            // Documents after the first are numbered (a file of one reads as it always did).
            let at = if n == 0 {
                String::new()
            } else {
                format!("document {}: ", n + 1)
            };
            doc.map_err(|e| format!("{at}not a keydeny summary: {e}"))
                .and_then(|doc| from_doc(doc).map_err(|e| format!("{at}{e}")))
        })
        .collect()
}

fn from_doc(doc: SummaryDoc) -> Result<ReadSummary, String> {
    if !READS.contains(&doc.schema.as_str()) {
        return Err(format!(
            "schema {:?} is not one of {}",
            doc.schema,
            READS.join(", ")
        ));
    }
    let total = Group {
        count: doc.totals.events,
        actors: doc.actors,
        first: doc.period.first,
        last: doc.period.last,
    };
    let by_cause = doc
        .by_cause
        .into_iter()
        .map(|(cause, c)| {
            (
                cause,
                Group {
                    count: c.count,
                    actors: c.actors,
                    first: c.first_seen,
                    last: c.last_seen,
                },
            )
        })
        .collect();
    let by_day = doc
        .by_day
        .into_iter()
        .map(|(day, row)| {
            let causes = row
                .into_iter()
                .filter_map(|(k, n)| Cause::from_id(&k).map(|c| (c, n)))
                .collect();
            (day, causes)
        })
        .collect();
    let timeline = doc
        .timeline
        .into_iter()
        .filter_map(|(t, causes)| {
            DateTime::parse_from_rfc3339(&t)
                .ok()
                .map(|t| (t.with_timezone(&Utc), causes))
        })
        .collect();
    let groups = doc
        .groups
        .into_iter()
        .filter_map(|(by, keys)| {
            let keys = keys
                .into_iter()
                .map(|(key, g)| {
                    let group = KeyGroup {
                        count: g.count,
                        causes: g.causes,
                        first: g.first,
                        last: g.last,
                    };
                    (key, group)
                })
                .collect();
            GroupBy::from_id(&by).map(|by| (by, keys))
        })
        .collect();
    let summary = Summary {
        groups,
        inputs: inputs_from_doc(doc.inputs),
        duplicates: doc.totals.duplicates,
        filtered: doc.totals.filtered,
        total,
        by_cause,
        by_platform: doc.by_platform,
        by_tenant: doc.by_tenant,
        by_action: doc.by_action,
        by_source_ip: doc.by_source_ip,
        by_day,
        timeline,
    };
    Ok(ReadSummary {
        summary,
        window: Window {
            since: doc.window.since,
            until: doc.window.until,
        },
        rules_digest: doc.rules_digest,
        redaction: doc.redaction,
    })
}

fn inputs_from_doc(doc: InputsDoc) -> Inputs {
    Inputs {
        objects: ObjectCounts {
            listed: doc.objects.listed,
            skipped: doc.objects.skipped,
            partitions_skipped: doc.objects.partitions_skipped,
        },
        files: doc.files,
        bytes: doc.bytes,
        lines: doc.lines,
        records: doc.records,
        matched: doc.matched,
        other: doc.other,
        malformed: doc.malformed,
        errors: doc
            .errors
            .into_iter()
            .map(|e| InputError {
                file: e.file,
                message: e.message,
            })
            .collect(),
        formats: doc.formats,
        skipped: doc
            .skipped
            .into_iter()
            .map(|e| InputError {
                file: e.file,
                message: e.message,
            })
            .collect(),
        malformed_samples: doc
            .malformed_samples
            .into_iter()
            .map(|m| {
                (
                    m.file,
                    Malformed {
                        line: m.line,
                        record: m.record,
                        reason: m.reason,
                    },
                )
            })
            .collect(),
        digests: doc
            .digests
            .into_iter()
            .map(|d| (d.digest, d.file))
            .collect(),
    }
}
