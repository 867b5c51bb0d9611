//! Okta System Log events (FORMATS.md 6.1). The action is `eventType`; denied when
//! `outcome.result` is FAILURE or DENY.

use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, markers_score, non_empty, parse_json, time};
use crate::event::Platform;

pub struct Okta;

impl LogFormat for Okta {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Okta]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        markers_score(
            sample,
            &[b"\"eventType\"", b"\"outcome\"", b"\"published\""],
            88,
        )
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, to_record)
    }
}

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let result = non_empty(o.str_at(&["outcome", "result"]));
    let reason = non_empty(o.str_at(&["outcome", "reason"]));
    let outcome = match result.as_deref() {
        Some("FAILURE" | "DENY") => Outcome::Denied,
        _ => Outcome::NotDenied,
    };
    Record {
        time: o
            .str_at(&["published"])
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Okta),
        action: non_empty(o.str_at(&["eventType"])),
        outcome: Some(outcome),
        reason: reason.clone().or_else(|| result.clone()),
        message: reason.or_else(|| non_empty(o.str_at(&["displayMessage"]))),
        error_code: result,
        actor: non_empty(o.str_at(&["actor", "alternateId"])),
        // `securityContext.domain` is the client's network (an ISP), not the Okta org: the
        // org is only known when the event names it.
        tenant: non_empty(o.str_at(&["org"])).or_else(|| non_empty(o.str_at(&["tenant"]))),
        source_ip: non_empty(o.str_at(&["client", "ipAddress"])),
        request_id: non_empty(o.str_at(&["debugContext", "debugData", "requestId"])),
        dedup_key: non_empty(o.str_at(&["uuid"])),
        ..Record::default()
    }
}
