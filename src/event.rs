//! The common event model: one denied key-generation attempt, with its platform and cause.
//! Every parser's output ends up here; every report writer reads only this.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a record came from. Stable lower-case ids are used in every output.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Aws,
    Gcp,
    Azure,
    Kubernetes,
    Vault,
    Okta,
    Github,
    Gitlab,
    Http,
    App,
}

impl Platform {
    /// Whether this platform's records are refused in words (app logs, and the HTTP records
    /// apps write) rather than by a structured outcome.
    pub fn is_worded(self) -> bool {
        matches!(self, Platform::App | Platform::Http)
    }

    pub const ALL: [Platform; 10] = [
        Platform::Aws,
        Platform::Gcp,
        Platform::Azure,
        Platform::Kubernetes,
        Platform::Vault,
        Platform::Okta,
        Platform::Github,
        Platform::Gitlab,
        Platform::Http,
        Platform::App,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Platform::Aws => "aws",
            Platform::Gcp => "gcp",
            Platform::Azure => "azure",
            Platform::Kubernetes => "kubernetes",
            Platform::Vault => "vault",
            Platform::Okta => "okta",
            Platform::Github => "github",
            Platform::Gitlab => "gitlab",
            Platform::Http => "http",
            Platform::App => "app",
        }
    }

    pub fn from_id(id: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.id() == id)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a key generation was denied (DESIGN.md cause taxonomy; ids are stable).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum Cause {
    InsufficientRole,
    PolicyBlock,
    Unauthenticated,
    PlanRestriction,
    MfaRequired,
    QuotaExceeded,
    NetworkRestriction,
    Unknown,
}

impl Cause {
    pub const ALL: [Cause; 8] = [
        Cause::InsufficientRole,
        Cause::PolicyBlock,
        Cause::Unauthenticated,
        Cause::PlanRestriction,
        Cause::MfaRequired,
        Cause::QuotaExceeded,
        Cause::NetworkRestriction,
        Cause::Unknown,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Cause::InsufficientRole => "insufficient_role",
            Cause::PolicyBlock => "policy_block",
            Cause::Unauthenticated => "unauthenticated",
            Cause::PlanRestriction => "plan_restriction",
            Cause::MfaRequired => "mfa_required",
            Cause::QuotaExceeded => "quota_exceeded",
            Cause::NetworkRestriction => "network_restriction",
            Cause::Unknown => "unknown",
        }
    }

    pub fn from_id(id: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One denied key-generation attempt, owned and ready for aggregation and output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub time: Option<DateTime<Utc>>,
    pub platform: Platform,
    pub format: &'static str,
    pub action: String,
    pub actor: Option<String>,
    pub tenant: Option<String>,
    pub source_ip: Option<String>,
    pub resource: Option<String>,
    pub cause: Cause,
    /// The system's own reason text, redacted and trimmed.
    pub reason: String,
    pub request_id: Option<String>,
    /// Id of the cause rule that fired (empty when no rule matched and the cause is `unknown`).
    pub rule: String,
    /// Identity used to count an event once when a log delivers it twice (CloudTrail eventID).
    pub dedup_key: Option<String>,
    pub file: Arc<str>,
    pub line: u64,
    pub record: Option<u64>,
}

impl Event {
    /// The total order of every output: time (unknown last), then file, line, record.
    pub fn sort_key(&self) -> (bool, Option<DateTime<Utc>>, &str, u64, Option<u64>) {
        (
            self.time.is_none(),
            self.time,
            &self.file,
            self.line,
            self.record,
        )
    }
}
