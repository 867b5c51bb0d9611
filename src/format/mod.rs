//! Log formats: one module per format behind the [`LogFormat`] trait, and the [`InputFormat`]
//! enum that is the only list of them. A format turns one raw record into a [`Record`]
//! (see [`record`]): the format-specific fields mapped onto the common names the rules look
//! at. Each format states its own facts on the trait (platforms, JSON or not, how lines are
//! joined); the enum only names it.
//!
//! Adding a format:
//! 1. `src/format/<name>.rs`: a unit struct implementing [`LogFormat`] — `sniff` (score a
//!    sample; 0 = certainly not), `parse` (one raw record; [`Parsed::Foreign`] for a line of
//!    another shape), `platforms` (an audit format names its platform, never `App`, or the
//!    prefilter drops its structured denials), `is_json`, `joining`; a table of real lines as
//!    unit tests.
//! 2. Here: `pub mod <name>;`, a variant of [`InputFormat`] with a doc line, and its entry in
//!    `ALL`, `id` and `parser` (the compiler checks each match).
//! 3. `fixtures/logs/<id>/`: real sample logs (a test checks each sniffs as its format), and
//!    their expected events in `fixtures/expect/`.

pub mod access_log;
mod app_fields;
pub mod azure_activity;
pub mod cloudtrail;
pub mod cri;
pub mod docker;
pub mod gcp_audit;
pub mod github_audit;
pub mod gitlab;
pub mod inner;
pub mod journald;
pub mod json_lines;
pub mod json_object;
pub mod json_valid;
pub mod k8s_audit;
mod layouts;
pub mod logfmt;
pub mod okta;
pub mod record;
pub mod sniff;
pub mod syslog;
pub mod text;
pub mod time;
pub mod vault_audit;

use crate::event::Platform;
pub use record::{Outcome, Parsed, Record, non_empty, status_reason, with_text};

/// Every format keydeny reads: the only list of them. Sniffed per file from content;
/// `--input-format` overrides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum InputFormat {
    /// AWS CloudTrail records: `{"Records":[...]}` envelopes, JSON arrays or one per line.
    Cloudtrail,
    /// GCP Cloud Audit Logs: LogEntry lines (sink export) or `gcloud logging read` arrays.
    GcpAudit,
    /// Azure Activity Log: JSON Lines (storage export) or `{"records":[...]}` (Event Hubs).
    AzureActivity,
    /// Kubernetes audit events (`audit.k8s.io/v1`), one per line.
    K8sAudit,
    /// HashiCorp Vault audit device entries (request and response), one per line.
    VaultAudit,
    /// Okta System Log events.
    Okta,
    /// GitHub audit log (REST or streaming export).
    GithubAudit,
    /// GitLab `audit_json.log` and `api_json.log`.
    Gitlab,
    /// nginx/Apache access logs, combined or common format.
    AccessLog,
    /// syslog RFC 3164 or RFC 5424 lines; the message is read as an app log.
    Syslog,
    /// Docker json-file lines (`{"log":...,"stream":...,"time":...}`); `log` is read as an app log.
    Docker,
    /// Kubernetes CRI container log lines (`<time> stderr F <message>`), partial lines joined.
    Cri,
    /// journald JSON export (`journalctl -o json`); `MESSAGE` is read as an app log.
    Journald,
    /// JSON application logs, one object per line (time, level, msg, error, user, ...).
    Json,
    /// logfmt lines (`key=value key="quoted value"`), as Grafana, Go and Heroku apps write.
    Logfmt,
    /// Plain-text application logs: timestamp, level, optional `[logger]`, free message.
    Text,
}

impl InputFormat {
    pub const ALL: [InputFormat; 16] = [
        InputFormat::Cloudtrail,
        InputFormat::GcpAudit,
        InputFormat::AzureActivity,
        InputFormat::K8sAudit,
        InputFormat::VaultAudit,
        InputFormat::Okta,
        InputFormat::GithubAudit,
        InputFormat::Gitlab,
        InputFormat::AccessLog,
        InputFormat::Syslog,
        InputFormat::Docker,
        InputFormat::Cri,
        InputFormat::Journald,
        InputFormat::Json,
        InputFormat::Logfmt,
        InputFormat::Text,
    ];

    pub fn id(self) -> &'static str {
        match self {
            InputFormat::Cloudtrail => "cloudtrail",
            InputFormat::GcpAudit => "gcp_audit",
            InputFormat::AzureActivity => "azure_activity",
            InputFormat::K8sAudit => "k8s_audit",
            InputFormat::VaultAudit => "vault_audit",
            InputFormat::Okta => "okta",
            InputFormat::GithubAudit => "github_audit",
            InputFormat::Gitlab => "gitlab",
            InputFormat::AccessLog => "access_log",
            InputFormat::Syslog => "syslog",
            InputFormat::Docker => "docker",
            InputFormat::Cri => "cri",
            InputFormat::Journald => "journald",
            InputFormat::Json => "json",
            InputFormat::Logfmt => "logfmt",
            InputFormat::Text => "text",
        }
    }

    /// The parser for this format.
    pub fn parser(self) -> &'static dyn LogFormat {
        match self {
            InputFormat::Cloudtrail => &cloudtrail::CloudTrail,
            InputFormat::GcpAudit => &gcp_audit::GcpAudit,
            InputFormat::AzureActivity => &azure_activity::AzureActivity,
            InputFormat::K8sAudit => &k8s_audit::K8sAudit,
            InputFormat::VaultAudit => &vault_audit::VaultAudit,
            InputFormat::Okta => &okta::Okta,
            InputFormat::GithubAudit => &github_audit::GithubAudit,
            InputFormat::Gitlab => &gitlab::Gitlab,
            InputFormat::AccessLog => &access_log::AccessLog,
            InputFormat::Syslog => &syslog::Syslog,
            InputFormat::Docker => &docker::Docker,
            InputFormat::Cri => &cri::Cri,
            InputFormat::Journald => &journald::Journald,
            InputFormat::Json => &json_lines::JsonLines,
            InputFormat::Logfmt => &logfmt::Logfmt,
            InputFormat::Text => &text::Text,
        }
    }

    /// The platforms this format's records can have: only their actions' literals are
    /// looked for by the prefilter.
    pub fn platforms(self) -> &'static [Platform] {
        self.parser().platforms()
    }

    /// Whether this format's records are refused by wording or an HTTP status (app logs and
    /// their wrappers) rather than by a structured outcome field.
    pub fn refusal_by_wording(self) -> bool {
        self.platforms().contains(&Platform::App)
    }

    /// For formats that split one record over several lines: how lines are joined.
    pub fn joining(self) -> Option<Joining> {
        self.parser().joining()
    }

    /// Whether a record of this format that is not of its shape is read as plain text
    /// (every line format but text itself; JSON formats send non-JSON lines to text before
    /// parsing, see [`looks_like_json`]).
    pub fn falls_back_to_text(self) -> bool {
        !self.is_json() && self != InputFormat::Text
    }

    /// Whether records are JSON, so that one that fails to parse is malformed (text formats
    /// have no malformed lines: anything is text).
    pub fn is_json(self) -> bool {
        self.parser().is_json()
    }
}

/// One parser. `sniff` scores a sample of a file (0 = certainly not this format);
/// `parse` maps one raw record onto a [`Record`] borrowing from it.
/// The facts of a format live beside its parser, with no default: a new format states them.
pub trait LogFormat: Sync {
    fn sniff(&self, sample: &sniff::Sample<'_>) -> u32;
    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a>;
    /// The platforms its records can have: the prefilter looks for their actions' literals
    /// only (an audit format that said "app" here would lose its structured denials).
    fn platforms(&self) -> &'static [Platform];
    /// Whether records are JSON (one that fails to parse is malformed).
    fn is_json(&self) -> bool;
    /// For a format that splits one record over several lines (CRI partial lines), how the
    /// lines are joined; `None` for one record per line.
    fn joining(&self) -> Option<Joining>;
}

/// How a format joins a record split over lines: whether a line is continued by the next,
/// and the part of a continuation line that is appended to the record.
#[derive(Clone, Copy)]
pub struct Joining {
    pub continues: fn(&[u8]) -> bool,
    pub continuation: fn(&[u8]) -> &[u8],
}

/// Parse a JSON object record with `map`, or give the JSON verdict for anything else.
pub(crate) fn parse_json<'a>(
    raw: &'a [u8],
    map: impl FnOnce(&json_object::JsonObject<'a>) -> Record<'a>,
) -> Parsed<'a> {
    match json_object::JsonObject::parse(raw) {
        Ok(object) => Parsed::Record(Box::new(map(&object))),
        Err(_) => json_failure(raw),
    }
}

/// A sniff score when every marker occurs in the sample, else 0.
pub(crate) fn markers_score(sample: &sniff::Sample<'_>, markers: &[&[u8]], score: u32) -> u32 {
    if markers.iter().all(|m| sample.contains(m)) {
        score
    } else {
        0
    }
}

/// Whether a record of a JSON format is JSON at all: an object, or an array of objects. A
/// line that is not (`[2024-05-02 10:00:00] mc: ...`, a panic) is read as plain text; one
/// that is but is broken is malformed.
pub fn looks_like_json(raw: &[u8]) -> bool {
    let body = raw.trim_ascii_start();
    match body.first() {
        Some(b'{') => true,
        Some(b'[') => matches!(body[1..].trim_ascii_start().first(), Some(b'{' | b']')),
        _ => false,
    }
}

/// Whether a record holds nothing but blanks: not a record at all, and not counted.
pub fn is_blank(raw: &[u8]) -> bool {
    raw.iter().all(u8::is_ascii_whitespace)
}

/// The verdict for a record that is not what a JSON parser expected: malformed when it is
/// not valid JSON (with serde's message), else just "other" (valid JSON of another shape).
/// Every JSON path reports the same message, with or without the prefilter.
pub(crate) fn json_failure<'a>(raw: &[u8]) -> Parsed<'a> {
    if raw.trim_ascii().is_empty() || json_valid::is_valid(raw) {
        return Parsed::Other;
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
        Ok(_) => Parsed::Other,
        Err(e) => Parsed::Malformed(format!("invalid JSON: {e}")),
    }
}
