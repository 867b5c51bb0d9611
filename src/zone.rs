//! The time zone times are shown in (`--tz`): an IANA name (`Europe/Berlin`) or a fixed offset
//! (`+05:30`, `UTC`). Reports and tables use it; CSV and JSON always stay in UTC. Every time
//! printed carries its offset.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, SecondsFormat, Utc};
use chrono_tz::Tz;

/// A display time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
    }
}

impl FromStr for Zone {
    type Err = String;

    fn from_str(text: &str) -> Result<Zone, String> {
        let text = text.trim();
        if matches!(text, "UTC" | "utc" | "Z" | "z") {
            return Ok(Zone::default());
        }
        if let Some(offset) = parse_offset(text) {
            return Ok(Zone::Fixed(offset));
        }
        Tz::from_str(text).map(Zone::Named).map_err(|_| {
            format!("expected an IANA time zone like Europe/Berlin or an offset like +05:30, found {text:?}")
        })
    }
}

/// `+05:30`, `-0800`, `+02`.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl Zone {
    /// RFC 3339 with this zone's offset, to the second, or to the millisecond when the time
    /// has a fraction (`2024-05-02T15:30:00+05:30`, `2024-05-02T10:00:00.362Z`): what tables
    /// and reports show. CSV and JSON keep full precision (see `report::utc`).
    pub fn format(self, time: DateTime<Utc>) -> String {
        let precision = if time.timestamp_subsec_nanos() == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        self.rfc3339(time, precision)
    }

    /// Like [`Zone::format`], always to the second: for times that did not come from a log
    /// (when a report was generated, a window counted back from the clock).
    pub fn format_secs(self, time: DateTime<Utc>) -> String {
        self.rfc3339(time, SecondsFormat::Secs)
    }

    fn rfc3339(self, time: DateTime<Utc>, precision: SecondsFormat) -> String {
        match self {
            Zone::Named(tz) => time.with_timezone(&tz).to_rfc3339_opts(precision, true),
            Zone::Fixed(offset) => time.with_timezone(&offset).to_rfc3339_opts(precision, true),
        }
    }

    /// The local wall-clock time without the offset, short: `05-02 15:30:00` (with the year,
    /// `2024-05-02 15:30:00`, when `with_year`), milliseconds when the time has a fraction.
    /// For narrow tables whose header names the zone.
    pub fn compact(self, time: DateTime<Utc>, with_year: bool) -> String {
        let local = self.local(time);
        let date = if with_year { "%Y-%m-%d" } else { "%m-%d" };
        let fraction = if time.timestamp_subsec_nanos() == 0 {
            ""
        } else {
            "%.3f"
        };
        local
            .format(&format!("{date} %H:%M:%S{fraction}"))
            .to_string()
    }

    /// The local wall-clock time of `time`.
    pub fn local(self, time: DateTime<Utc>) -> chrono::NaiveDateTime {
        match self {
            Zone::Named(tz) => time.with_timezone(&tz).naive_local(),
            Zone::Fixed(offset) => time.with_timezone(&offset).naive_local(),
        }
    }

    /// The start of `day` in this zone (the first valid local time, should midnight fall
    /// into a DST gap), in UTC.
    pub fn start_of_day(self, day: NaiveDate) -> Option<DateTime<Utc>> {
        use chrono::TimeZone;
        let midnight = day.and_hms_opt(0, 0, 0)?;
        let local = |t: chrono::NaiveDateTime| match self {
            Zone::Named(tz) => tz
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Fixed(offset) => offset
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        };
        (0..=24)
            .map(|h| midnight + chrono::Duration::hours(h))
            .find_map(local)
    }

    pub fn format_secs_opt(self, time: Option<DateTime<Utc>>) -> String {
        time.map(|t| self.format_secs(t)).unwrap_or_default()
    }

    pub fn format_opt(self, time: Option<DateTime<Utc>>) -> String {
        time.map(|t| self.format(t)).unwrap_or_default()
    }

    /// The local calendar day of `time`.
    pub fn day(self, time: DateTime<Utc>) -> NaiveDate {
        match self {
            Zone::Named(tz) => time.with_timezone(&tz).date_naive(),
            Zone::Fixed(offset) => time.with_timezone(&offset).date_naive(),
        }
    }

    /// The local hour of `time`, as `2024-05-02T15:00+05:30`.
    pub fn hour(self, time: DateTime<Utc>) -> String {
        let (local, offset) = match self {
            Zone::Named(tz) => {
                let local = time.with_timezone(&tz);
                (local.naive_local(), local.offset().fix())
            }
            Zone::Fixed(offset) => (time.with_timezone(&offset).naive_local(), offset),
        };
        let hour = local.format("%Y-%m-%dT%H:00").to_string();
        let offset = if offset.local_minus_utc() == 0 {
            "Z".to_string()
        } else {
            offset.to_string()
        };
        format!("{hour}{offset}")
    }

    /// A name for headers: `UTC`, `+05:30`, `Europe/Berlin`.
    pub fn name(self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_string(),
            Zone::Fixed(offset) if offset.local_minus_utc() == 0 => "UTC".into(),
            Zone::Fixed(offset) => offset.to_string(),
        }
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
    fn offsets_and_names() {
        let t = at("2024-05-02T10:00:00Z");
        let cases = [
            ("UTC", "2024-05-02T10:00:00Z"),
            ("+05:30", "2024-05-02T15:30:00+05:30"),
            ("-0800", "2024-05-02T02:00:00-08:00"),
            ("Europe/Berlin", "2024-05-02T12:00:00+02:00"),
            ("America/New_York", "2024-05-02T06:00:00-04:00"),
        ];
        for (zone, expected) in cases {
            assert_eq!(zone.parse::<Zone>().unwrap().format(t), expected, "{zone}");
        }
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        let utc = Zone::default();
        let noisy = at("2026-12-01T19:50:55.362894634Z");
        assert_eq!(utc.format(noisy), "2026-12-01T19:50:55.362Z");
        assert_eq!(utc.format_secs(noisy), "2026-12-01T19:50:55Z");
        assert_eq!(utc.compact(noisy, false), "12-01 19:50:55.362");
        assert_eq!(utc.compact(t, true), "2024-05-02 10:00:00");
        assert!("+25:00".parse::<Zone>().is_err());
    }

    #[test]
    fn dst_changes_the_offset_within_one_window() {
        // Europe/Berlin leaves summer time on 2024-10-27 at 01:00 UTC.
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            berlin.format(at("2024-10-27T00:30:00Z")),
            "2024-10-27T02:30:00+02:00"
        );
        assert_eq!(
            berlin.format(at("2024-10-27T01:30:00Z")),
            "2024-10-27T02:30:00+01:00"
        );
        assert_eq!(
            berlin.hour(at("2024-10-27T01:30:00Z")),
            "2024-10-27T02:00+01:00"
        );
        let day = NaiveDate::from_ymd_opt(2024, 5, 2).unwrap();
        assert_eq!(
            berlin.start_of_day(day).unwrap().to_rfc3339(),
            "2024-05-01T22:00:00+00:00"
        );
        // Havana skips midnight into summer time (2024-03-10 00:00 -> 01:00).
        let havana: Zone = "America/Havana".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        assert_eq!(
            havana.start_of_day(gap).unwrap().to_rfc3339(),
            "2024-03-10T05:00:00+00:00"
        );
        let india: Zone = "+05:30".parse().unwrap();
        assert_eq!(
            india.day(at("2024-05-02T18:45:00Z")),
            NaiveDate::from_ymd_opt(2024, 5, 3).unwrap()
        );
    }
}
