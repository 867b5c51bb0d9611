//! Kubernetes audit events (`audit.k8s.io/v1`, FORMATS.md section 4), one per line. The
//! action is `<verb> <resource>[/<subresource>]`; denied when the response code is 401/403,
//! the authorizer annotation says `forbid`, or an admission webhook or
//! ValidatingAdmissionPolicy refused it (the authorizer allowed it; the code may be 400 or
//! 422). The reason comes from `responseStatus.message`, else `responseObject.message`, else
//! the `authorization.k8s.io/reason` annotation: real clusters often leave the first empty.
//! Stages of one request share `auditID`.

use std::borrow::Cow;

use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, markers_score, non_empty, parse_json, time};
use crate::event::Platform;

pub struct K8sAudit;

impl LogFormat for K8sAudit {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Kubernetes]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        markers_score(sample, &[b"audit.k8s.io/", b"\"auditID\""], 95)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, to_record)
    }
}

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let code: Option<u16> = o
        .str_at(&["responseStatus", "code"])
        .and_then(|c| c.parse().ok());
    let decision = non_empty(o.str_at(&["annotations", "authorization.k8s.io/decision"]));
    let forbid = decision.as_deref() == Some("forbid");
    let message = non_empty(o.str_at(&["responseStatus", "message"]))
        .or_else(|| non_empty(o.str_at(&["responseObject", "message"])))
        .or_else(|| non_empty(o.str_at(&["annotations", "authorization.k8s.io/reason"])));
    let status_reason = non_empty(o.str_at(&["responseStatus", "reason"]))
        .or_else(|| non_empty(o.str_at(&["responseObject", "reason"])));
    let admission_denied =
        code.is_some_and(|c| c >= 400) && message.as_deref().is_some_and(is_admission_denial);
    let mut record = Record {
        time: non_empty(o.str_at(&["requestReceivedTimestamp"]))
            .or_else(|| non_empty(o.str_at(&["stageTimestamp"])))
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Kubernetes),
        action: action(o),
        outcome: Some(match code {
            Some(401 | 403) => Outcome::Denied,
            _ if forbid || admission_denied => Outcome::Denied,
            _ => Outcome::NotDenied,
        }),
        status: code,
        reason: message.clone().or_else(|| status_reason.clone()),
        message: message.or(status_reason.clone()),
        error_code: status_reason,
        actor: non_empty(o.str_at(&["user", "username"])),
        tenant: non_empty(o.str_at(&["objectRef", "namespace"])),
        source_ip: non_empty(o.str_at(&["sourceIPs", "0"])),
        resource: non_empty(o.str_at(&["objectRef", "name"]))
            .or_else(|| non_empty(o.str_at(&["requestURI"]))),
        request_id: non_empty(o.str_at(&["auditID"])),
        dedup_key: non_empty(o.str_at(&["auditID"])),
        ..Record::default()
    };
    if let Some(decision) = decision {
        record.attrs.push(("decision", decision));
    }
    record
}

/// An admission controller's refusal: a webhook or a ValidatingAdmissionPolicy (the
/// wording of the API server's admission plugins).
fn is_admission_denial(message: &str) -> bool {
    (message.contains("admission webhook") && message.contains("denied the request"))
        || (message.contains("ValidatingAdmissionPolicy") && message.contains("denied request"))
}

/// `create serviceaccounts/token`, `create secrets`.
fn action<'a>(o: &JsonObject<'a>) -> Option<Cow<'a, str>> {
    let verb = non_empty(o.str_at(&["verb"]))?;
    let resource = non_empty(o.str_at(&["objectRef", "resource"]))?;
    Some(Cow::Owned(
        match non_empty(o.str_at(&["objectRef", "subresource"])) {
            Some(sub) => format!("{verb} {resource}/{sub}"),
            None => format!("{verb} {resource}"),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_token_request() {
        let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"create","user":{"username":"alice@example.com"},"sourceIPs":["192.168.49.1"],"objectRef":{"resource":"serviceaccounts","namespace":"challenge5","name":"s3access-sa","subresource":"token"},"responseStatus":{"status":"Failure","message":"serviceaccounts \"s3access-sa\" is forbidden: User \"alice@example.com\" cannot create resource \"serviceaccounts/token\"","reason":"Forbidden","code":403},"requestReceivedTimestamp":"2024-10-29T12:20:30.664633Z","annotations":{"authorization.k8s.io/decision":"forbid"}}"#;
        let Parsed::Record(r) = K8sAudit.parse(line) else {
            panic!()
        };
        assert_eq!(r.action.as_deref(), Some("create serviceaccounts/token"));
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(r.tenant.as_deref(), Some("challenge5"));
        assert_eq!(r.source_ip.as_deref(), Some("192.168.49.1"));
        assert_eq!(r.actor.as_deref(), Some("alice@example.com"));
    }
}
