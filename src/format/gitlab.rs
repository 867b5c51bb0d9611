//! GitLab JSON logs (FORMATS.md 6.3): `audit_json.log` (token creation attempts, whose
//! failure message starts `Attempted to create ... but failed with message:`) and
//! `api_json.log` (API requests: method, path, status).

use std::borrow::Cow;

use super::app_fields::outcome_from_status;
use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, non_empty, parse_json, time};
use crate::event::Platform;

pub struct Gitlab;

impl LogFormat for Gitlab {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Gitlab]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let has = |m: &[u8]| sample.contains(m);
        let audit = has(b"\"author_name\"") && (has(b"\"entity_path\"") || has(b"\"entity_type\""));
        let api = has(b"\"route\"")
            && has(b"\"method\"")
            && (has(b"\"gitaly_calls\"") || has(b"\"queue_duration") || has(b"\"ua\""));
        if audit || api { 80 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, |o| {
            if o.has("author_name") || o.has("entity_path") {
                audit(o)
            } else {
                api(o)
            }
        })
    }
}

fn common<'a>(o: &JsonObject<'a>) -> Record<'a> {
    Record {
        time: non_empty(o.str_at(&["time"]))
            .or_else(|| non_empty(o.str_at(&["created_at"])))
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Gitlab),
        request_id: non_empty(o.str_at(&["correlation_id"])),
        ..Record::default()
    }
}

fn audit<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let message = non_empty(o.str_at(&["custom_message"]))
        .or_else(|| non_empty(o.str_at(&["details", "custom_message"])))
        .or_else(|| non_empty(o.str_at(&["message"])));
    let text = message.as_deref().unwrap_or_default();
    // A failed attempt is a refusal only when its message says so (`Not permitted to
    // create`); a validation error (`Scopes can't be blank`) is not: the denial rules decide.
    let failed = text.starts_with("Attempted to create") && text.contains("failed");
    let reason = text
        .split_once("failed with message:")
        .map(|(_, why)| Cow::Owned(why.trim().to_string()));
    Record {
        action: token_kind(text).map(|kind| Cow::Owned(format!("create_{kind}"))),
        outcome: Some(if failed {
            Outcome::Unstated
        } else {
            Outcome::NotDenied
        }),
        reason: reason.or_else(|| message.clone()),
        message,
        actor: non_empty(o.str_at(&["author_name"])),
        // A User entity's path is the user name, not a group or project.
        tenant: non_empty(o.str_at(&["entity_path"]))
            .filter(|_| o.str_at(&["entity_type"]).as_deref() != Some("User")),
        source_ip: non_empty(o.str_at(&["ip_address"])),
        resource: non_empty(o.str_at(&["target_details"])),
        ..common(o)
    }
}

/// `personal access token` -> `personal_access_token`.
fn token_kind(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    [
        "personal access token",
        "project access token",
        "group access token",
        "deploy token",
    ]
    .into_iter()
    .find(|kind| lower.contains(kind))
    .map(|kind| match kind {
        "personal access token" => "personal_access_token",
        "project access token" => "project_access_token",
        "group access token" => "group_access_token",
        _ => "deploy_token",
    })
}

fn api<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let status = o.str_at(&["status"]).and_then(|s| s.parse::<u16>().ok());
    let reason = status.map(|s| Cow::Owned(super::record::status_reason(s)));
    Record {
        outcome: Some(outcome_from_status(status)),
        status,
        message: reason.clone(),
        reason,
        method: non_empty(o.str_at(&["method"])),
        path: non_empty(o.str_at(&["path"])),
        actor: non_empty(o.str_at(&["username"])),
        source_ip: non_empty(o.str_at(&["remote_ip"])),
        ..common(o)
    }
}
