//! Window pruning for object-store listings: which directories of the known log-delivery
//! layouts are date partitions, the span of time each covers, and whether a `--since/--until`
//! window can find events in it. Pure functions of names and times (no I/O).
//!
//! Known layouts (components below the bucket or container, which counts as the first):
//! - CloudTrail: `AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/`
//! - GCS log sinks: `cloudaudit.googleapis.com/<log>/YYYY/MM/DD/`
//! - Azure diagnostic settings: `insights-.../.../y=YYYY/m=MM/d=DD/h=HH/m=MM/`
//!
//! A partition is named for when its objects were delivered (CloudTrail, GCS) or for the
//! hour of its events (Azure); delivery runs minutes to hours behind the events, so a
//! partition is kept when it lies within [`SLACK`] (one day) of the window on either side.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::config::Window;

/// How far outside the window a date partition may lie and still be listed: delivery delay
/// (CloudTrail delivers within about 15 minutes, log sinks within the hour) with room to spare.
pub const SLACK: Duration = Duration::days(1);

/// How long before `--since` an object may have been written last and still hold an event
/// at or after it (clocks of the logging system and the store disagree by minutes at most).
pub const WRITE_SLACK: Duration = Duration::hours(1);

/// The time span `[start, end)` a directory covers, when it is a date partition of a known
/// layout; `components` are the bucket (or container) and the directory names below it.
pub fn span(components: &[&str]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let dates = date_components(components)?;
    if dates.is_empty() {
        return None;
    }
    let mut fields = [None; 4];
    for (slot, value) in fields.iter_mut().zip(dates) {
        *slot = Some(value);
    }
    let [year, month, day, hour] = fields;
    let year = i32::try_from(year?)
        .ok()
        .filter(|y| (1970..=9999).contains(y))?;
    let start_day = NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1))?;
    let start = Utc.from_utc_datetime(&start_day.and_hms_opt(hour.unwrap_or(0), 0, 0)?);
    let end = match (month, day, hour) {
        (None, _, _) => {
            Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(year + 1, 1, 1)?.and_hms_opt(0, 0, 0)?)
        }
        (Some(m), None, _) => {
            let (y, m) = if m == 12 {
                (year + 1, 1)
            } else {
                (year, m + 1)
            };
            Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?)
        }
        (Some(_), Some(_), None) => start + Duration::days(1),
        (Some(_), Some(_), Some(_)) => start + Duration::hours(1),
    };
    Some((start, end))
}

/// Whether a partition spanning `[start, end)` can hold events inside `window`.
pub fn may_hold(window: &Window, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    window.until.is_none_or(|until| start - SLACK < until)
        && window.since.is_none_or(|since| end + SLACK > since)
}

/// Whether an object last written at `modified` can hold events inside `window`: nothing
/// written before `--since` holds later events (up to [`WRITE_SLACK`] of clock skew).
pub fn written_in_time(window: &Window, modified: DateTime<Utc>) -> bool {
    window
        .since
        .is_none_or(|since| modified + WRITE_SLACK >= since)
}

/// The numbers of the date components that end `components`, outermost first, when the
/// path is inside a known layout: `[2024, 5, 2]` for `.../CloudTrail/us-east-1/2024/05/02`.
/// `Some(empty)` above the date levels, `None` when no layout applies or a name is not a
/// date of the layout.
fn date_components(components: &[&str]) -> Option<Vec<u32>> {
    if let Some(anchor) = components
        .iter()
        .position(|c| *c == "CloudTrail" || *c == "cloudaudit.googleapis.com")
    {
        // Skip the region (CloudTrail) or the log name (GCS): YYYY/MM/DD follow.
        let dates = components.get(anchor + 2..).unwrap_or(&[]);
        return slash_dates(dates);
    }
    if components.iter().any(|c| c.starts_with("insights-")) {
        return hive_dates(components);
    }
    None
}

/// `YYYY`, `MM`, `DD` directory names (at most three).
fn slash_dates(names: &[&str]) -> Option<Vec<u32>> {
    if names.len() > 3 {
        return None;
    }
    let widths = [4, 2, 2];
    names
        .iter()
        .zip(widths)
        .map(|(name, width)| number(name, width))
        .collect()
}

/// Trailing `y=YYYY/m=MM/d=DD/h=HH` names (a final `m=00` minute level is ignored); names
/// above them (`resourceId=...`, `SUBSCRIPTIONS/...`) are not dates.
fn hive_dates(names: &[&str]) -> Option<Vec<u32>> {
    let Some(first) = names.iter().position(|n| n.starts_with("y=")) else {
        return Some(Vec::new());
    };
    let keys = [("y=", 4), ("m=", 2), ("d=", 2), ("h=", 2), ("m=", 2)];
    let dates = &names[first..];
    if dates.len() > keys.len() {
        return None;
    }
    let mut values = Vec::with_capacity(4);
    for (name, (key, width)) in dates.iter().zip(keys).take(4) {
        values.push(number(name.strip_prefix(key)?, width)?);
    }
    Some(values)
}

fn number(text: &str, width: usize) -> Option<u32> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .expect("test time")
    }

    fn parts(path: &str) -> Vec<&str> {
        path.split('/').filter(|c| !c.is_empty()).collect()
    }

    #[test]
    fn spans_of_known_layouts() {
        let cases = [
            (
                "trail/AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/02",
                Some(("2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z")),
            ),
            (
                "trail/AWSLogs/o-abc/123456789012/CloudTrail/eu-west-1/2024/12",
                Some(("2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z")),
            ),
            (
                "trail/AWSLogs/123456789012/CloudTrail/us-east-1/2024",
                Some(("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")),
            ),
            (
                "sink/cloudaudit.googleapis.com/activity/2024/05/02",
                Some(("2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z")),
            ),
            (
                "insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/S/y=2024/m=05/d=02/h=10",
                Some(("2024-05-02T10:00:00Z", "2024-05-02T11:00:00Z")),
            ),
            (
                "insights-activity-logs/resourceId=/SUBSCRIPTIONS/S/y=2024/m=05/d=02/h=10/m=00",
                Some(("2024-05-02T10:00:00Z", "2024-05-02T11:00:00Z")),
            ),
            (
                "insights-activity-logs/resourceId=/SUBSCRIPTIONS/S/y=2024/m=05",
                Some(("2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z")),
            ),
            // Not partitions: above the date levels, outside a known layout, not a date.
            ("trail/AWSLogs/123456789012/CloudTrail/us-east-1", None),
            ("trail/AWSLogs/123456789012/CloudTrail", None),
            ("bucket/logs/2024/05/02", None),
            ("trail/AWSLogs/1/CloudTrail/us-east-1/2024/13", None),
            ("trail/AWSLogs/1/CloudTrail/us-east-1/2024/02/30", None),
            ("trail/AWSLogs/1/CloudTrail/us-east-1/24/05", None),
            (
                "trail/AWSLogs/1/CloudTrail/us-east-1/2024/05/02/extra",
                None,
            ),
            (
                "insights-logs-x/resourceId=/SUBSCRIPTIONS/S/y=2024/d=05",
                None,
            ),
            ("insights-logs-x/resourceId=/SUBSCRIPTIONS/S", None),
        ];
        for (path, expected) in cases {
            let got = span(&parts(path));
            let expected = expected.map(|(a, b)| (at(a), at(b)));
            assert_eq!(got, expected, "{path}");
        }
    }

    #[test]
    fn a_day_of_slack_either_side() {
        let window = Window {
            since: Some(at("2024-05-10T12:00:00Z")),
            until: Some(at("2024-05-11T12:00:00Z")),
        };
        let day = |d: &str| {
            let start = at(&format!("{d}T00:00:00Z"));
            may_hold(&window, start, start + Duration::days(1))
        };
        assert!(!day("2024-05-08"));
        assert!(
            day("2024-05-09"),
            "delivered a day early is impossible, kept by slack"
        );
        assert!(day("2024-05-10"));
        assert!(day("2024-05-11"));
        assert!(day("2024-05-12"), "delivered up to a day late");
        assert!(!day("2024-05-13"));
        let open = Window::default();
        assert!(may_hold(
            &open,
            at("1999-01-01T00:00:00Z"),
            at("1999-01-02T00:00:00Z")
        ));
    }

    #[test]
    fn objects_written_before_the_window_hold_no_events_in_it() {
        let window = Window {
            since: Some(at("2024-05-10T12:00:00Z")),
            until: None,
        };
        assert!(!written_in_time(&window, at("2024-05-10T10:59:59Z")));
        assert!(written_in_time(&window, at("2024-05-10T11:00:00Z")));
        assert!(written_in_time(
            &Window::default(),
            at("2000-01-01T00:00:00Z")
        ));
    }
}
