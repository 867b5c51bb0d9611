//! One JSON object per event and line, for piping into jq or a log pipeline.

use std::io::{self, Write};

use serde::Serialize;

use super::{EventWriter, utc_opt};
use crate::event::Event;

pub struct Ndjson;

/// The wire form of one event (`events --format ndjson`).
#[derive(Serialize)]
pub struct EventRecord<'a> {
    pub time: Option<String>,
    pub platform: &'a str,
    pub format: &'a str,
    pub action: &'a str,
    pub actor: Option<&'a str>,
    pub tenant: Option<&'a str>,
    pub source_ip: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub cause: &'a str,
    pub reason: &'a str,
    pub request_id: Option<&'a str>,
    pub rule: &'a str,
    pub file: &'a str,
    pub line: u64,
    pub record: Option<u64>,
}

impl<'a> From<&'a Event> for EventRecord<'a> {
    fn from(e: &'a Event) -> Self {
        EventRecord {
            time: e.time.map(|t| utc_opt(Some(t))),
            platform: e.platform.id(),
            format: e.format,
            action: &e.action,
            actor: e.actor.as_deref(),
            tenant: e.tenant.as_deref(),
            source_ip: e.source_ip.as_deref(),
            resource: e.resource.as_deref(),
            cause: e.cause.id(),
            reason: &e.reason,
            request_id: e.request_id.as_deref(),
            rule: &e.rule,
            file: &e.file,
            line: e.line,
            record: e.record,
        }
    }
}

impl EventWriter for Ndjson {
    fn write_events(&self, events: &[Event], out: &mut dyn Write) -> io::Result<()> {
        for event in events {
            serde_json::to_writer(&mut *out, &EventRecord::from(event))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
