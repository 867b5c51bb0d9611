//! AWS CloudTrail records (FORMATS.md section 1). The framing (envelope, array or one record
//! per line) is the source's job; this module maps one record onto a [`Record`]: action
//! `iam:CreateAccessKey` from `eventSource`+`eventName`, denial from `errorCode`.

use std::borrow::Cow;

use serde::Deserialize;

use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, json_failure, non_empty, time};
use crate::event::Platform;

pub struct CloudTrail;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CtRecord<'a> {
    #[serde(borrow)]
    event_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_message: Option<Cow<'a, str>>,
    #[serde(rename = "sourceIPAddress", borrow)]
    source_ip_address: Option<Cow<'a, str>>,
    #[serde(rename = "requestID", borrow)]
    request_id: Option<Cow<'a, str>>,
    #[serde(rename = "eventID", borrow)]
    event_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    recipient_account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    request_parameters: Option<RequestParameters<'a>>,
    #[serde(borrow)]
    aws_region: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    principal_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    access_key_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize)]
struct SessionContext<'a> {
    #[serde(borrow)]
    attributes: Option<SessionAttributes<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionAttributes<'a> {
    #[serde(borrow)]
    mfa_authenticated: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestParameters<'a> {
    #[serde(borrow)]
    user_name: Option<Cow<'a, str>>,
}

impl LogFormat for CloudTrail {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Aws]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let markers = [&b"\"eventSource\""[..], b"\"eventName\"", b"\"eventTime\""];
        if markers.iter().all(|m| sample.contains(m)) {
            90
        } else {
            0
        }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        match serde_json::from_slice::<CtRecord<'a>>(raw) {
            Ok(ct) => Parsed::Record(Box::new(to_record(ct))),
            Err(_) => json_failure(raw),
        }
    }
}

fn to_record(ct: CtRecord<'_>) -> Record<'_> {
    let identity = ct.user_identity;
    let mut record = Record {
        time: ct.event_time.as_deref().and_then(time::parse_timestamp),
        platform: Some(Platform::Aws),
        action: action_name(ct.event_source.as_deref(), ct.event_name),
        outcome: Some(match ct.error_code {
            Some(_) => Outcome::Denied,
            None => Outcome::NotDenied,
        }),
        reason: non_empty(ct.error_message.clone()).or_else(|| ct.error_code.clone()),
        message: ct.error_message,
        error_code: ct.error_code,
        source_ip: non_empty(ct.source_ip_address),
        request_id: non_empty(ct.request_id),
        dedup_key: non_empty(ct.event_id),
        ..Record::default()
    };
    if let Some(identity) = identity {
        record.tenant = non_empty(identity.account_id.clone());
        record.attrs = identity_attrs(&identity);
        record.actor = non_empty(identity.arn)
            .or(non_empty(identity.user_name))
            .or(non_empty(identity.principal_id))
            .or(identity.kind);
    }
    record.tenant = record.tenant.or(non_empty(ct.recipient_account_id));
    record.resource = ct
        .request_parameters
        .and_then(|p| non_empty(p.user_name))
        .map(|name| Cow::Owned(format!("user {name}")))
        .or_else(|| resource_from_message(record.message.as_deref()).map(Cow::Owned));
    if let Some(region) = non_empty(ct.aws_region) {
        record.attrs.push(("region", region));
    }
    record
}

/// `iam.amazonaws.com` + `CreateAccessKey` -> `iam:CreateAccessKey`.
fn action_name<'a>(source: Option<&str>, name: Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    let name = name?;
    match source.and_then(|s| s.split('.').next()) {
        Some(service) if !service.is_empty() => Some(Cow::Owned(format!("{service}:{name}"))),
        _ => Some(name),
    }
}

/// `mfa_authenticated` from the session context; a long-term `AKIA` key used without a
/// session context never carries MFA, so it counts as `false` (FORMATS.md 1.5, MFA row).
fn identity_attrs<'a>(identity: &UserIdentity<'a>) -> Vec<(&'static str, Cow<'a, str>)> {
    let mut attrs = Vec::new();
    let mfa = identity
        .session_context
        .as_ref()
        .and_then(|s| s.attributes.as_ref())
        .and_then(|a| a.mfa_authenticated.clone());
    let long_term_key = identity
        .access_key_id
        .as_deref()
        .is_some_and(|k| k.starts_with("AKIA"));
    match mfa {
        Some(value) => attrs.push(("mfa_authenticated", value)),
        None if long_term_key => attrs.push(("mfa_authenticated", Cow::Borrowed("false"))),
        None => {}
    }
    if let Some(kind) = identity.kind.clone() {
        attrs.push(("identity_type", kind));
    }
    attrs
}

/// The target named in `... on resource: user bob because ...` or `... on resource: arn:...`.
fn resource_from_message(message: Option<&str>) -> Option<String> {
    let (_, rest) = message?.split_once(" on resource: ")?;
    let end = [" because ", " with an explicit deny", ". "]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()
        .unwrap_or(rest.len());
    let target = rest[..end].trim().trim_end_matches('.');
    (!target.is_empty()).then(|| target.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Record<'_> {
        match CloudTrail.parse(line.as_bytes()) {
            Parsed::Record(r) => *r,
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn denied_create_access_key() {
        let line = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::622676721278:user/web_admin","accountId":"622676721278","accessKeyId":"AKIAEXAMPLE","userName":"web_admin"},"eventTime":"2018-08-20T09:16:12Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","sourceIPAddress":"35.153.154.221","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::622676721278:user/web_admin is not authorized to perform: iam:CreateAccessKey on resource: user nullweb_admin","requestParameters":null,"eventID":"e1"}"#;
        let r = parse(line);
        assert_eq!(r.action.as_deref(), Some("iam:CreateAccessKey"));
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(
            r.actor.as_deref(),
            Some("arn:aws:iam::622676721278:user/web_admin")
        );
        assert_eq!(r.tenant.as_deref(), Some("622676721278"));
        assert_eq!(r.resource.as_deref(), Some("user nullweb_admin"));
        assert_eq!(r.attr("mfa_authenticated"), Some("false"));
        assert_eq!(r.dedup_key.as_deref(), Some("e1"));
        assert_eq!(
            r.time.map(|t| t.to_rfc3339()),
            Some("2018-08-20T09:16:12+00:00".into())
        );
    }

    #[test]
    fn success_and_garbage() {
        let ok = parse(r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}"#);
        assert_eq!(ok.outcome, Some(Outcome::NotDenied));
        assert!(matches!(
            CloudTrail.parse(b"{\"eventName\":"),
            Parsed::Malformed(_)
        ));
        assert!(matches!(CloudTrail.parse(b"42"), Parsed::Other));
        assert!(matches!(
            CloudTrail.parse(b"\xff\xfe"),
            Parsed::Malformed(_)
        ));
    }

    #[test]
    fn resource_parsing() {
        let cases = [
            (
                "x on resource: user bob because no identity-based policy allows",
                Some("user bob"),
            ),
            (
                "x on resource: arn:aws:iam::1:user/a with an explicit deny in a service control policy",
                Some("arn:aws:iam::1:user/a"),
            ),
            ("no resource here", None),
        ];
        for (text, expected) in cases {
            assert_eq!(resource_from_message(Some(text)).as_deref(), expected);
        }
    }
}
