//! Azure Activity Log (FORMATS.md section 3): resource-log records (storage JSON Lines,
//! Event Hubs `{"records":[...]}`) and the REST shape. Denied when `resultType` (or
//! `status.value`) is a failure; the ARM error code and message come from
//! `properties.statusMessage`, an escaped JSON string. AKS diagnostic records (`category`
//! `kube-audit`, `kube-audit-admin`) carry the API server's Kubernetes audit event as a
//! string in `properties.log`: that event is the record.

use std::borrow::Cow;

use super::json_object::JsonObject;
use super::k8s_audit::K8sAudit;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, markers_score, non_empty, time};
use crate::event::Platform;

pub struct AzureActivity;

impl LogFormat for AzureActivity {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // Azure diagnostic records can carry an AKS API server's audit event.
        &[
            crate::event::Platform::Azure,
            crate::event::Platform::Kubernetes,
        ]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let resource_log = markers_score(sample, &[b"\"operationName\"", b"\"resultType\""], 92);
        let rest = markers_score(sample, &[b"\"operationName\"", b"\"eventTimestamp\""], 92);
        let aks = markers_score(sample, &[b"\"resourceId\"", b"\"kube-audit"], 96);
        resource_log.max(rest).max(aks)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        match JsonObject::parse(raw) {
            Ok(object) => match kube_audit(&object) {
                Some(inner) => inner,
                None => Parsed::Record(Box::new(to_record(&object))),
            },
            Err(_) => super::json_failure(raw),
        }
    }
}

/// The Kubernetes audit event inside an AKS diagnostic record.
fn kube_audit(o: &JsonObject<'_>) -> Option<Parsed<'static>> {
    let category = o.str_at(&["category"])?;
    if !category.to_ascii_lowercase().starts_with("kube-audit") {
        return None;
    }
    let log = non_empty(o.str_at(&["properties", "log"]))?;
    Some(match K8sAudit.parse(log.as_bytes()) {
        Parsed::Record(record) => Parsed::Record(Box::new(record.into_owned())),
        Parsed::Malformed(reason) => Parsed::Malformed(format!("properties.log: {reason}")),
        Parsed::Other | Parsed::Foreign => Parsed::Other,
    })
}

const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let result =
        non_empty(o.str_at(&["resultType"])).or_else(|| non_empty(o.str_at(&["status", "value"])));
    let (error_code, error_message) = arm_error(o);
    let status_code = non_empty(o.str_at(&["properties", "statusCode"]));
    let resource_id = non_empty(o.str_at(&["resourceId"]));
    let claim = |name: &str| {
        non_empty(o.str_at(&["identity", "claims", name]))
            .or_else(|| non_empty(o.str_at(&["claims", name])))
    };
    let mut record = Record {
        time: non_empty(o.str_at(&["time"]))
            .or_else(|| non_empty(o.str_at(&["eventTimestamp"])))
            .and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Azure),
        action: non_empty(o.str_at(&["operationName"]))
            .or_else(|| non_empty(o.str_at(&["operationName", "value"]))),
        outcome: Some(outcome(result.as_deref())),
        reason: error_message.clone().or_else(|| status_code.clone()),
        message: error_message,
        error_code,
        actor: claim(UPN)
            .or_else(|| claim("name"))
            .or_else(|| claim("appid"))
            .or_else(|| non_empty(o.str_at(&["caller"]))),
        tenant: resource_id
            .as_deref()
            .and_then(subscription)
            .map(Cow::Owned),
        source_ip: non_empty(o.str_at(&["callerIpAddress"]))
            .or_else(|| non_empty(o.str_at(&["httpRequest", "clientIpAddress"])))
            .or_else(|| claim("ipaddr")),
        resource: resource_id,
        request_id: non_empty(o.str_at(&["correlationId"])),
        ..Record::default()
    };
    if let Some(code) = status_code {
        record.attrs.push(("status_code", code));
    }
    record
}

fn outcome(result: Option<&str>) -> Outcome {
    match result.map(str::to_ascii_lowercase).as_deref() {
        Some("failure" | "failed") => Outcome::Denied,
        Some(_) => Outcome::NotDenied,
        None => Outcome::Unstated,
    }
}

/// `{"error":{"code":"AuthorizationFailed","message":"..."}}` inside `statusMessage`.
fn arm_error<'a>(o: &JsonObject<'a>) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    let Some(inner) = non_empty(o.str_at(&["properties", "statusMessage"])) else {
        return (None, None);
    };
    match JsonObject::parse(inner.as_bytes()) {
        Ok(error) => (
            non_empty(error.str_at(&["error", "code"])).map(|c| Cow::Owned(c.into_owned())),
            non_empty(error.str_at(&["error", "message"])).map(|m| Cow::Owned(m.into_owned())),
        ),
        Err(_) => (None, Some(inner)),
    }
}

/// The subscription id in `/SUBSCRIPTIONS/<id>/...`, lower-cased.
fn subscription(resource_id: &str) -> Option<String> {
    let lower = resource_id.to_ascii_lowercase();
    let rest = lower.split_once("/subscriptions/")?.1;
    rest.split('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_regenerate_key() {
        let line = br#"{"time":"2024-12-17T10:30:00.0000000Z","resourceId":"/SUBSCRIPTIONS/0B1F-AA/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/S","operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/REGENERATEKEY/ACTION","resultType":"Failure","callerIpAddress":"203.0.113.10","identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"dev@contoso.com"}},"properties":{"statusCode":"Forbidden","statusMessage":"{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client 'dev@contoso.com' does not have authorization\"}}"}}"#;
        let Parsed::Record(r) = AzureActivity.parse(line) else {
            panic!()
        };
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(r.error_code.as_deref(), Some("AuthorizationFailed"));
        assert_eq!(r.actor.as_deref(), Some("dev@contoso.com"));
        assert_eq!(r.tenant.as_deref(), Some("0b1f-aa"));
        assert_eq!(
            r.reason.as_deref(),
            Some("The client 'dev@contoso.com' does not have authorization")
        );
    }
}
