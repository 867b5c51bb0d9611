//! JSON application logs, one object per line, with the conventional keys of
//! [`app_fields`](super::app_fields). Values are borrowed from the line: a top-level object is
//! read as key -> raw JSON, and only the values a rule needs are decoded.

use super::app_fields::{app_record, spoken_fields};
use super::json_object::JsonObject;
use super::sniff::Sample;
use super::{LogFormat, Parsed, json_failure};

pub struct JsonLines;

impl LogFormat for JsonLines {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // App logs, and the JSON access records an app line can hold.
        &[crate::event::Platform::App, crate::event::Platform::Http]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        if sample.documents {
            return 20;
        }
        let share = sample.share_of_lines(|l| l.first() == Some(&b'{') && l.last() == Some(&b'}'));
        if share >= 50 { 60 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        // Parsed as it is (JSON allows the surrounding blanks), so a malformed line gets the
        // same message whether or not the prefilter let it through.
        match serde_json::from_slice::<JsonObject<'a>>(raw) {
            // A GCP LogEntry carries the app's own fields in `jsonPayload`.
            Ok(object) if object.has("jsonPayload") => {
                // The payload's fields by their own names; the entry's own win a tie.
                let payload = object.raw_at(&["jsonPayload"]);
                let said = payload
                    .and_then(|p| JsonObject::parse(p.get().as_bytes()).ok())
                    .map(|inner| inner.scalars())
                    .unwrap_or_default();
                let mut fields = said.clone();
                fields.extend(object.scalars());
                let mut record = app_record(&fields);
                spoken_fields(&mut record, said);
                Parsed::Record(Box::new(record))
            }
            Ok(object) => {
                let fields = object.scalars();
                let mut record = app_record(&fields);
                spoken_fields(&mut record, fields);
                Parsed::Record(Box::new(record))
            }
            Err(_) => json_failure(raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Outcome, Record};

    fn parse(line: &str) -> Record<'_> {
        match JsonLines.parse(line.as_bytes()) {
            Parsed::Record(r) => *r,
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn conventional_keys_and_nesting() {
        let r = parse(
            r#"{"ts":"2024-05-02T10:00:01Z","level":"error","msg":"Failed to generate API key","error":{"message":"role viewer lacks apikeys:create","code":"FORBIDDEN"},"user":{"id":7,"email":"a@x.io"},"org_id":"acme","status":403,"client_ip":"203.0.113.5"}"#,
        );
        assert_eq!(
            r.message.as_deref(),
            Some("Failed to generate API key: role viewer lacks apikeys:create")
        );
        assert_eq!(r.error_code.as_deref(), Some("FORBIDDEN"));
        assert_eq!(r.actor.as_deref(), Some("a@x.io"));
        assert_eq!(r.tenant.as_deref(), Some("acme"));
        assert_eq!(r.status, Some(403));
        assert_eq!(r.outcome, Some(Outcome::Denied));
        assert_eq!(r.source_ip.as_deref(), Some("203.0.113.5"));
        assert_eq!(r.attr("level"), Some("error"));
    }

    /// Regression (found by the prefilter property test): a line with leading blanks was
    /// parsed trimmed, so its malformed message named another column than the prefilter's.
    #[test]
    fn malformed_message_does_not_depend_on_the_prefilter() {
        let raw = b" {\"msg\": x}";
        let Parsed::Malformed(parsed) = JsonLines.parse(raw) else {
            panic!()
        };
        let Parsed::Malformed(skipped) = crate::format::json_failure(raw) else {
            panic!()
        };
        assert_eq!(parsed, skipped);
    }

    #[test]
    fn escapes_and_broken_lines() {
        let r = parse(r#"{"message":"quote \" inside","user":"b\u00f6b"}"#);
        assert_eq!(r.message.as_deref(), Some("quote \" inside"));
        assert_eq!(r.actor.as_deref(), Some("böb"));
        assert!(matches!(
            JsonLines.parse(b"{\"msg\": \"trunc"),
            Parsed::Malformed(_)
        ));
        assert!(matches!(JsonLines.parse(b"[1,2]"), Parsed::Other));
        assert!(matches!(JsonLines.parse(b"   "), Parsed::Other));
    }
}
