//! The conventional field names of application logs (JSON and logfmt alike), mapped onto a
//! [`Record`]: `time`/`ts`/`timestamp`, `msg`/`message`, `error`/`err`, `user`/`actor`, ...
//! One list, so every structured app format understands the same keys. The lists cover the
//! layouts of the logging libraries apps use: Logstash/ECS (`@timestamp`, `log.level`,
//! `error.message`, `http.request.method`, `url.path`, `client.ip`), log4j2 JSON
//! (`timeMillis`, `instant`, `thrown.message`), Serilog CLEF (`@t`, `@m`/`@mt`, `@l`, `@x`),
//! zap/zerolog/logrus/slog (`ts`, `msg`, `error`), Bunyan/pino (numeric `level`, `req`,
//! `res`, `err`), winston, python-json-logger and structlog (`asctime`, `levelname`,
//! `event`), GCP Cloud Logging (`jsonPayload`, `textPayload`, `httpRequest`), OpenTelemetry
//! and Datadog attributes (`body`, `enduser.id`, `usr.id`, `network.client.ip`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::record::{Outcome, Record, non_empty};
use super::time;
use crate::event::Platform;
use crate::vocab::words::cause_field;

const TIME: &[&str] = &[
    "time",
    "ts",
    "timestamp",
    "@timestamp",
    "t",
    "datetime",
    "date",
    "@t",
    "timeMillis",
    "instant.epochSecond",
    "asctime",
    "Timestamp",
    "time_local",
    "created",
];
const LEVEL: &[&str] = &[
    "level",
    "severity",
    "lvl",
    "loglevel",
    "log.level",
    "@l",
    "levelname",
    "level_name",
    "severity_text",
    "SeverityText",
    "Level",
];
const MESSAGE: &[&str] = &[
    "msg",
    "message",
    "event",
    "log",
    "@m",
    "@mt",
    "textPayload",
    "jsonPayload.message",
    "jsonPayload.msg",
    "body",
    "Body",
    "short_message",
    "Message",
    "m",
];
const ERROR: &[&str] = &[
    "error",
    "err",
    "error.message",
    "err.message",
    "error.msg",
    "error_message",
    "errorMessage",
    "exception",
    "@x",
    "exception.message",
    "thrown.message",
    "exc_info",
    "exc_text",
    "stack_trace",
    "error.stack_trace",
    "jsonPayload.error",
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
    "desc",
    "event.reason",
    "context.reason",
    "ctx.reason",
    "details.reason",
    "error.type",
    "err.type",
    "error.kind",
];
/// Fields that name the permission or scope a request needed (`permissions=
/// "serviceaccounts:write"`, `required_scope`): said in words for the vocabulary.
const PERMISSION: &[&str] = &[
    "permission",
    "permissions",
    "required_permission",
    "requiredPermission",
    "missing_permission",
    "missingPermission",
    "required_permissions",
    "required_scope",
    "requiredScope",
    "missing_scope",
    "required_role",
    "requiredRole",
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
    "enduser.id",
    "usr.id",
    "usr.email",
    "usr.name",
    "userName",
    "user_email",
    "jsonPayload.user",
    "User",
    "UserName",
    "contextMap.user",
    "mdc.user",
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
    "client.ip",
    "source.ip",
    "remoteIp",
    "httpRequest.remoteIp",
    "req.remoteAddress",
    "req.ip",
    "network.client.ip",
    "clientIP",
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
    "trace.id",
    "logging.googleapis.com/trace",
    "RequestId",
    "request.id",
    "http.request.id",
    "req.id",
    "awsRequestId",
    "x_request_id",
];
const STATUS: &[&str] = &[
    "status",
    "resp",
    "status_code",
    "statusCode",
    "http_status",
    "http.status_code",
    "http.status",
    "response.status",
    "api.statusCode",
    "http.response.status_code",
    "res.statusCode",
    "httpRequest.status",
    "response.status_code",
    "res.status",
    "StatusCode",
];
const METHOD: &[&str] = &[
    "method",
    "verb",
    "http_method",
    "http.method",
    "request_method",
    "http.request.method",
    "req.method",
    "httpRequest.requestMethod",
    "request.method",
    "RequestMethod",
];
const PATH: &[&str] = &[
    "path",
    "URI",
    "url",
    "uri",
    "route",
    "request_path",
    "http.path",
    "endpoint",
    "url.path",
    "req.url",
    "httpRequest.requestUrl",
    "request.path",
    "request.url",
    "url.original",
    "http.target",
    "RequestPath",
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
    "evt.name",
    "evt",
    "grpc.method",
    "rpc",
    "rpc.method",
    "rpc_method",
    "handler",
    "api",
    "Operation",
    "operationName",
    "OperationName",
    "methodName",
];
/// Fields that say how the request ended, in words (`outcome=denied`, `result=success`).
const OUTCOME: &[&str] = &[
    "outcome",
    "evt.outcome",
    "grpc.code",
    "event.outcome",
    "outcome.result",
    "result",
    "decision",
    "verdict",
    "status",
];
/// Fields that name the subsystem that logged (`svc=tokens op=mint`: the action is the
/// tokens service's mint).
const COMPONENT: &[&str] = &[
    "svc",
    "controller",
    "component",
    "logger",
    "logger_name",
    "loggerName",
    "subsystem",
    "module",
];
const RESOURCE: &[&str] = &["resource", "key_name", "token_name", "target"];

/// A record's fields: `(name, value)` pairs, nested names dotted (`error.message`), in
/// document order (a later pair of the same name wins, as in logfmt readers).
pub type Fields<'a> = [(Cow<'a, str>, Cow<'a, str>)];

/// The conventional fields, each a list of names, earlier names preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Time,
    Level,
    Message,
    Error,
    Permission,
    ErrorCode,
    Actor,
    Tenant,
    SourceIp,
    RequestId,
    Status,
    Method,
    Path,
    Action,
    Outcome,
    Component,
    Resource,
}

const SLOTS: [(Slot, &[&str]); 17] = [
    (Slot::Time, TIME),
    (Slot::Level, LEVEL),
    (Slot::Message, MESSAGE),
    (Slot::Error, ERROR),
    (Slot::Permission, PERMISSION),
    (Slot::ErrorCode, ERROR_CODE),
    (Slot::Actor, ACTOR),
    (Slot::Tenant, TENANT),
    (Slot::SourceIp, SOURCE_IP),
    (Slot::RequestId, REQUEST_ID),
    (Slot::Status, STATUS),
    (Slot::Method, METHOD),
    (Slot::Path, PATH),
    (Slot::Action, ACTION),
    (Slot::Outcome, OUTCOME),
    (Slot::Component, COMPONENT),
    (Slot::Resource, RESOURCE),
];

/// Field name -> the slots it fills and its rank in each list: one hash lookup per field of a
/// record, not one search of the record per conventional name.
static SLOT_OF_NAME: LazyLock<HashMap<&'static str, Vec<(Slot, usize)>>> = LazyLock::new(|| {
    let mut index: HashMap<&'static str, Vec<(Slot, usize)>> = HashMap::new();
    for (slot, names) in SLOTS {
        for (rank, name) in names.iter().enumerate() {
            index.entry(name).or_default().push((slot, rank));
        }
    }
    index
});

/// The slots a name fills, each with the name's rank in its list.
type SlotRanks = Cow<'static, [(Slot, usize)]>;

/// How much a level of wrapping lowers a name's rank (more than any list is long).
const RANK_PER_LEVEL: usize = 1000;

/// The slots a field name fills, and how many leading objects were taken off its name to
/// find it: `outcome.result` as it is (0), or inside a relay's wrapper, `okta.outcome.result`
/// (1). A single word found so only says what was done and how it ended
/// (`okta.eventType`, `request.uri`): `response.body` is no message.
fn slots_of(name: &str) -> Option<(SlotRanks, usize)> {
    if let Some(slots) = SLOT_OF_NAME.get(name) {
        return Some((Cow::Borrowed(slots.as_slice()), 0));
    }
    // (`.eventName` of a jq filter quoted in prose is no field.)
    if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
        return None;
    }
    let mut rest = name;
    let mut nested = 0;
    while let Some((_, inner)) = rest.split_once('.') {
        nested += 1;
        rest = inner;
        let Some(slots) = SLOT_OF_NAME.get(rest) else {
            continue;
        };
        if rest.contains('.') {
            return Some((Cow::Borrowed(slots.as_slice()), nested));
        }
        let said: Vec<(Slot, usize)> = slots
            .iter()
            .copied()
            .filter(|(slot, _)| NESTED_WORD_SLOTS.contains(slot))
            .collect();
        return (!said.is_empty()).then_some((Cow::Owned(said), nested));
    }
    None
}

/// The slots a single word fills inside a wrapping object.
const NESTED_WORD_SLOTS: [Slot; 5] = [
    Slot::Action,
    Slot::Outcome,
    Slot::Error,
    Slot::Method,
    Slot::Path,
];

/// The value of each conventional field a record has (the best-ranked name), and every
/// error field in rank order.
struct Conventional<'a> {
    best: Vec<Option<(usize, Cow<'a, str>)>>,
    errors: Vec<(usize, Cow<'a, str>)>,
}

impl<'a> Conventional<'a> {
    fn of(fields: &Fields<'a>) -> Conventional<'a> {
        let mut found = Conventional {
            best: vec![None; SLOTS.len()],
            errors: Vec::new(),
        };
        for (name, value) in fields {
            let Some((slots, nested)) = slots_of(name) else {
                continue;
            };
            let Some(value) = non_empty(Some(value.clone())) else {
                continue;
            };
            for &(slot, rank) in slots.iter() {
                // A name found inside a wrapping object (`okta.outcome.result`) ranks
                // after every name found as it is.
                let rank = rank + nested * RANK_PER_LEVEL;
                if slot == Slot::Error {
                    found.errors.retain(|(r, _)| *r != rank);
                    found.errors.push((rank, value.clone()));
                    continue;
                }
                let best = &mut found.best[slot as usize];
                if best.as_ref().is_none_or(|(r, _)| rank <= *r) {
                    *best = Some((rank, value.clone()));
                }
            }
        }
        found.errors.sort_by_key(|(rank, _)| *rank);
        found
    }

    fn take(&mut self, slot: Slot) -> Option<Cow<'a, str>> {
        self.best[slot as usize].take().map(|(_, value)| value)
    }
}

/// The value of `name` among the fields (the last one).
fn field<'a>(fields: &Fields<'a>, name: &str) -> Option<Cow<'a, str>> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Build an app-log record from its fields.
pub fn app_record<'a>(fields: &Fields<'a>) -> Record<'a> {
    let mut found = Conventional::of(fields);
    let status = found
        .take(Slot::Status)
        .and_then(|s| s.trim().parse::<u16>().ok());
    let message = serilog_rendered(fields).or_else(|| found.take(Slot::Message));
    let (error, codes) = errors(std::mem::take(&mut found.errors));
    let worded = found.take(Slot::Outcome).and_then(|o| outcome_word(&o));
    let outcome = match (outcome_from_status(status), worded) {
        (Outcome::Unstated, Some(Worded::Denied)) => Outcome::Denied,
        (Outcome::Unstated, Some(Worded::Succeeded)) => Outcome::NotDenied,
        (by_status, _) => by_status,
    };
    let mut record = Record {
        time: found
            .take(Slot::Time)
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::App),
        action: found.take(Slot::Action),
        outcome: Some(outcome),
        error_code: found
            .take(Slot::ErrorCode)
            .filter(|c| c.parse::<u16>().is_err()),
        status,
        message: join_text(message, error),
        actor: found.take(Slot::Actor),
        tenant: found.take(Slot::Tenant),
        source_ip: found.take(Slot::SourceIp),
        resource: found.take(Slot::Resource),
        request_id: found.take(Slot::RequestId),
        method: found.take(Slot::Method),
        path: found.take(Slot::Path),
        ..Record::default()
    };
    if let Some(level) = found.take(Slot::Level) {
        record.attrs.push(("level", level_name(level)));
    }
    method_and_path(&mut record);
    if record.action.is_some()
        && let Some(component) = found.take(Slot::Component)
    {
        record.attrs.push(("component", component));
    }
    // Every reason field (`error` and `why`), for the vocabulary; the message keeps one. A
    // server error status is said in words too (`outcome=failure status=500` is no
    // refusal), and so is the permission a request needed, named by its field.
    let server_error = status.filter(|s| (500..=599).contains(s));
    let mut extra: Vec<String> = Vec::new();
    if let Some(s) = server_error {
        extra.push(format!("HTTP {s}"));
    }
    if let Some(p) = found.take(Slot::Permission) {
        extra.push(format!("permission needed {p}"));
    }
    match codes {
        Some(codes) if extra.is_empty() => record.attrs.push(("reasons", codes)),
        codes if !extra.is_empty() => {
            let mut all: Vec<String> = codes.map(Cow::into_owned).into_iter().collect();
            all.extend(extra);
            record.attrs.push(("reasons", Cow::Owned(all.join(": "))));
        }
        _ => {}
    }
    if worded == Some(Worded::Failed) {
        record.attrs.push(("outcome", Cow::Borrowed("failure")));
    }
    if record.path.as_deref().is_none_or(|p| !p.starts_with('/')) {
        request_in_message(&mut record);
    }
    if is_access_record(&record) {
        // A request log (method, path, status, no message): what a web server writes.
        let reason: Cow<str> = Cow::Owned(super::record::status_reason(record.status.unwrap_or(0)));
        record.platform = Some(Platform::Http);
        record.message = Some(reason.clone());
        record.reason = Some(reason);
    }
    record
}

/// A `method` that is no HTTP method names the call (`method=IssueServiceCredential`, a
/// gRPC or JSON-RPC method): it is the action when no field names one. A `route` or `path`
/// that starts with the method (`route="POST /v1/client-secrets"`) is split.
fn method_and_path(record: &mut Record<'_>) {
    if let Some(method) = record.method.take() {
        match is_http_method(&method) {
            true => record.method = Some(method),
            false if record.action.is_none() => record.action = Some(method),
            false => {}
        }
    }
    let split = record.path.as_deref().and_then(|p| {
        let (method, path) = p.trim().split_once(' ')?;
        let path = path.trim_start();
        (is_http_method(method) && path.starts_with('/'))
            .then(|| (method.to_string(), path.to_string()))
    });
    if let Some((method, path)) = split {
        record.method.get_or_insert(Cow::Owned(method));
        record.path = Some(Cow::Owned(path));
    }
}

fn is_http_method(word: &str) -> bool {
    const METHODS: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    METHODS.iter().any(|m| m.eq_ignore_ascii_case(word))
}

/// The first error field (for the message), and when there are more (`error` and `why`),
/// every distinct one joined with `: ` (for the vocabulary), in rank order.
fn errors(ranked: Vec<(usize, Cow<'_, str>)>) -> (Option<Cow<'_, str>>, Option<Cow<'_, str>>) {
    let mut values = ranked.into_iter().map(|(_, value)| value);
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
        | "not_allowed" | "not_permitted" | "permission_denied" | "access_denied"
        | "permissiondenied" | "unauthenticated" => Some(Worded::Denied),
        "failure" | "failed" | "fail" | "error" => Some(Worded::Failed),
        "success" | "succeeded" | "successful" | "ok" | "allow" | "allowed" | "granted"
        | "permitted" | "accepted" | "created" | "completed" => Some(Worded::Succeeded),
        _ => None,
    }
}

/// A Serilog CLEF event without `@m` carries only its template `@mt`: render its
/// `{Property}` holes from the event's own properties, as Serilog would.
fn serilog_rendered<'a>(fields: &Fields<'a>) -> Option<Cow<'a, str>> {
    if field(fields, "@m").is_some() {
        return None;
    }
    let template = field(fields, "@mt")?;
    let mut out = String::with_capacity(template.len());
    let mut rest = template.as_ref();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let hole = &rest[open + 1..];
        let Some(close) = hole.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = hole[..close].trim_start_matches(['@', '$']);
        let name = name.split([':', ',']).next().unwrap_or(name);
        match field(fields, name) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &hole[close + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// Bunyan and pino write numeric levels: 50 is error.
fn level_name(level: Cow<'_, str>) -> Cow<'_, str> {
    let name = match level.trim().parse::<u32>() {
        Ok(10) => "trace",
        Ok(20) => "debug",
        Ok(30) => "info",
        Ok(40) => "warn",
        Ok(50) => "error",
        Ok(60) => "fatal",
        _ => return level,
    };
    Cow::Borrowed(name)
}

/// Words in a field name that say its value is said in words (`cf_message`, `deny_reason`,
/// `twilio_code`, `errors`, `exc_info`, `diagnostic_summary`): read by the vocabulary
/// besides the conventional fields, so an app's own field names need no list.
const SPOKEN: &[&str] = &[
    "message",
    "msg",
    "error",
    "err",
    "reason",
    "code",
    "detail",
    "desc",
    "why",
    "cause",
    "body",
    "exc",
    "exception",
    "summary",
    "problem",
    "hint",
    "outcome",
    "result",
    "decision",
    "rule",
    "fault",
    "violation",
    "block",
    "denied",
    "denial",
];

/// Every field whose name says its value is words (and that the record does not already
/// hold), joined for the vocabulary as the `spoken` attribute.
pub fn spoken_fields<'a>(record: &mut Record<'a>, fields: Vec<(Cow<'a, str>, Cow<'a, str>)>) {
    let mut said: Vec<Cow<'a, str>> = Vec::new();
    for (key, value) in fields {
        let name = key.rsplit('.').next().unwrap_or(&key).to_ascii_lowercase();
        if cause_field(&key, &value) {
            said.push(Cow::Owned(cause_field_words(&name, &value)));
            continue;
        }
        let spoken = SPOKEN.iter().any(|w| name.contains(w));
        let words = value.len() <= 4096 && value.bytes().any(|b| b.is_ascii_alphabetic());
        if !spoken || !words {
            continue;
        }
        let known = record
            .message
            .as_deref()
            .is_some_and(|m| m.contains(value.as_ref()))
            || record
                .attr("reasons")
                .is_some_and(|r| r.contains(value.as_ref()))
            || record.action.as_deref() == Some(value.as_ref())
            || said.iter().any(|s| s.contains(value.as_ref()));
        if !known {
            said.push(value);
        }
    }
    if !said.is_empty() {
        let joined = said
            .iter()
            .map(|s| s.as_ref())
            .collect::<Vec<_>>()
            .join(". ");
        record.attrs.push(("spoken", Cow::Owned(joined)));
    }
}

/// A field that says what a request lacked, in words: `mfa=false` reads "mfa 'false'",
/// `required_tier=business` reads "required tier 'business'" (the value a name).
fn cause_field_words(name: &str, value: &str) -> String {
    format!("{} '{value}'", name.replace(['_', '-'], " "))
}

/// A request summarised in the message (`"POST /api/keys HTTP/1.1" 401 61`, Gin's `| 403 |
/// ... | POST "/api/v1/tokens"`, `POST /v1/tokens -> 403 Forbidden`): its method and path, and
/// its status when no field gave one (the first status-like number after the request line,
/// else before it).
pub fn request_in_message(record: &mut Record<'_>) {
    let Some(message) = record.message.as_deref() else {
        return;
    };
    // A request line has a path (or a URL) after a blank or a quote: most messages have
    // neither.
    if !message.contains(" /") && !message.contains(" \"/") && !message.contains("://") {
        return;
    }
    let Some(found) = REQUEST_LINE.captures(message) else {
        return;
    };
    let (Some(method), Some(path), Some(all)) = (found.get(1), found.get(2), found.get(0)) else {
        return;
    };
    let status = record.status.or_else(|| {
        let after = status_numbers(&message[all.end()..]).next();
        after.or_else(|| status_numbers(&message[..all.start()]).last())
    });
    let path = path.as_str().trim_end_matches([':', ',', ';', '.', ')']);
    let (method, path) = (method.as_str().to_string(), path.to_string());
    record.method = Some(Cow::Owned(method));
    record.path = Some(Cow::Owned(path));
    if record.status.is_none() && status.is_some() {
        record.status = status;
        if record.outcome.is_none_or(|o| o == Outcome::Unstated) {
            record.outcome = Some(outcome_from_status(status));
        }
    }
}

static REQUEST_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(GET|POST|PUT|PATCH|DELETE)\s+"?(?:https?://[^/\s"]+)?(/[^\s"]*)"#)
        .expect("request line pattern")
});

/// Stand-alone three-digit numbers 100-599 (between blanks, `|`, quotes or `->`).
fn status_numbers(text: &str) -> impl Iterator<Item = u16> + '_ {
    text.split(|c: char| c.is_ascii_whitespace() || matches!(c, '|' | '"' | '>' | '(' | ')' | ','))
        .filter(|t| t.len() == 3)
        .filter_map(|t| t.parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s))
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

#[cfg(test)]
mod request_tests {
    use super::*;

    #[test]
    fn request_summarised_in_a_message() {
        let cases = [
            (
                r#"1.2.3.4 - - [x] "POST /api/keys HTTP/1.1" 401 61 "-""#,
                "POST",
                "/api/keys",
                Some(401),
            ),
            (
                r#"[GIN] 2025/01/14 - 09:08:12 | 403 |     1.204ms |     203.0.113.7 | POST     "/api/v1/tokens""#,
                "POST",
                "/api/v1/tokens",
                Some(403),
            ),
            (
                "Error: POST https://api.example.com/v2/tokens: 403 (request \"c41e\") denied",
                "POST",
                "/v2/tokens",
                Some(403),
            ),
            (
                "POST /v1/tokens -> 403 Forbidden",
                "POST",
                "/v1/tokens",
                Some(403),
            ),
            (
                r#"[03/Sep/2024 16:29:40] "POST /api/v1/api-keys/ HTTP/1.1" 402 87"#,
                "POST",
                "/api/v1/api-keys/",
                Some(402),
            ),
        ];
        for (message, method, path, status) in cases {
            let mut record = Record {
                message: Some(Cow::Borrowed(message)),
                ..Record::default()
            };
            request_in_message(&mut record);
            assert_eq!(record.method.as_deref(), Some(method), "{message}");
            assert_eq!(record.path.as_deref(), Some(path), "{message}");
            assert_eq!(record.status, status, "{message}");
            assert_eq!(record.outcome, Some(Outcome::Denied), "{message}");
        }
    }
}
