//! GitHub audit log events (FORMATS.md 6.2), REST or streaming export. The action is the
//! `action` field; `*.request_denied` actions are refusals. The affected user (`user`) is the
//! actor when present, else the `actor` who acted.

use std::borrow::Cow;

use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, non_empty, parse_json, time};
use crate::event::Platform;

pub struct GithubAudit;

impl LogFormat for GithubAudit {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Github]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let has = |m: &[u8]| sample.contains(m);
        let github = has(b"\"action\"")
            && has(b"\"actor\"")
            && (has(b"\"_document_id\"")
                || has(b"\"actor_location\"")
                || has(b"\"org_id\"")
                || has(b"\"business\""));
        if github { 85 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, to_record)
    }
}

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let action = non_empty(o.str_at(&["action"]));
    let denied = action
        .as_deref()
        .is_some_and(|a| a.ends_with("_denied") || a.ends_with(".deny"));
    let by = non_empty(o.str_at(&["actor"]));
    let reason = action.as_deref().map(|a| match &by {
        Some(by) => Cow::Owned(format!("{a} by {by}")),
        None => Cow::Owned(a.to_string()),
    });
    Record {
        time: non_empty(o.str_at(&["@timestamp"]))
            .or_else(|| non_empty(o.str_at(&["created_at"])))
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Github),
        outcome: Some(if denied {
            Outcome::Denied
        } else {
            Outcome::NotDenied
        }),
        message: reason.clone(),
        reason,
        action,
        actor: non_empty(o.str_at(&["user"])).or(by),
        tenant: non_empty(o.str_at(&["org"])),
        source_ip: non_empty(o.str_at(&["actor_ip"])),
        resource: non_empty(o.str_at(&["user_programmatic_access_name"])),
        request_id: non_empty(o.str_at(&["_document_id"])),
        dedup_key: non_empty(o.str_at(&["_document_id"])),
        ..Record::default()
    }
}
