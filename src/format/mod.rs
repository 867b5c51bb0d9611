//! Log formats: one module per format behind the [`LogFormat`] trait, and the [`InputFormat`]
//! enum that is the only list of them. A format turns one raw record into a [`Record`]:
//! the format-specific fields mapped onto the common names the rules look at.

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
pub mod sniff;
pub mod syslog;
pub mod text;
pub mod time;
pub mod vault_audit;

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::event::Platform;

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
        match self {
            InputFormat::Cloudtrail => &[Platform::Aws],
            InputFormat::GcpAudit => &[Platform::Gcp],
            // Azure diagnostic records can carry an AKS API server's audit event.
            InputFormat::AzureActivity => &[Platform::Azure, Platform::Kubernetes],
            InputFormat::K8sAudit => &[Platform::Kubernetes],
            InputFormat::VaultAudit => &[Platform::Vault],
            InputFormat::Okta => &[Platform::Okta],
            InputFormat::GithubAudit => &[Platform::Github],
            InputFormat::Gitlab => &[Platform::Gitlab],
            InputFormat::AccessLog => &[Platform::Http],
            // A wrapper's message can be any platform's record (Vault's syslog audit device,
            // a forwarder shipping audit JSON through journald or a container's stdout).
            InputFormat::Syslog
            | InputFormat::Docker
            | InputFormat::Cri
            | InputFormat::Journald => &Platform::ALL,
            // App logs, and the JSON access records an app line can hold.
            InputFormat::Json | InputFormat::Logfmt | InputFormat::Text => {
                &[Platform::App, Platform::Http]
            }
        }
    }

    /// Whether this format's records are refused by wording or an HTTP status (app logs and
    /// their wrappers) rather than by a structured outcome field.
    pub fn refusal_by_wording(self) -> bool {
        self.platforms().contains(&Platform::App)
    }

    /// For formats that split one record over several lines: whether a line is continued.
    pub fn continues(self) -> Option<fn(&[u8]) -> bool> {
        match self {
            InputFormat::Cri => Some(cri::is_partial),
            _ => None,
        }
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
        matches!(
            self,
            InputFormat::Cloudtrail
                | InputFormat::GcpAudit
                | InputFormat::AzureActivity
                | InputFormat::K8sAudit
                | InputFormat::VaultAudit
                | InputFormat::Okta
                | InputFormat::GithubAudit
                | InputFormat::Gitlab
                | InputFormat::Docker
                | InputFormat::Journald
                | InputFormat::Json
        )
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
pub(crate) fn non_empty<'a>(value: Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    value.filter(|v| {
        let v = v.trim();
        !v.is_empty() && v != "-" && v != "null"
    })
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
