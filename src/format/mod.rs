//! Log formats: one module per format behind the [`LogFormat`] trait, and the [`InputFormat`]
//! enum that is the only list of them. A format turns one raw record into a [`Record`]:
//! the format-specific fields mapped onto the common names the rules look at.

mod app_fields;
pub mod cloudtrail;
pub mod json_lines;
pub mod logfmt;
pub mod sniff;
pub mod text;
pub mod time;

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::event::Platform;

/// Every format keydeny reads. Sniffed per file from content; `--input-format` overrides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum InputFormat {
    /// AWS CloudTrail records: `{"Records":[...]}` envelopes, JSON arrays or one per line.
    Cloudtrail,
    /// JSON application logs, one object per line (time, level, msg, error, user, ...).
    Json,
    /// logfmt lines (`key=value key="quoted value"`), as Grafana, Go and Heroku apps write.
    Logfmt,
    /// Plain-text application logs: timestamp, level, optional `[logger]`, free message.
    Text,
}

impl InputFormat {
    pub const ALL: [InputFormat; 4] = [
        InputFormat::Cloudtrail,
        InputFormat::Json,
        InputFormat::Logfmt,
        InputFormat::Text,
    ];

    pub fn id(self) -> &'static str {
        match self {
            InputFormat::Cloudtrail => "cloudtrail",
            InputFormat::Json => "json",
            InputFormat::Logfmt => "logfmt",
            InputFormat::Text => "text",
        }
    }

    /// The parser for this format.
    pub fn parser(self) -> &'static dyn LogFormat {
        match self {
            InputFormat::Cloudtrail => &cloudtrail::CloudTrail,
            InputFormat::Json => &json_lines::JsonLines,
            InputFormat::Logfmt => &logfmt::Logfmt,
            InputFormat::Text => &text::Text,
        }
    }

    /// Whether a record that fails to parse is malformed (JSON) rather than just "other" text.
    pub fn is_json(self) -> bool {
        matches!(self, InputFormat::Cloudtrail | InputFormat::Json)
    }
}

/// One parser. `sniff` scores a sample of a file (0 = certainly not this format);
/// `parse` maps one raw record onto a [`Record`] borrowing from it.
pub trait LogFormat: Sync {
    fn sniff(&self, sample: &sniff::Sample<'_>) -> u32;
    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a>;
}

/// What a parser made of one raw record.
#[derive(Debug)]
pub enum Parsed<'a> {
    Record(Box<Record<'a>>),
    /// Well-formed but nothing to look at (a blank line, a JSON scalar).
    Other,
    /// Broken input for this format; the reason is reported with file and line.
    Malformed(String),
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
}

impl<'a> Record<'a> {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// `Some(value)` unless the value is empty or a placeholder such as `-` or `null`.
pub(crate) fn non_empty<'a>(value: Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    value.filter(|v| {
        let v = v.trim();
        !v.is_empty() && v != "-" && v != "null"
    })
}

/// The verdict for a record that is not what a JSON parser expected: malformed when it is
/// not valid JSON (with serde's message), else just "other" (valid JSON of another shape).
/// Every JSON path reports the same message, with or without the prefilter.
pub(crate) fn json_failure<'a>(raw: &[u8]) -> Parsed<'a> {
    if raw.trim_ascii().is_empty() {
        return Parsed::Other;
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
        Ok(_) => Parsed::Other,
        Err(e) => Parsed::Malformed(format!("invalid JSON: {e}")),
    }
}
