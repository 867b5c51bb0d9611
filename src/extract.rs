//! From a parsed record to an [`Event`]: is it a key generation (by the action rules, else
//! the vocabulary), was it denied (by its outcome, the denial wording or the vocabulary's
//! refusal), and why (by the cause rules and the vocabulary's causes). For `near-misses`,
//! also what a record that is not quite an event lacks.

use std::borrow::Cow;
use std::sync::Arc;

use crate::event::{Cause, Event, Platform};
use crate::format::{InputFormat, Outcome, Record};
use crate::near_misses::{Missing, NearMiss};
use crate::redact::redact;
use chrono::{DateTime, Datelike, Utc};

use crate::rules::{Action, Facts, MatchedBy, RuleSet};
use crate::vocab::Reading;

/// Where a record sits in its input.
#[derive(Clone, Copy)]
pub struct Position<'p> {
    pub file: &'p Arc<str>,
    pub format: InputFormat,
    pub line: u64,
    pub record: Option<u64>,
    /// When the input was last modified (`None` for stdin and live files): year-less times
    /// are dated not after it, nor after "now".
    pub modified: Option<DateTime<Utc>>,
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
    /// Also say what was almost an event (`keydeny near-misses`).
    pub near_misses: bool,
}

/// The denied key-generation event this record is, if it is one.
pub fn extract(record: Record<'_>, ctx: &Context<'_>, at: Position<'_>) -> Option<Event> {
    match judge(record, ctx, at).verdict {
        Verdict::Event(event) => Some(*event),
        Verdict::NotEvent(_) => None,
    }
}

/// What a record is: an event, or not and why; and (when asked for) what keydeny almost
/// counted.
#[derive(Debug)]
pub struct Judged<'a> {
    pub verdict: Verdict<'a>,
    pub near_miss: Option<NearMiss>,
}

/// A record's verdict: the denied key generation it is, or why it is none.
#[derive(Debug)]
pub enum Verdict<'a> {
    Event(Box<Event>),
    NotEvent(NotEvent<'a>),
}

/// Why a parsed record is not a denied key generation (borrowing the record's text, so
/// saying it costs nothing when nobody asks).
#[derive(Debug)]
pub enum NotEvent<'a> {
    /// No action rule and no word says a credential is being created; the record's message.
    NoAction { text: Cow<'a, str> },
    /// A key generation that was not refused.
    NotDenied {
        /// The action rule's id, or the action the vocabulary read.
        action: String,
        /// How the action was recognised: `name`, `message`, `path` or `vocabulary`.
        by: &'static str,
        /// The record itself says it was not refused (success, or another error).
        says_not_denied: bool,
    },
}

impl std::fmt::Display for NotEvent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotEvent::NoAction { text } => write!(
                f,
                "no key-generation action matched: {}",
                crate::report::table::cell(text, 60)
            ),
            NotEvent::NotDenied {
                action,
                by,
                says_not_denied,
            } => {
                let reason = if *says_not_denied {
                    "the record says it was not refused (success or another error)"
                } else {
                    "no refusal wording (see [[denial]] in `keydeny rules list`)"
                };
                write!(f, "action {action} (by {by}), but {reason}")
            }
        }
    }
}

/// The key-generation action of a record and how it was found.
struct Found {
    name: String,
    /// The action rule's id (or the name the vocabulary read) and how it matched.
    id: String,
    by: &'static str,
}

/// Judge one record: key generation (action rules, else the vocabulary), denied (outcome,
/// else denial wording or the vocabulary's refusal), and its cause.
pub fn judge<'a>(mut record: Record<'a>, ctx: &Context<'_>, at: Position<'_>) -> Judged<'a> {
    let rules = ctx.rules;
    let platform = record.platform.unwrap_or(Platform::App);
    let text = record.message.as_deref().unwrap_or("");
    let matched = rules.match_action(
        platform,
        record.action.as_deref(),
        text,
        record.method.as_deref(),
        record.path.as_deref(),
    );
    let reading = (platform == Platform::App).then(|| {
        let words = vocab_text(&record);
        if matched.is_some() || ctx.near_misses {
            rules.vocab.read(&words)
        } else {
            rules.vocab.read_if_credential(&words)
        }
    });
    let found = find_action(&record, matched, platform, reading.as_ref(), rules);
    let shown = match (text, record.action.as_deref()) {
        ("", Some(action)) => action,
        _ => text,
    };
    let miss = |missing| ctx.near_misses.then(|| NearMiss::new(missing, shown, at));
    let Some(found) = found else {
        let named = reading.as_ref().is_some_and(|r| r.credential && r.refusal);
        let near_miss = if named { miss(Missing::Creation) } else { None };
        let text = record.message.take().unwrap_or_default();
        return Judged {
            verdict: Verdict::NotEvent(NotEvent::NoAction { text }),
            near_miss,
        };
    };
    if !is_denied(&record, rules, text, reading.as_ref()) {
        let failed = reading.as_ref().is_some_and(|r| r.failure || r.not_refusal)
            || record.status.is_some_and(|s| s >= 400)
            || outcome_failure(&record);
        return Judged {
            verdict: Verdict::NotEvent(NotEvent::NotDenied {
                action: found.id,
                by: found.by,
                says_not_denied: record.outcome == Some(Outcome::NotDenied),
            }),
            near_miss: if failed { miss(Missing::Refusal) } else { None },
        };
    }
    let unknown = miss(Missing::Cause);
    let event = build_event(record, ctx, at, found, reading.as_ref());
    let near_miss = unknown.filter(|_| event.cause == Cause::Unknown);
    Judged {
        verdict: Verdict::Event(Box::new(event)),
        near_miss,
    }
}

/// The text the vocabulary reads: the action field, the message and the error code.
fn vocab_text<'r>(record: &'r Record<'_>) -> Cow<'r, str> {
    let parts = [
        record.action.as_deref(),
        record.message.as_deref(),
        record.attr("reasons"),
        record.attr("spoken"),
        record.error_code.as_deref(),
    ];
    let present: Vec<&str> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    match present.as_slice() {
        [] => Cow::Borrowed(""),
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.join(". ")),
    }
}

fn find_action(
    record: &Record<'_>,
    matched: Option<(&Action, MatchedBy)>,
    platform: Platform,
    reading: Option<&Reading>,
    rules: &RuleSet,
) -> Option<Found> {
    // The vocabulary vetoes a phrase match when it sees the credential but not as the
    // object being created ("unable to create pods: ... no API token found") or only as
    // something else ("CSRF token", the bucket `acme-api-keys-archive`), and a path
    // match of an app line whose only credential word is something else ("CSRF token
    // missing; rejecting POST /settings/tokens").
    let vetoed = |by| {
        reading.is_some_and(|r| {
            r.action.is_none()
                && match by {
                    MatchedBy::Message => r.strong_credential || r.credential_in_name,
                    MatchedBy::Path => platform == Platform::App && r.blocked_credential,
                    MatchedBy::Name => false,
                }
        })
    };
    if let Some((action, by)) = matched.filter(|&(_, by)| !vetoed(by)) {
        let name = match (by, &record.action) {
            (MatchedBy::Name, Some(name)) => name.to_string(),
            // A request log's action is its request; an app's is the credential it names.
            (MatchedBy::Path, _) if platform != Platform::App => {
                request_line(record.method.as_deref(), record.path.as_deref())
            }
            _ => action.name.clone(),
        };
        let by = match by {
            MatchedBy::Name => "name",
            MatchedBy::Message => "message",
            MatchedBy::Path => "path",
        };
        return Some(Found {
            name,
            id: action.id.clone(),
            by,
        });
    }
    let reading = reading?;
    let by_name = record
        .action
        .as_deref()
        .filter(|name| rules.vocab.read_action_name(name).is_some());
    if let Some(name) = by_name {
        return Some(Found {
            name: name.to_string(),
            id: name.to_string(),
            by: "vocabulary",
        });
    }
    // `svc=tokens op=mint`: an action named within its subsystem.
    let in_component = record
        .action
        .as_deref()
        .zip(record.attr("component"))
        .map(|(action, component)| format!("{component}.{action}"))
        .filter(|name| rules.vocab.read_action_name(name).is_some());
    if let Some(name) = in_component {
        return Some(Found {
            id: name.clone(),
            name,
            by: "vocabulary",
        });
    }
    reading.action.clone().map(|name| Found {
        id: name.clone(),
        name,
        by: "vocabulary",
    })
}

fn is_denied(record: &Record<'_>, rules: &RuleSet, text: &str, reading: Option<&Reading>) -> bool {
    match record.outcome.unwrap_or(Outcome::Unstated) {
        Outcome::Denied => true,
        Outcome::NotDenied => false,
        Outcome::Unstated => match reading {
            None => rules.text_says_denied(text),
            Some(r) => {
                r.refused(outcome_failure(record))
                    || (rules.text_says_denied(text) && !r.only_not_refusal())
            }
        },
    }
}

/// An outcome field that says "failure" (not which kind).
fn outcome_failure(record: &Record<'_>) -> bool {
    record.attr("outcome") == Some("failure")
}

fn build_event(
    record: Record<'_>,
    ctx: &Context<'_>,
    at: Position<'_>,
    found: Found,
    reading: Option<&Reading>,
) -> Event {
    let clean = |value: Option<Cow<'_, str>>| clean(value, ctx.redact);
    let platform = record.platform.unwrap_or(Platform::App);
    let text = record.message.as_deref().unwrap_or("");
    let field = |name: &str| record.attr(name);
    let facts = Facts {
        platform,
        action: &found.name,
        error_code: record.error_code.as_deref(),
        status: record.status,
        text,
        field: &field,
    };
    let vocab_cause = reading.and_then(|r| r.cause);
    let vetoed = reading.map_or(&[][..], |r| r.vetoed.as_slice());
    let (cause, rule) = ctx.rules.classify_with(&facts, vocab_cause, vetoed);
    let reason = record
        .reason
        .as_deref()
        .or(record.message.as_deref())
        .or(record.error_code.as_deref())
        .unwrap_or("");
    let time = if record.yearless {
        let reference = at.modified.map_or(ctx.now, |m| m.min(ctx.now));
        record.time.map(|t| with_year(t, reference))
    } else {
        record.time
    };
    Event {
        time,
        platform,
        format: at.format.id(),
        action: found.name,
        actor: clean(record.actor),
        tenant: clean(record.tenant),
        source_ip: clean(record.source_ip),
        resource: clean(record.resource.or(record.path)),
        cause,
        reason: tidy_reason(reason, ctx.redact),
        request_id: clean(record.request_id),
        rule,
        dedup_key: record.dedup_key.map(Cow::into_owned),
        file: at.file.clone(),
        line: at.line,
        record: at.record,
    }
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

/// A year-less time (RFC 3164 syslog) placed in the year of `now` (the file's modification
/// time, or the clock), or the year before when that would put it more than a day after
/// `now`: the most recent such date not after it, as lnav and rsyslog date them.
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
