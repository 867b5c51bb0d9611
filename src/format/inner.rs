//! The message inside a wrapper (syslog, Docker, CRI, journald) is itself a log line: an
//! audit record (Vault's syslog audit device, a forwarder shipping Kubernetes or CloudTrail
//! JSON), or an application line in JSON, logfmt or plain text, decided per message. The
//! wrapper then fills in what the inner line lacks (time, host).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::sniff::Sample;
use super::text::parse_message;
use super::{InputFormat, Parsed, Record};

/// A wrapper's message: an audit record when an audit format claims it, else an app line.
pub fn parse_wrapped(message: &str) -> Parsed<'_> {
    let trimmed = message.trim();
    if trimmed.starts_with('{') {
        if let Some(format) = audit_format(trimmed.as_bytes()) {
            if let parsed @ Parsed::Record(_) = format.parser().parse(trimmed.as_bytes()) {
                return parsed;
            }
        }
    }
    parse_message(message)
}

/// The audit format whose sniffer scores one JSON message highest, if any claims it.
fn audit_format(json: &[u8]) -> Option<InputFormat> {
    let sample = Sample::new(json);
    // The audit formats: JSON records refused by a structured outcome, not by wording.
    InputFormat::ALL
        .into_iter()
        .filter(|f| f.is_json() && !f.refusal_by_wording())
        .map(|format| (format.parser().sniff(&sample), format))
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, _)| *score)
        .map(|(_, format)| format)
}

/// Parse a message the wrapper had to decode (JSON escapes): the record owns its text.
pub fn parse_owned(message: &str) -> Parsed<'static> {
    match parse_wrapped(message) {
        Parsed::Record(record) => Parsed::Record(Box::new(record.into_owned())),
        Parsed::Other => Parsed::Other,
        Parsed::Malformed(reason) => Parsed::Malformed(reason),
        Parsed::Foreign => Parsed::Foreign,
    }
}

/// Parse `message` (borrowed when the wrapper could, else owned) and apply the wrapper's
/// own time when the inner line has none.
pub fn wrapped<'a>(message: Cow<'a, str>, time: Option<DateTime<Utc>>) -> Parsed<'a> {
    let parsed = match message {
        Cow::Borrowed(text) => parse_wrapped(text),
        Cow::Owned(text) => parse_owned(&text),
    };
    match parsed {
        Parsed::Record(mut record) => {
            fill_time(&mut record, time);
            Parsed::Record(record)
        }
        other => other,
    }
}

fn fill_time(record: &mut Record<'_>, time: Option<DateTime<Utc>>) {
    if record.time.is_none() {
        record.time = time;
    }
}
