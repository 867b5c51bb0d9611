//! From a parsed record to an [`Event`]: is it a key generation (by the action rules), was it
//! denied (by its outcome, or the denial wording), and why (by the cause rules).

use std::borrow::Cow;
use std::sync::Arc;

use crate::event::{Event, Platform};
use crate::format::{InputFormat, Outcome, Record};
use crate::redact::redact;
use crate::rules::{Facts, RuleSet};

/// Where a record sits in its input.
#[derive(Clone, Copy)]
pub struct Position<'p> {
    pub file: &'p Arc<str>,
    pub format: InputFormat,
    pub line: u64,
    pub record: Option<u64>,
}

const MAX_REASON_CHARS: usize = 1000;

/// The denied key-generation event this record is, if it is one.
pub fn extract(record: Record<'_>, rules: &RuleSet, at: Position<'_>) -> Option<Event> {
    let platform = record.platform.unwrap_or(Platform::App);
    let text = record.message.as_deref().unwrap_or("");
    let action = rules.match_action(
        platform,
        record.action.as_deref(),
        text,
        record.method.as_deref(),
        record.path.as_deref(),
    )?;
    let denied = match record.outcome.unwrap_or(Outcome::Unstated) {
        Outcome::Denied => true,
        Outcome::NotDenied => false,
        Outcome::Unstated => rules.text_says_denied(text),
    };
    if !denied {
        return None;
    }
    let action_name = match (&record.action, platform) {
        (Some(name), Platform::Aws) => name.to_string(),
        (Some(name), _) if action.matches_name(name) => name.to_string(),
        _ => action.name.clone(),
    };
    let field = |name: &str| record.attr(name);
    let facts = Facts {
        platform,
        action: &action_name,
        error_code: record.error_code.as_deref(),
        status: record.status,
        text,
        field: &field,
    };
    let (cause, rule) = rules.classify(&facts);
    let reason = record
        .reason
        .as_deref()
        .or(record.message.as_deref())
        .or(record.error_code.as_deref())
        .unwrap_or("");
    Some(Event {
        time: record.time,
        platform,
        format: at.format.id(),
        action: action_name,
        actor: clean(record.actor),
        tenant: clean(record.tenant),
        source_ip: clean(record.source_ip),
        resource: clean(record.resource),
        cause,
        reason: tidy_reason(reason),
        request_id: clean(record.request_id),
        rule: rule.to_string(),
        dedup_key: record.dedup_key.map(Cow::into_owned),
        file: at.file.clone(),
        line: at.line,
        record: at.record,
    })
}

fn clean(value: Option<Cow<'_, str>>) -> Option<String> {
    value
        .map(|v| redact(v.trim()).into_owned())
        .filter(|v| !v.is_empty())
}

/// Whitespace runs (newlines, tabs) become one space; long texts are cut with an ellipsis.
fn tidy_reason(reason: &str) -> String {
    let collapsed = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = redact(&collapsed);
    if redacted.chars().count() <= MAX_REASON_CHARS {
        return redacted.into_owned();
    }
    let mut cut: String = redacted.chars().take(MAX_REASON_CHARS - 1).collect();
    cut.push('…');
    cut
}
