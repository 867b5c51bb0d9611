//! Timestamp parsing for every layout in FORMATS.md: RFC 3339 (any fraction, `Z` or offset,
//! `T` or space), zone-less `YYYY-MM-DD HH:MM:SS[.,]frac` (taken as UTC), ISO 8601 basic,
//! epoch seconds or milliseconds, and the CLF `02/May/2024:13:30:05 +0000` of access logs.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// Parse a timestamp in any supported layout; `None` when it is not one.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let first = *text.as_bytes().first()?;
    if !first.is_ascii_digit() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_epoch(text);
    }
    fast_iso(text)
        .or_else(|| fast_clf(text.as_bytes()))
        .or_else(|| parse_rfc3339(text))
        .or_else(|| parse_zoneless(text))
        .or_else(|| parse_iso_basic(text))
        .or_else(|| parse_clf(text))
}

/// Epoch seconds (10 digits) or milliseconds (13 digits), with an optional fraction.
pub fn parse_epoch(text: &str) -> Option<DateTime<Utc>> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole: i64 = whole.parse().ok()?;
    match text.split('.').next().map(str::len) {
        Some(13) => Utc.timestamp_millis_opt(whole).single(),
        Some(9..=11) => {
            let nanos = fraction_nanos(frac);
            Utc.timestamp_opt(whole, nanos).single()
        }
        _ => None,
    }
}

fn fraction_nanos(frac: &str) -> u32 {
    let digits: String = frac.chars().take(9).collect();
    if digits.is_empty() {
        return 0;
    }
    let value: u32 = digits.parse().unwrap_or(0);
    value * 10u32.pow(9 - digits.len() as u32)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.,fraction][Z|±HH[:]MM]` (no zone: UTC), also with a blank before
/// the offset or `UTC` (`2024-05-02 09:20:30 +0000`), read digit by digit: the layout of
/// nearly every log line, without allocating.
fn fast_iso(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some((&sep, tail)) = rest.split_first() {
        if sep == b'.' || sep == b',' {
            let digits = tail.iter().take_while(|d| d.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            for (i, &d) in tail[..digits].iter().take(9).enumerate() {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
            rest = &tail[digits..];
        }
    }
    let rest = match rest {
        [b' ', b'U', b'T', b'C'] => &[][..],
        [b' ', b'+' | b'-', ..] => &rest[1..],
        _ => rest,
    };
    let offset_seconds: i32 = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, tail @ ..] => {
            let minutes = match tail {
                [] => Some((0, 0)),
                [b':', m1, m2] | [m1, m2] => Some((*m1, *m2)),
                _ => None,
            }?;
            let two = |a: u8, c: u8| {
                (a.is_ascii_digit() && c.is_ascii_digit())
                    .then(|| i32::from(a - b'0') * 10 + i32::from(c - b'0'))
            };
            let (h, m) = (
                two(*h1, *h2)?,
                if minutes == (0, 0) {
                    0
                } else {
                    two(minutes.0, minutes.1)?
                },
            );
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    let time =
        chrono::NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    let local = date.and_time(time);
    Some((local - chrono::Duration::seconds(i64::from(offset_seconds))).and_utc())
}

/// `DD/Mon/YYYY:HH:MM:SS ±hhmm` (access logs), read digit by digit; `None` for any other
/// shape (chrono then reads it).
fn fast_clf(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| digits(&b[range]);
    let date = chrono::NaiveDate::from_ymd_opt(num(7..11)? as i32, month(&b[3..6])?, num(0..2)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(12..14)?, num(15..17)?, num(18..20)?)?;
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let offset = i64::from(num(22..24)? * 3600 + num(24..26)? * 60);
    let offset = match b[21] {
        b'+' => offset,
        b'-' => -offset,
        _ => return None,
    };
    Some((date.and_time(time) - chrono::Duration::seconds(offset)).and_utc())
}

/// `Mon D HH:MM:SS` or `Mon DD HH:MM:SS` (BSD syslog, one blank between the parts) in the
/// year 2000, read digit by digit; `None` for any other shape.
pub fn fast_bsd(b: &[u8]) -> Option<NaiveDateTime> {
    let (day, clock) = match b.len() {
        14 => (digits(&b[4..5])?, &b[6..]),
        15 => (digits(&b[4..6])?, &b[7..]),
        _ => return None,
    };
    if b[3] != b' ' || b[b.len() - 9] != b' ' || clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(2000, month(&b[0..3])?, day)?;
    let time = chrono::NaiveTime::from_hms_opt(
        digits(&clock[0..2])?,
        digits(&clock[3..5])?,
        digits(&clock[6..8])?,
    )?;
    Some(date.and_time(time))
}

/// The value of a run of ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// The month (1-12) of a three-letter English abbreviation, any case.
fn month(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let lower = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    MONTHS
        .iter()
        .position(|m| **m == lower)
        .map(|i| i as u32 + 1)
}

fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let normalised = text.replacen(',', ".", 1);
    DateTime::parse_from_rfc3339(&normalised)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_zoneless(text: &str) -> Option<DateTime<Utc>> {
    let normalised = text.replacen(',', ".", 1).replacen('T', " ", 1);
    let normalised = normalised.trim_end_matches('Z');
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|layout| NaiveDateTime::parse_from_str(normalised, layout).ok())
    .map(|t| t.and_utc())
}

fn parse_iso_basic(text: &str) -> Option<DateTime<Utc>> {
    ["%Y%m%dT%H%M%SZ", "%Y%m%dT%H%MZ"]
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(text, layout).ok())
        .map(|t| t.and_utc())
}

fn parse_clf(text: &str) -> Option<DateTime<Utc>> {
    if let Some(time) = fast_clf(text.as_bytes()) {
        return Some(time);
    }
    DateTime::<FixedOffset>::parse_from_str(text, "%d/%b/%Y:%H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod fast_tests {
    use super::*;

    #[test]
    fn fast_readers_agree_with_chrono() {
        for text in [
            "08/May/2024:00:07:35 +0000",
            "31/Dec/2023:23:59:59 -0730",
            "01/jan/2024:12:00:00 +0100",
            "29/Feb/2023:00:00:00 +0000",
            "08/Mai/2024:00:07:35 +0000",
        ] {
            let slow = DateTime::<FixedOffset>::parse_from_str(text, "%d/%b/%Y:%H:%M:%S %z")
                .ok()
                .map(|t| t.with_timezone(&Utc));
            assert_eq!(fast_clf(text.as_bytes()), slow, "{text}");
        }
        for text in [
            "May 2 09:20:30",
            "Dec 31 23:59:59",
            "feb 30 01:02:03",
            "Jan 1 24:00:00",
        ] {
            let slow =
                NaiveDateTime::parse_from_str(&format!("2000 {text}"), "%Y %b %d %H:%M:%S").ok();
            assert_eq!(fast_bsd(text.as_bytes()), slow, "{text}");
        }
        assert_eq!(fast_bsd(b"May  2 09:20:30"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        parse_timestamp(text)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn layouts_from_formats_md() {
        let cases = [
            ("2014-03-06T21:22:54Z", "2014-03-06T21:22:54Z"),
            (
                "2024-11-19T00:49:55.293368631Z",
                "2024-11-19T00:49:55.293368631Z",
            ),
            (
                "2019-01-21T22:14:26.9792776Z",
                "2019-01-21T22:14:26.979277600Z",
            ),
            ("2020-08-05T14:59:27.259-07:00", "2020-08-05T21:59:27.259Z"),
            ("2023-05-24 21:12:55.145", "2023-05-24T21:12:55.145Z"),
            ("2025-01-27 01:28:18,640", "2025-01-27T01:28:18.640Z"),
            ("2024-05-02 10:00:01+02:00", "2024-05-02T08:00:01Z"),
            ("20131102T010628Z", "2013-11-02T01:06:28Z"),
            ("20150801T0210Z", "2015-08-01T02:10:00Z"),
            ("1741611465102", "2025-03-10T12:57:45.102Z"),
            ("1421876371", "2015-01-21T21:39:31Z"),
            ("02/May/2024:13:30:05 +0000", "2024-05-02T13:30:05Z"),
            ("06/Sep/2026:10:00:00 +0200", "2026-09-06T08:00:00Z"),
            ("not a time", "none"),
            ("", "none"),
            ("12", "none"),
            ("2024-13-45T99:00:00Z", "none"),
            ("2024-05-02T10:00:01", "2024-05-02T10:00:01Z"),
            ("2024-05-02T10:00:01.5-0800", "2024-05-02T18:00:01.500Z"),
            ("2024-05-02T10:00:01+05", "2024-05-02T05:00:01Z"),
            ("2024-05-02T10:00:01.Z", "none"),
            ("2024-05-02T10:00:01 garbage", "none"),
            ("2024-02-30T10:00:01Z", "none"),
            ("2024-05-02 09:20:30 +0000", "2024-05-02T09:20:30Z"),
            ("2024-05-02 09:20:30 -0130", "2024-05-02T10:50:30Z"),
            ("2024-05-02 09:20:30 UTC", "2024-05-02T09:20:30Z"),
            ("2024-05-02 09:20:30  +0000", "none"),
        ];
        for (input, expected) in cases {
            assert_eq!(utc(input), expected, "input {input:?}");
        }
    }
}
