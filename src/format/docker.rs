//! Docker json-file logs: `{"log":"<message>\n","stream":"stderr","time":"..."}`. The `log`
//! string is read as an app log line; Docker's `time` fills in when the line has none.

use std::borrow::Cow;

use super::inner::wrapped;
use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Parsed, json_failure, markers_score, time};

pub struct Docker;

impl LogFormat for Docker {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // A wrapper's message can be any platform's record (a container printing audit JSON).
        &crate::event::Platform::ALL
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        markers_score(sample, &[b"{\"log\":", b"\"stream\":", b"\"time\":"], 95)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        let Ok(object) = JsonObject::parse(raw) else {
            return json_failure(raw);
        };
        let Some(log) = object.str_at(&["log"]) else {
            return Parsed::Other;
        };
        let time = object
            .str_at(&["time"])
            .and_then(|t| time::parse_timestamp(&t));
        let log = match log {
            Cow::Borrowed(text) => Cow::Borrowed(text.trim_end_matches(['\n', '\r'])),
            Cow::Owned(text) => Cow::Owned(text.trim_end_matches(['\n', '\r']).to_string()),
        };
        wrapped(log, time)
    }
}
