//! GCP Cloud Audit Logs (FORMATS.md section 2): LogEntry objects with an AuditLog
//! `protoPayload`, one per line or in the array `gcloud logging read --format=json` prints.
//! Denied when `status.code` is not 0, or an `authorizationInfo` entry says `granted: false`.

use std::borrow::Cow;

use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, markers_score, non_empty, parse_json, time};
use crate::event::Platform;

pub struct GcpAudit;

impl LogFormat for GcpAudit {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Gcp]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        markers_score(sample, &[b"\"protoPayload\"", b"\"logName\""], 95)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, to_record)
    }
}

const PAYLOAD: &str = "protoPayload";

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let code: i64 = o
        .str_at(&[PAYLOAD, "status", "code"])
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let status_message = non_empty(o.str_at(&[PAYLOAD, "status", "message"]));
    let log_name = o.str_at(&["logName"]);
    let mut record = Record {
        time: o
            .str_at(&["timestamp"])
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Gcp),
        action: non_empty(o.str_at(&[PAYLOAD, "methodName"])),
        outcome: Some(if code != 0 || not_granted(o) {
            Outcome::Denied
        } else {
            Outcome::NotDenied
        }),
        error_code: (code != 0).then(|| Cow::Borrowed(code_name(code))),
        reason: status_message
            .clone()
            .or_else(|| (code != 0).then(|| Cow::Borrowed(code_name(code)))),
        message: Some(Cow::Owned(evidence(
            o,
            status_message.as_deref(),
            log_name.as_deref(),
        ))),
        actor: non_empty(o.str_at(&[PAYLOAD, "authenticationInfo", "principalEmail"]))
            .or_else(|| non_empty(o.str_at(&[PAYLOAD, "authenticationInfo", "principalSubject"]))),
        tenant: non_empty(o.str_at(&["resource", "labels", "project_id"])).or_else(|| {
            log_name
                .as_deref()
                .and_then(project_from_log_name)
                .map(|p| Cow::Owned(p.to_string()))
        }),
        source_ip: non_empty(o.str_at(&[PAYLOAD, "requestMetadata", "callerIp"])),
        resource: non_empty(o.str_at(&[PAYLOAD, "resourceName"])),
        request_id: non_empty(o.str_at(&["insertId"])),
        dedup_key: non_empty(o.str_at(&["insertId"])),
        ..Record::default()
    };
    if let Some(service) = non_empty(o.str_at(&[PAYLOAD, "serviceName"])) {
        record.attrs.push(("service", service));
    }
    record
}

/// An `authorizationInfo` entry that is not granted: proto3 omits `granted: false`, so a
/// missing `granted` counts as false (FORMATS.md 2.2).
fn not_granted(o: &JsonObject<'_>) -> bool {
    o.array_at(&[PAYLOAD, "authorizationInfo"])
        .iter()
        .any(|entry| {
            JsonObject::parse(entry.get().as_bytes())
                .is_ok_and(|e| e.str_at(&["granted"]).as_deref() != Some("true"))
        })
}

/// The text the cause rules read: the status message, its details (violations, reasons)
/// and, for Policy Denied logs, the log name and violation reason.
fn evidence(o: &JsonObject<'_>, message: Option<&str>, log_name: Option<&str>) -> String {
    let mut text = message.unwrap_or_default().to_string();
    for part in [
        o.json_at(&[PAYLOAD, "status", "details"]),
        o.json_at(&[PAYLOAD, "metadata", "violationReason"]),
        log_name.filter(|l| l.contains("%2Fpolicy")),
    ]
    .into_iter()
    .flatten()
    {
        text.push(' ');
        text.push_str(part);
    }
    text
}

/// `projects/acme-prod/logs/...` -> `acme-prod`.
fn project_from_log_name(log_name: &str) -> Option<&str> {
    log_name
        .strip_prefix("projects/")?
        .split('/')
        .next()
        .filter(|p| !p.is_empty())
}

/// The google.rpc.Code name of a status code.
fn code_name(code: i64) -> &'static str {
    match code {
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN_CODE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_service_account_key() {
        let line = br#"{"insertId":"x1","logName":"projects/my-project/logs/cloudaudit.googleapis.com%2Factivity","protoPayload":{"authenticationInfo":{"principalEmail":"dev@example.com"},"authorizationInfo":[{"permission":"iam.serviceAccountKeys.create"}],"methodName":"google.iam.admin.v1.CreateServiceAccountKey","requestMetadata":{"callerIp":"203.0.113.10"},"serviceName":"iam.googleapis.com","status":{"code":9,"message":"Key creation is not allowed on this service account.","details":[{"violations":[{"type":"constraints/iam.disableServiceAccountKeyCreation"}]}]}},"resource":{"labels":{}},"timestamp":"2023-05-24T21:12:55.145Z"}"#;
        let Parsed::Record(r) = GcpAudit.parse(line) else {
            panic!()
        };
        assert_eq!(
            r.action.as_deref(),
            Some("google.iam.admin.v1.CreateServiceAccountKey")
        );
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(r.error_code.as_deref(), Some("FAILED_PRECONDITION"));
        assert_eq!(r.tenant.as_deref(), Some("my-project"));
        assert_eq!(r.actor.as_deref(), Some("dev@example.com"));
        assert!(
            r.message
                .as_deref()
                .unwrap()
                .contains("constraints/iam.disableServiceAccountKeyCreation")
        );
        assert_eq!(
            r.reason.as_deref(),
            Some("Key creation is not allowed on this service account.")
        );
    }

    #[test]
    fn success_has_empty_status() {
        let line = br#"{"logName":"projects/p/logs/x","protoPayload":{"methodName":"google.iam.admin.v1.CreateServiceAccountKey","status":{}},"timestamp":"2023-05-24T21:12:55Z"}"#;
        let Parsed::Record(r) = GcpAudit.parse(line) else {
            panic!()
        };
        assert_eq!(r.outcome, Some(Outcome::NotDenied));
    }
}
