//! Sparklines: events per cause over the report's period as a row of Unicode blocks
//! (`▁▂▃▄▅▆▇█`), or ASCII (`.:-=+*#@`) for `--ascii` and non-UTF-8 locales, so a spike shows
//! at a glance in the summary table. Counts come from the summary's 15-minute timeline.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::aggregate::quarter_hour;
use crate::event::Cause;

/// Cells per sparkline.
pub const CELLS: usize = 16;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII: [char; 8] = ['.', ':', '-', '=', '+', '*', '#', '@'];

/// The period split into [`CELLS`] equal slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slots {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Slots {
    /// The slots covering `start..=end`; `None` without a period.
    pub fn new(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<Slots> {
        let (start, end) = (start?, end?);
        Some(Slots {
            start: quarter_hour(start),
            end: end.max(start),
        })
    }

    /// How long one cell is (at least 15 minutes, the timeline's resolution).
    pub fn step(&self) -> Duration {
        let span = self.end - self.start + Duration::minutes(15);
        (span / CELLS as i32).max(Duration::minutes(15))
    }

    /// Events of `cause` per slot.
    pub fn counts(
        &self,
        timeline: &BTreeMap<DateTime<Utc>, BTreeMap<Cause, u64>>,
        cause: Cause,
    ) -> [u64; CELLS] {
        let mut counts = [0; CELLS];
        let step = self.step().num_seconds().max(1);
        for (bucket, causes) in timeline.range(self.start..=self.end) {
            let slot = ((*bucket - self.start).num_seconds() / step) as usize;
            counts[slot.min(CELLS - 1)] += causes.get(&cause).copied().unwrap_or(0);
        }
        counts
    }
}

/// One cell per count, scaled to the largest; an empty slot is a space.
pub fn sparkline(counts: &[u64], ascii: bool) -> String {
    let ramp = if ascii { &ASCII } else { &BLOCKS };
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&n| match n {
            0 => ' ',
            n => ramp[((n * 8 - 1) / max).min(7) as usize],
        })
        .collect()
}

/// `3h 15m`, `2d 4h`, `45m`: a slot's length in words.
pub fn human(duration: Duration) -> String {
    let minutes = duration.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (mins, "m")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .take(2)
        .collect();
    if parts.is_empty() {
        "15m".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn blocks_scale_to_the_largest_count() {
        assert_eq!(sparkline(&[0, 1, 2, 4, 8], false), " ▁▂▄█");
        assert_eq!(sparkline(&[0, 1, 2, 4, 8], true), " .:=@");
        assert_eq!(sparkline(&[0, 0], false), "  ");
        assert_eq!(sparkline(&[3, 3], true), "@@");
    }

    #[test]
    fn events_land_in_their_slot() {
        let slots = Slots::new(
            Some(at("2024-05-01T00:00:00Z")),
            Some(at("2024-05-04T23:45:00Z")),
        )
        .unwrap();
        assert_eq!(slots.step(), Duration::hours(6));
        assert_eq!(human(slots.step()), "6h");
        let mut timeline = BTreeMap::new();
        for (time, n) in [("2024-05-01T00:00:00Z", 1), ("2024-05-04T23:45:00Z", 5)] {
            timeline.insert(at(time), BTreeMap::from([(Cause::MfaRequired, n)]));
        }
        let counts = slots.counts(&timeline, Cause::MfaRequired);
        assert_eq!(counts[0], 1);
        assert_eq!(counts[CELLS - 1], 5);
        assert_eq!(counts.iter().sum::<u64>(), 6);
        assert_eq!(human(Duration::minutes(3 * 60 + 25)), "3h 25m");
        assert_eq!(human(Duration::minutes(2 * 1440 + 61)), "2d 1h");
    }
}
