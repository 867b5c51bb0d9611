//! From a parsed record to an [`Event`]: is it a key generation (by the action rules), was it
//! denied (by its outcome, or the denial wording), and why (by the cause rules).

use std::borrow::Cow;
use std::sync::Arc;

use crate::event::{Event, Platform};
use crate::format::{InputFormat, Outcome, Record};
use crate::redact::redact;
use chrono::{DateTime, Datelike, Utc};

use crate::rules::{Facts, MatchedBy, RuleSet};

/// Where a record sits in its input.
#[derive(Clone, Copy)]
pub struct Position<'p> {
    pub file: &'p Arc<str>,
    pub format: InputFormat,
    pub line: u64,
    pub record: Option<u64>,
}

impl Position<'_> {
    /// The same place, read as plain text (a record its file's format could not read).
    pub fn as_text(self) -> Self {
        Position {
            format: InputFormat::Text,
            ..self
        }
    }
}

const MAX_REASON_CHARS: usize = 1000;

/// What extraction needs besides the record.
#[derive(Clone, Copy)]
pub struct Context<'r> {
    pub rules: &'r RuleSet,
    /// Dates times that came without a year.
    pub now: DateTime<Utc>,
    /// Mask credentials in every text field (`--no-redact` turns it off).
    pub redact: bool,
}

/// The denied key-generation event this record is, if it is one.
pub fn extract(record: Record<'_>, ctx: &Context<'_>, at: Position<'_>) -> Option<Event> {
    let (rules, now) = (ctx.rules, ctx.now);
    let clean = |value: Option<Cow<'_, str>>| clean(value, ctx.redact);
    let platform = record.platform.unwrap_or(Platform::App);
    let text = record.message.as_deref().unwrap_or("");
    let (action, matched_by) = rules.match_action(
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
    let action_name = match (matched_by, &record.action) {
        (MatchedBy::Name, Some(name)) => name.to_string(),
        // A request log's action is its request; an app's is the credential it names.
        (MatchedBy::Path, _) if platform != Platform::App => {
            request_line(record.method.as_deref(), record.path.as_deref())
        }
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
    let time = if record.yearless {
        record.time.map(|t| with_year(t, now))
    } else {
        record.time
    };
    Some(Event {
        time,
        platform,
        format: at.format.id(),
        action: action_name,
        actor: clean(record.actor),
        tenant: clean(record.tenant),
        source_ip: clean(record.source_ip),
        resource: clean(record.resource.or(record.path)),
        cause,
        reason: tidy_reason(reason, ctx.redact),
        request_id: clean(record.request_id),
        rule: rule.to_string(),
        dedup_key: record.dedup_key.map(Cow::into_owned),
        file: at.file.clone(),
        line: at.line,
        record: at.record,
    })
}

/// `POST /api/keys` (path without its query string).
fn request_line(method: Option<&str>, path: Option<&str>) -> String {
    let path = path.unwrap_or_default();
    let path = path.split('?').next().unwrap_or(path);
    match method {
        Some(method) => format!("{} {path}", method.to_ascii_uppercase()),
        None => path.to_string(),
    }
}

/// A year-less time (RFC 3164 syslog) placed in the year of `now`, or the year before when
/// that would put it more than a day in the future.
fn with_year(time: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let this_year = time.with_year(now.year()).unwrap_or(time);
    if this_year > now + chrono::Duration::days(1) {
        time.with_year(now.year() - 1).unwrap_or(this_year)
    } else {
        this_year
    }
}

fn clean(value: Option<Cow<'_, str>>, masked: bool) -> Option<String> {
    value
        .map(|v| {
            if masked {
                redact(v.trim()).into_owned()
            } else {
                v.trim().to_string()
            }
        })
        .filter(|v| !v.is_empty())
}

/// Whitespace runs (newlines, tabs) become one space; long texts are cut with an ellipsis.
fn tidy_reason(reason: &str, masked: bool) -> String {
    let collapsed = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = if masked {
        redact(&collapsed)
    } else {
        Cow::Borrowed(collapsed.as_str())
    };
    if redacted.chars().count() <= MAX_REASON_CHARS {
        return redacted.into_owned();
    }
    let mut cut: String = redacted.chars().take(MAX_REASON_CHARS - 1).collect();
    cut.push('…');
    cut
}
