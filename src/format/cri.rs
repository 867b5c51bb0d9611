//! Kubernetes CRI container log lines: `<RFC 3339 time> <stdout|stderr> <P|F> <message>`. A
//! long message is split into `P` (partial) lines ended by an `F` line: the format's
//! `joining` ([`is_partial`], [`message_part`]) tells the scanner how to join them into one
//! record before the message is read as an app log.

use std::borrow::Cow;

use super::inner::wrapped;
use super::record::with_text;
use super::sniff::Sample;
use super::{LogFormat, Parsed, time};

pub struct Cri;

impl LogFormat for Cri {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // A wrapper's message can be any platform's record (a container printing audit JSON).
        &crate::event::Platform::ALL
    }

    fn is_json(&self) -> bool {
        false
    }

    fn joining(&self) -> Option<super::Joining> {
        Some(super::Joining {
            continues: is_partial,
            continuation: message_part,
        })
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let share =
            sample.share_of_lines(|l| std::str::from_utf8(l).is_ok_and(|l| split(l).is_some()));
        if share >= 60 { 85 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        with_text(raw, |line| match split(line) {
            Some((timestamp, _, message)) => {
                wrapped(Cow::Borrowed(message), time::parse_timestamp(timestamp))
            }
            None => Parsed::Foreign,
        })
    }
}

/// `(time, stream, message)` of a CRI line.
fn split(line: &str) -> Option<(&str, &str, &str)> {
    let mut parts = line.splitn(4, ' ');
    let timestamp = parts.next()?;
    let stream = parts.next().filter(|s| matches!(*s, "stdout" | "stderr"))?;
    let tag = parts
        .next()
        .filter(|t| t.starts_with('P') || t.starts_with('F'))?;
    let _ = tag;
    let message = parts.next().unwrap_or("");
    time::parse_timestamp(timestamp)?;
    Some((timestamp, stream, message))
}

/// Whether a CRI line is a partial one, continued by the next line.
pub fn is_partial(line: &[u8]) -> bool {
    let mut fields = line.splitn(4, |&b| b == b' ');
    fields.nth(2).is_some_and(|tag| tag.first() == Some(&b'P'))
}

/// The message part of a CRI line (after time, stream and tag).
pub fn message_part(line: &[u8]) -> &[u8] {
    line.splitn(4, |&b| b == b' ').nth(3).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_lines() {
        let Parsed::Record(r) = Cri.parse(b"2024-05-02T10:00:01.123456789Z stderr F 2024-05-02 10:00:00 ERROR Failed to generate API key: denied user=x") else { panic!() };
        assert_eq!(r.actor.as_deref(), Some("x"));
        assert!(is_partial(b"2024-05-02T10:00:01Z stdout P part"));
        assert!(!is_partial(b"2024-05-02T10:00:01Z stdout F part"));
        assert_eq!(message_part(b"t s P hello world"), b"hello world");
    }
}
