//! What every parser makes of a raw record: [`Parsed`], the common [`Record`] and its
//! [`Outcome`], and the small helpers all parsers share. A module of its own so that the
//! format modules depend on it and not on each other.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::event::Platform;

/// What a parser made of one raw record.
#[derive(Debug)]
pub enum Parsed<'a> {
    Record(Box<Record<'a>>),
    /// Well-formed but nothing to look at (a blank line, a JSON scalar).
    Other,
    /// Broken input for this format; the reason is reported with file and line.
    Malformed(String),
    /// Not of this format's shape (a plain line in a syslog or access log): the file's
    /// fallback format, plain text, reads it instead. Logs mix shapes (a process's own
    /// lines between its structured ones, a panic in a JSON log).
    Foreign,
}

/// Whether the system itself says the request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An error code, status or outcome field says it was refused.
    Denied,
    /// The system says it succeeded (or failed for a reason that is not a refusal).
    NotDenied,
    /// Nothing structured says; the denial rules decide from the text.
    Unstated,
}

/// A parsed record: the fields the extractor and the cause rules look at.
#[derive(Debug, Default)]
pub struct Record<'a> {
    pub time: Option<DateTime<Utc>>,
    pub platform: Option<Platform>,
    /// The structured action name (`iam:CreateAccessKey`), when the format has one.
    pub action: Option<Cow<'a, str>>,
    pub outcome: Option<Outcome>,
    pub error_code: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    /// Free text: the log message (and for app logs the error), searched by text rules.
    pub message: Option<Cow<'a, str>>,
    /// The system's own reason for the refusal, when a field holds it.
    pub reason: Option<Cow<'a, str>>,
    pub actor: Option<Cow<'a, str>>,
    pub tenant: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    pub resource: Option<Cow<'a, str>>,
    pub request_id: Option<Cow<'a, str>>,
    pub dedup_key: Option<Cow<'a, str>>,
    pub method: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    /// Extra named facts for rules (`mfa_authenticated`, `level`, ...).
    pub attrs: Vec<(&'static str, Cow<'a, str>)>,
    /// The time came without a year (RFC 3164 syslog): the extractor supplies it.
    pub yearless: bool,
}

impl<'a> Record<'a> {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl Record<'_> {
    /// A copy that owns all its text.
    pub fn into_owned(self) -> Record<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|v| Cow::Owned(v.into_owned()));
        Record {
            time: self.time,
            platform: self.platform,
            action: own(self.action),
            outcome: self.outcome,
            error_code: own(self.error_code),
            status: self.status,
            message: own(self.message),
            reason: own(self.reason),
            actor: own(self.actor),
            tenant: own(self.tenant),
            source_ip: own(self.source_ip),
            resource: own(self.resource),
            request_id: own(self.request_id),
            dedup_key: own(self.dedup_key),
            method: own(self.method),
            path: own(self.path),
            attrs: self
                .attrs
                .into_iter()
                .map(|(k, v)| (k, Cow::Owned(v.into_owned())))
                .collect(),
            yearless: self.yearless,
        }
    }
}

/// `Some(value)` unless the value is empty or a placeholder such as `-` or `null`.
pub fn non_empty<'a>(value: Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    value.filter(|v| {
        let v = v.trim();
        !v.is_empty() && v != "-" && v != "null"
    })
}

/// Run `parse` on the line as text: borrowed when it is UTF-8, else on a lossy copy whose
/// record is then made owned (invalid bytes become U+FFFD; the line is never dropped).
pub fn with_text<'a>(raw: &'a [u8], parse: impl for<'b> Fn(&'b str) -> Parsed<'b>) -> Parsed<'a> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match std::str::from_utf8(raw) {
        Ok(text) => parse(text),
        Err(_) => {
            let text = String::from_utf8_lossy(raw).into_owned();
            match parse(&text) {
                Parsed::Record(record) => Parsed::Record(Box::new(record.into_owned())),
                Parsed::Other => Parsed::Other,
                Parsed::Malformed(reason) => Parsed::Malformed(reason),
                Parsed::Foreign => Parsed::Foreign,
            }
        }
    }
}

/// `HTTP 403 Forbidden`.
pub fn status_reason(status: u16) -> String {
    let phrase = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "",
    };
    format!("HTTP {status} {phrase}").trim_end().to_string()
}
