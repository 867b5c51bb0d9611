//! HashiCorp Vault audit device entries (FORMATS.md section 5): `request` and `response`
//! entries, one per line. The action is `request.path`; denied when `error` is present. Both
//! entries of one request carry `request.id`, which makes them one event. A path on a mount
//! that only stores or uses secrets (`kv`, `transit`, `cubbyhole`: `secret/creds/db` is a
//! stored value, `transit/sign/k` signs data) has no action: only engines that mint
//! credentials can match the Vault actions of the rules.

use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, markers_score, non_empty, parse_json, time};
use crate::event::Platform;

pub struct VaultAudit;

impl LogFormat for VaultAudit {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Vault]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let request = markers_score(
            sample,
            &[b"\"request\"", b"\"auth\"", b"\"remote_address\""],
            90,
        );
        let token = markers_score(
            sample,
            &[b"\"request\"", b"\"client_token\"", b"\"type\""],
            90,
        );
        request.max(token)
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        parse_json(raw, to_record)
    }
}

fn to_record<'a>(o: &JsonObject<'a>) -> Record<'a> {
    let error = non_empty(o.str_at(&["error"])).map(|top| {
        // With `audit_non_hmac_response_keys=error` the response data holds the real reason.
        non_empty(o.str_at(&["response", "data", "error"]))
            .filter(|detail| !detail.starts_with("hmac-"))
            .unwrap_or(top)
    });
    let mut record = Record {
        time: o.str_at(&["time"]).and_then(|t| time::parse_timestamp(&t)),
        platform: Some(Platform::Vault),
        action: non_empty(o.str_at(&["request", "path"])).filter(|_| mints(o)),
        outcome: Some(if error.is_some() {
            Outcome::Denied
        } else {
            Outcome::NotDenied
        }),
        reason: error.clone(),
        message: error,
        actor: non_empty(o.str_at(&["auth", "display_name"]))
            .or_else(|| non_empty(o.str_at(&["auth", "metadata", "username"]))),
        tenant: non_empty(o.str_at(&["request", "namespace", "id"]))
            .or_else(|| non_empty(o.str_at(&["request", "namespace", "path"]))),
        source_ip: non_empty(o.str_at(&["request", "remote_address"])),
        resource: non_empty(o.str_at(&["request", "path"])),
        request_id: non_empty(o.str_at(&["request", "id"])),
        dedup_key: non_empty(o.str_at(&["request", "id"])),
        ..Record::default()
    };
    if let Some(operation) = non_empty(o.str_at(&["request", "operation"])) {
        record.attrs.push(("operation", operation));
    }
    record
}

/// Whether the request's mount can mint a credential (unknown mount types can).
fn mints(o: &JsonObject<'_>) -> bool {
    const STORES_ONLY: [&str; 4] = ["kv", "transit", "cubbyhole", "generic"];
    o.str_at(&["request", "mount_type"])
        .is_none_or(|mount| !STORES_ONLY.contains(&mount.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_token_create() {
        let line = br#"{"time":"2021-07-19T17:19:00.674663552Z","type":"response","auth":{"display_name":"userpass-svc-api","policy_results":{"allowed":false}},"request":{"id":"r1","operation":"update","namespace":{"id":"root"},"path":"auth/token/create","remote_address":"10.20.8.12"},"error":"1 error occurred:\n\t* permission denied\n\n"}"#;
        let Parsed::Record(r) = VaultAudit.parse(line) else {
            panic!()
        };
        assert_eq!(r.action.as_deref(), Some("auth/token/create"));
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(r.actor.as_deref(), Some("userpass-svc-api"));
        assert_eq!(r.tenant.as_deref(), Some("root"));
        assert_eq!(r.dedup_key.as_deref(), Some("r1"));
    }
}
