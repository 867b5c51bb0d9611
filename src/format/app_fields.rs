//! The conventional field names of application logs (JSON and logfmt alike), mapped onto a
//! [`Record`]: `time`/`ts`/`timestamp`, `msg`/`message`, `error`/`err`, `user`/`actor`, ...
//! One list, so every structured app format understands the same keys.

use std::borrow::Cow;

use super::{Outcome, Record, non_empty, time};
use crate::event::Platform;

const TIME: &[&str] = &[
    "time",
    "ts",
    "timestamp",
    "@timestamp",
    "t",
    "datetime",
    "date",
];
const LEVEL: &[&str] = &["level", "severity", "lvl", "loglevel", "log.level"];
const MESSAGE: &[&str] = &["msg", "message", "event", "log"];
const ERROR: &[&str] = &[
    "error",
    "err",
    "error.message",
    "err.message",
    "error.msg",
    "error_message",
    "errorMessage",
    "exception",
    "errorReason",
    "api.status",
    "error_reason",
    "reason",
    "reason_code",
    "reasonCode",
    "error.reason",
    "error_description",
    "errorDescription",
    "why",
    "detail",
];
const ERROR_CODE: &[&str] = &["error.code", "error_code", "errorCode", "code", "err.code"];
const ACTOR: &[&str] = &[
    "actor",
    "user",
    "username",
    "user_name",
    "uname",
    "remote_user",
    "principal",
    "actor.email",
    "principal.email",
    "principal.name",
    "principal.id",
    "actor.name",
    "actor.id",
    "user.email",
    "user.name",
    "user.username",
    "user.id",
    "user_id",
    "userId",
    "login",
    "email",
    "requestClaims.accessKey",
    "accessKey",
];
const TENANT: &[&str] = &[
    "tenant",
    "tenant_id",
    "tenantId",
    "org",
    "org_id",
    "orgId",
    "organization",
    "organization_id",
    "org.name",
    "org.id",
    "tenant.id",
    "tenant.name",
    "account",
    "account_id",
    "project",
    "project_id",
    "workspace",
    "realm",
    "realmName",
];
const SOURCE_IP: &[&str] = &[
    "ip",
    "remote_addr",
    "remote_ip",
    "client_ip",
    "clientIp",
    "source_ip",
    "src_ip",
    "ip_address",
    "remoteAddr",
    "http.client_ip",
    "remotehost",
];
const REQUEST_ID: &[&str] = &[
    "request_id",
    "requestId",
    "req_id",
    "reqId",
    "trace_id",
    "traceId",
    "correlation_id",
    "requestID",
];
const STATUS: &[&str] = &[
    "status",
    "status_code",
    "statusCode",
    "http_status",
    "http.status_code",
    "http.status",
    "response.status",
    "api.statusCode",
];
const METHOD: &[&str] = &["method", "http_method", "http.method", "request_method"];
const PATH: &[&str] = &[
    "path",
    "url",
    "uri",
    "route",
    "request_path",
    "http.path",
    "endpoint",
];
const ACTION: &[&str] = &[
    "action",
    "event.action",
    "event_action",
    "eventAction",
    "operation",
    "op",
    "api.name",
    "event_type",
    "eventType",
    "event_name",
    "eventName",
    "event",
    "type",
];
/// Fields that say how the request ended, in words (`outcome=denied`, `result=success`).
const OUTCOME: &[&str] = &[
    "outcome",
    "event.outcome",
    "outcome.result",
    "result",
    "decision",
    "verdict",
    "status",
];
const RESOURCE: &[&str] = &["resource", "key_name", "token_name", "target"];

/// Build an app-log record from a field lookup (`key` or dotted `parent.child`).
pub fn app_record<'a>(lookup: impl Fn(&str) -> Option<Cow<'a, str>>) -> Record<'a> {
    let first = |keys: &[&str]| keys.iter().find_map(|k| non_empty(lookup(k)));
    let status = first(STATUS).and_then(|s| s.trim().parse::<u16>().ok());
    let message = first(MESSAGE);
    let (error, codes) = errors(&lookup);
    let worded = first(OUTCOME).and_then(|o| outcome_word(&o));
    let outcome = match (outcome_from_status(status), worded) {
        (Outcome::Unstated, Some(Worded::Denied)) => Outcome::Denied,
        (Outcome::Unstated, Some(Worded::Succeeded)) => Outcome::NotDenied,
        (by_status, _) => by_status,
    };
    let mut record = Record {
        time: first(TIME).and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::App),
        action: first(ACTION),
        outcome: Some(outcome),
        error_code: first(ERROR_CODE).filter(|c| c.parse::<u16>().is_err()),
        status,
        message: join_text(message, error),
        actor: first(ACTOR),
        tenant: first(TENANT),
        source_ip: first(SOURCE_IP),
        resource: first(RESOURCE),
        request_id: first(REQUEST_ID),
        method: first(METHOD),
        path: first(PATH),
        ..Record::default()
    };
    if let Some(level) = first(LEVEL) {
        record.attrs.push(("level", level));
    }
    if let Some(codes) = codes {
        // Every reason field (`error` and `why`), for the vocabulary; the message keeps one.
        record.attrs.push(("reasons", codes));
    }
    if worded == Some(Worded::Failed) {
        record.attrs.push(("outcome", Cow::Borrowed("failure")));
    }
    if is_access_record(&record) {
        // A request log (method, path, status, no message): what a web server writes.
        let reason: Cow<str> =
            Cow::Owned(super::access_log::status_reason(record.status.unwrap_or(0)));
        record.platform = Some(Platform::Http);
        record.message = Some(reason.clone());
        record.reason = Some(reason);
    }
    record
}

/// The first error field (for the message), and when there are more (`error` and `why`),
/// every distinct one joined with `: ` (for the vocabulary), in one pass over the keys.
fn errors<'a>(
    lookup: &impl Fn(&str) -> Option<Cow<'a, str>>,
) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    let mut values = ERROR.iter().filter_map(|k| non_empty(lookup(k)));
    let Some(first) = values.next() else {
        return (None, None);
    };
    let mut all: Option<String> = None;
    for value in values {
        let so_far = all.get_or_insert_with(|| first.to_string());
        if !so_far.contains(value.as_ref()) {
            so_far.push_str(": ");
            so_far.push_str(&value);
        }
    }
    let all = all.filter(|a| a.as_str() != first.as_ref());
    (Some(first), all.map(Cow::Owned))
}

/// What an outcome word says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Worded {
    Denied,
    Failed,
    Succeeded,
}

/// `denied`, `DENY`, `access-denied` -> denied; `failure`, `error` -> failed (refused or
/// not: the text decides); `success`, `allowed` -> succeeded; anything else says nothing.
fn outcome_word(value: &str) -> Option<Worded> {
    let value = value.trim();
    if value.len() > 20 || value.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let word = value.to_ascii_lowercase().replace(['-', ' '], "_");
    match word.as_str() {
        "deny" | "denied" | "reject" | "rejected" | "refused" | "blocked" | "forbidden"
        | "forbid" | "unauthorized" | "unauthorised" | "disallowed" | "prohibited"
        | "not_allowed" | "not_permitted" | "permission_denied" | "access_denied" => {
            Some(Worded::Denied)
        }
        "failure" | "failed" | "fail" | "error" => Some(Worded::Failed),
        "success" | "succeeded" | "successful" | "ok" | "allow" | "allowed" | "granted"
        | "permitted" | "accepted" | "created" | "completed" => Some(Worded::Succeeded),
        _ => None,
    }
}

fn is_access_record(record: &Record<'_>) -> bool {
    record.message.is_none()
        && record.method.is_some()
        && record.path.is_some()
        && record.status.is_some()
}

/// 401/402/403 are refusals; 1xx-3xx are not; anything else leaves it to the text.
pub fn outcome_from_status(status: Option<u16>) -> Outcome {
    match status {
        Some(401..=403) => Outcome::Denied,
        Some(100..=399) => Outcome::NotDenied,
        _ => Outcome::Unstated,
    }
}

fn join_text<'a>(
    message: Option<Cow<'a, str>>,
    error: Option<Cow<'a, str>>,
) -> Option<Cow<'a, str>> {
    match (message, error) {
        (Some(m), Some(e)) if m.contains(e.as_ref()) => Some(m),
        (Some(m), Some(e)) => Some(Cow::Owned(format!("{m}: {e}"))),
        (m, e) => m.or(e),
    }
}
