//! Comparing a summary with a baseline (an earlier summary JSON, `--baseline FILE`): per cause
//! and per top actor, whether denials are new, rising, falling, steady or gone.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::aggregate::{Summary, top};
use crate::event::Cause;

/// How a count moved against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    New,
    Rising,
    Steady,
    Falling,
    Gone,
}

impl Change {
    pub fn of(before: u64, after: u64) -> Change {
        match (before, after) {
            (0, _) => Change::New,
            (_, 0) => Change::Gone,
            (b, a) if a > b => Change::Rising,
            (b, a) if a < b => Change::Falling,
            _ => Change::Steady,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Rising => "rising",
            Change::Steady => "steady",
            Change::Falling => "falling",
            Change::Gone => "gone",
        }
    }

    /// `12 (was 4, rising)`.
    pub fn describe(self, before: u64) -> String {
        match self {
            Change::New => "new".into(),
            other => format!("was {before}, {}", other.id()),
        }
    }
}

/// One compared count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendRow {
    pub key: String,
    pub before: u64,
    pub after: u64,
    pub change: Change,
}

/// The comparison with a baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub baseline: String,
    pub total: TrendRow,
    pub by_cause: Vec<TrendRow>,
    pub actors: Vec<TrendRow>,
}

impl Trend {
    /// Compare `now` with `before` (named `baseline` in reports); actors are the top `n` of
    /// either side.
    pub fn new(baseline: &str, before: &Summary, now: &Summary, n: usize) -> Trend {
        let row = |key: String, b: u64, a: u64| TrendRow {
            key,
            before: b,
            after: a,
            change: Change::of(b, a),
        };
        let causes: BTreeSet<Cause> = before
            .by_cause
            .keys()
            .chain(now.by_cause.keys())
            .copied()
            .collect();
        let count = |s: &Summary, c: &Cause| s.by_cause.get(c).map_or(0, |g| g.count);
        let mut actors: Vec<&String> = top(&now.total.actors, n)
            .into_iter()
            .chain(top(&before.total.actors, n))
            .map(|(a, _)| a)
            .collect();
        actors.sort();
        actors.dedup();
        let actor_count = |s: &Summary, a: &String| s.total.actors.get(a).copied().unwrap_or(0);
        let mut actor_rows: Vec<TrendRow> = actors
            .into_iter()
            .map(|a| row(a.clone(), actor_count(before, a), actor_count(now, a)))
            .collect();
        actor_rows.sort_by(|x, y| {
            y.after
                .cmp(&x.after)
                .then(y.before.cmp(&x.before))
                .then(x.key.cmp(&y.key))
        });
        Trend {
            baseline: baseline.to_string(),
            total: row("total".into(), before.total.count, now.total.count),
            by_cause: causes
                .iter()
                .map(|c| row(c.id().to_string(), count(before, c), count(now, c)))
                .collect(),
            actors: actor_rows,
        }
    }

    pub fn cause(&self, cause: Cause) -> Option<&TrendRow> {
        self.by_cause.iter().find(|r| r.key == cause.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes() {
        let cases = [
            ((0, 3), Change::New),
            ((3, 0), Change::Gone),
            ((2, 5), Change::Rising),
            ((5, 2), Change::Falling),
            ((4, 4), Change::Steady),
        ];
        for ((before, after), expected) in cases {
            assert_eq!(Change::of(before, after), expected);
        }
        assert_eq!(Change::Rising.describe(4), "was 4, rising");
    }
}
