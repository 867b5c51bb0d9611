//! The [`Summary`]: counts by cause, actor, platform, tenant and day, plus the account of the
//! inputs. A mergeable value: `Default` is the identity and `merge` is associative and
//! commutative, so per-thread, per-file or per-machine summaries combine exactly.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::event::{Cause, Event, Platform};
use crate::source::remote::ObjectCounts;

/// A malformed record: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Malformed {
    pub line: u64,
    pub record: Option<u64>,
    pub reason: String,
}

/// One input that could not be read (or not to its end).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputError {
    pub file: String,
    pub message: String,
}

/// What was read: the evidence of coverage. The one account of inputs: the scanner keeps one
/// per block and per file, `+=` adds them up into the run's, and `merge` into the union's.
/// `records == matched + other + malformed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub files: u64,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    /// Records that are denied key generations (before de-duplication and filters).
    pub matched: u64,
    pub other: u64,
    pub malformed: u64,
    pub errors: Vec<InputError>,
    /// Inputs skipped on purpose (binary files), with the reason.
    pub skipped: Vec<InputError>,
    /// Files read per sniffed (or forced) format.
    pub formats: BTreeMap<String, u64>,
    /// The first malformed records of each file, for the report.
    pub malformed_samples: Vec<(String, Malformed)>,
    /// Per input read, its digest (see [`crate::digest`]) and name: what `merge` checks for
    /// inputs summarised twice.
    pub digests: BTreeMap<String, String>,
    /// Objects listed in object stores, and what window pruning left unread.
    pub objects: ObjectCounts,
}

/// Add up accounts in the order read (the scanner's blocks, a run's files).
impl std::ops::AddAssign for Inputs {
    fn add_assign(&mut self, other: Inputs) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.records += other.records;
        self.matched += other.matched;
        self.other += other.other;
        self.malformed += other.malformed;
        self.errors.extend(other.errors);
        self.skipped.extend(other.skipped);
        merge_counts(&mut self.formats, other.formats);
        self.malformed_samples.extend(other.malformed_samples);
        for (digest, file) in other.digests {
            self.digests.entry(digest).or_insert(file);
        }
        self.objects.merge(other.objects);
    }
}

impl Inputs {
    /// Combine with the account of disjoint inputs, in an order that does not depend on
    /// which came first.
    fn merge(&mut self, other: Inputs) {
        *self += other;
        self.errors.sort();
        self.skipped.sort();
        self.malformed_samples.sort();
    }
}

/// Count, actors and time span of one group of events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub count: u64,
    pub actors: BTreeMap<String, u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl Group {
    fn add(&mut self, event: &Event) {
        self.count += 1;
        if let Some(actor) = &event.actor {
            *self.actors.entry(actor.clone()).or_default() += 1;
        }
        extend_span(&mut self.first, &mut self.last, event.time, event.time);
    }

    fn merge(&mut self, other: Group) {
        self.count += other.count;
        merge_counts(&mut self.actors, other.actors);
        extend_span(&mut self.first, &mut self.last, other.first, other.last);
    }

    /// The `n` actors with most events (ties by name).
    pub fn top_actors(&self, n: usize) -> Vec<(&str, u64)> {
        top(&self.actors, n)
            .into_iter()
            .map(|(a, c)| (a.as_str(), c))
            .collect()
    }
}

/// A dimension events are grouped by (`summary --by`, `merge --by`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum GroupBy {
    Actor,
    Tenant,
    Platform,
    SourceIp,
    Action,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Actor,
        GroupBy::Tenant,
        GroupBy::Platform,
        GroupBy::SourceIp,
        GroupBy::Action,
    ];

    pub fn id(self) -> &'static str {
        match self {
            GroupBy::Actor => "actor",
            GroupBy::Tenant => "tenant",
            GroupBy::Platform => "platform",
            GroupBy::SourceIp => "source-ip",
            GroupBy::Action => "action",
        }
    }

    pub fn from_id(id: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.id() == id)
    }

    /// The key of `event` in this dimension; `(none)` when the event has no such field.
    pub fn key(self, event: &Event) -> String {
        match self {
            GroupBy::Actor => event.actor.clone(),
            GroupBy::Tenant => event.tenant.clone(),
            GroupBy::Platform => Some(event.platform.id().to_string()),
            GroupBy::SourceIp => event.source_ip.clone(),
            GroupBy::Action => Some(event.action.clone()),
        }
        .unwrap_or_else(|| "(none)".to_string())
    }
}

/// The events of one key of a dimension: how many, of which causes, and when.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyGroup {
    pub count: u64,
    pub causes: BTreeMap<Cause, u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl KeyGroup {
    fn add(&mut self, event: &Event) {
        self.count += 1;
        *self.causes.entry(event.cause).or_default() += 1;
        extend_span(&mut self.first, &mut self.last, event.time, event.time);
    }

    fn merge(&mut self, other: KeyGroup) {
        self.count += other.count;
        merge_counts(&mut self.causes, other.causes);
        extend_span(&mut self.first, &mut self.last, other.first, other.last);
    }
}

/// The summary of a set of denied key-generation events and the inputs they came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub inputs: Inputs,
    /// Events counted once only (a CloudTrail eventID delivered twice).
    pub duplicates: u64,
    /// Events left out by `--since/--until/--platform/--cause/--actor`.
    pub filtered: u64,
    pub total: Group,
    pub by_cause: BTreeMap<Cause, Group>,
    pub by_platform: BTreeMap<Platform, u64>,
    pub by_tenant: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
    pub by_source_ip: BTreeMap<String, u64>,
    pub by_day: BTreeMap<NaiveDate, BTreeMap<Cause, u64>>,
    /// Events per cause in 15-minute UTC buckets (keyed by bucket start): fine enough to
    /// regroup exactly by hour or by day in any time zone (all offsets are multiples of 15
    /// minutes).
    pub timeline: BTreeMap<DateTime<Utc>, BTreeMap<Cause, u64>>,
    /// Per dimension of `--by`, per key: what `summary --by` and `merge --by` list.
    pub groups: BTreeMap<GroupBy, BTreeMap<String, KeyGroup>>,
}

/// The start of the 15-minute bucket holding `time`.
pub fn quarter_hour(time: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = time.timestamp();
    let start = seconds - seconds.rem_euclid(900);
    DateTime::from_timestamp(start, 0).unwrap_or(time)
}

impl Summary {
    /// Count one event.
    pub fn add(&mut self, event: &Event) {
        self.total.add(event);
        self.by_cause.entry(event.cause).or_default().add(event);
        *self.by_platform.entry(event.platform).or_default() += 1;
        if let Some(tenant) = &event.tenant {
            *self.by_tenant.entry(tenant.clone()).or_default() += 1;
        }
        *self.by_action.entry(event.action.clone()).or_default() += 1;
        if let Some(ip) = &event.source_ip {
            *self.by_source_ip.entry(ip.clone()).or_default() += 1;
        }
        if let Some(time) = event.time {
            *self
                .by_day
                .entry(time.date_naive())
                .or_default()
                .entry(event.cause)
                .or_default() += 1;
            *self
                .timeline
                .entry(quarter_hour(time))
                .or_default()
                .entry(event.cause)
                .or_default() += 1;
        }
        for by in GroupBy::ALL {
            let keys = self.groups.entry(by).or_default();
            keys.entry(by.key(event)).or_default().add(event);
        }
    }

    /// Combine with the summary of disjoint inputs.
    pub fn merge(&mut self, other: Summary) {
        self.inputs.merge(other.inputs);
        self.duplicates += other.duplicates;
        self.filtered += other.filtered;
        self.total.merge(other.total);
        for (cause, group) in other.by_cause {
            self.by_cause.entry(cause).or_default().merge(group);
        }
        merge_counts(&mut self.by_platform, other.by_platform);
        merge_counts(&mut self.by_tenant, other.by_tenant);
        merge_counts(&mut self.by_action, other.by_action);
        merge_counts(&mut self.by_source_ip, other.by_source_ip);
        for (day, causes) in other.by_day {
            merge_counts(self.by_day.entry(day).or_default(), causes);
        }
        for (bucket, causes) in other.timeline {
            merge_counts(self.timeline.entry(bucket).or_default(), causes);
        }
        for (by, keys) in other.groups {
            let into = self.groups.entry(by).or_default();
            for (key, group) in keys {
                into.entry(key).or_default().merge(group);
            }
        }
    }

    /// Causes by descending count (ties in taxonomy order).
    pub fn causes_by_count(&self) -> Vec<(Cause, &Group)> {
        let mut causes: Vec<(Cause, &Group)> = self.by_cause.iter().map(|(c, g)| (*c, g)).collect();
        causes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
        causes
    }
}

/// The `n` keys with the highest counts, ties broken by key.
pub fn top<K: Ord>(counts: &BTreeMap<K, u64>, n: usize) -> Vec<(&K, u64)> {
    let mut entries: Vec<(&K, u64)> = counts.iter().map(|(k, v)| (k, *v)).collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    entries.truncate(n);
    entries
}

pub fn merge_counts<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (key, count) in from {
        *into.entry(key).or_default() += count;
    }
}

fn extend_span(
    first: &mut Option<DateTime<Utc>>,
    last: &mut Option<DateTime<Utc>>,
    other_first: Option<DateTime<Utc>>,
    other_last: Option<DateTime<Utc>>,
) {
    *first = match (*first, other_first) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    *last = match (*last, other_last) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn event(n: u64) -> Event {
        let cause = Cause::ALL[(n % 8) as usize];
        Event {
            time: (n % 5 != 0).then(|| {
                Utc.timestamp_opt(1_714_600_000 + (n as i64 * 7919) % 300_000, 0)
                    .unwrap()
            }),
            platform: if n % 3 == 0 {
                Platform::Aws
            } else {
                Platform::App
            },
            format: "text",
            action: format!("action{}", n % 4),
            actor: (n % 7 != 0).then(|| format!("actor{}", n % 11)),
            tenant: (n % 2 == 0).then(|| format!("tenant{}", n % 3)),
            source_ip: (n % 4 == 0).then(|| format!("203.0.113.{}", n % 9)),
            resource: None,
            cause,
            reason: String::new(),
            request_id: None,
            rule: String::new(),
            dedup_key: None,
            file: Arc::from("f"),
            line: n,
            record: None,
        }
    }

    fn summary_of(events: &[Event]) -> Summary {
        let mut summary = Summary::default();
        events.iter().for_each(|e| summary.add(e));
        summary
    }

    proptest! {
        /// Any split of the events, summarised part by part and merged in any grouping,
        /// equals the summary of them all.
        #[test]
        fn merge_is_exact(count in 0u64..200, cuts in proptest::collection::vec(0usize..200, 0..6)) {
            let events: Vec<Event> = (0..count).map(event).collect();
            let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(events.len())).collect();
            bounds.push(0);
            bounds.push(events.len());
            bounds.sort();
            let parts: Vec<Summary> = bounds.windows(2).map(|w| summary_of(&events[w[0]..w[1]])).collect();
            let mut left = Summary::default();
            parts.iter().cloned().for_each(|p| left.merge(p));
            let mut right = Summary::default();
            parts.into_iter().rev().for_each(|p| { let mut p = p; p.merge(right.clone()); right = p; });
            let whole = summary_of(&events);
            prop_assert_eq!(&left, &whole);
            prop_assert_eq!(&right, &whole);
        }
    }
}
