//! journald JSON export (`journalctl -o json`): `MESSAGE` is read as an app log line;
//! `__REALTIME_TIMESTAMP` (microseconds since the epoch) fills in when it has no time.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};

use super::inner::wrapped;
use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Parsed, json_failure, markers_score};

pub struct Journald;

impl LogFormat for Journald {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // A wrapper's message can be any platform's record (a forwarder shipping audit JSON).
        &crate::event::Platform::ALL
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        markers_score(sample, &[b"\"__REALTIME_TIMESTAMP\"", b"\"MESSAGE\""], 95)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        let Ok(object) = JsonObject::parse(raw) else {
            return json_failure(raw);
        };
        let Some(message) = message(&object) else {
            return Parsed::Other;
        };
        let time = object
            .str_at(&["__REALTIME_TIMESTAMP"])
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|micros| Utc.timestamp_micros(micros).single());
        match wrapped(message, time) {
            Parsed::Record(mut record) => {
                for (name, key) in [("host", "_HOSTNAME"), ("program", "SYSLOG_IDENTIFIER")] {
                    if let Some(value) = object.str_at(&[key]) {
                        record.attrs.push((name, value));
                    }
                }
                Parsed::Record(record)
            }
            other => other,
        }
    }
}

/// `MESSAGE` as a string, or as the byte array journald writes for non-UTF-8 messages.
fn message<'a>(object: &JsonObject<'a>) -> Option<Cow<'a, str>> {
    if let Some(text) = object.str_at(&["MESSAGE"]) {
        return Some(text);
    }
    let bytes: Vec<u8> = serde_json::from_str(object.json_at(&["MESSAGE"])?).ok()?;
    Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
}
