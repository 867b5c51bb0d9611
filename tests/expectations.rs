//! Every fixture file has an independent list of the events it holds
//! (`fixtures/expect/<format>/<file>.expect`, written from FORMATS.md, not from keydeny's
//! output). keydeny must find exactly those: right line, record, cause, actor and action.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{in_root, keydeny, logs, read};

/// Expected event fields, keyed by (file, line, record).
type Expected = BTreeMap<(String, u64, Option<u64>), BTreeMap<String, String>>;

fn expectations() -> Expected {
    let mut expected = Expected::new();
    let mut formats: Vec<String> = std::fs::read_dir(crate::util::root().join("fixtures/expect"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    formats.sort();
    for format in &formats {
        let dir = crate::util::root().join("fixtures/expect").join(format);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for path in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "expect"))
        {
            let log = path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .trim_end_matches(".expect")
                .to_string();
            let file = format!("fixtures/logs/{format}/{log}");
            let text = read(&path);
            let mut lines = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
            let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
            for row in lines {
                let cells: BTreeMap<String, String> = header
                    .iter()
                    .zip(row.split('\t').chain(std::iter::repeat("")))
                    .map(|(h, c)| (h.to_string(), c.to_string()))
                    .collect();
                let line = cells["line"].parse().unwrap();
                let record = cells
                    .get("record")
                    .filter(|r| !r.is_empty())
                    .map(|r| r.parse().unwrap());
                expected.insert((file.clone(), line, record), cells);
            }
        }
    }
    expected
}

#[test]
fn every_expected_event_and_nothing_else() {
    in_root();
    let run = keydeny(&["events", "--format", "ndjson", &logs()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut expected = expectations();
    let mut problems = Vec::new();
    let mut seen_duplicate_ids = 0;
    for line in run.stdout.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let key = (
            event["file"].as_str().unwrap().to_string(),
            event["line"].as_u64().unwrap(),
            event["record"].as_u64(),
        );
        let Some(want) = expected.remove(&key) else {
            problems.push(format!("unexpected event {key:?}: {line}"));
            continue;
        };
        for field in ["platform", "cause", "actor", "action", "tenant"] {
            let Some(wanted) = want.get(field) else {
                continue;
            };
            let got = event[field].as_str().unwrap_or("");
            if got != wanted {
                problems.push(format!("{key:?}: {field} is {got:?}, expected {wanted:?}"));
            }
        }
        if let Some(fragment) = want
            .get("expected_reason_substring")
            .filter(|f| !f.is_empty())
        {
            let reason = event["reason"].as_str().unwrap_or("");
            if !reason.contains(fragment.as_str()) {
                problems.push(format!("{key:?}: reason {reason:?} lacks {fragment:?}"));
            }
        }
    }
    // The one CloudTrail record delivered twice is listed in two expect files but is one event.
    for (key, _) in expected {
        if key.0.ends_with("events.ndjson") && key.1 == 5 {
            seen_duplicate_ids += 1;
            continue;
        }
        problems.push(format!("missed expected event {key:?}"));
    }
    assert_eq!(
        seen_duplicate_ids, 1,
        "the duplicated CloudTrail record is counted once"
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Issue 12: each fixture directory's files sniff as that directory's format, also when the
/// file starts with a few lines of another shape (a banner, a stack trace).
#[test]
fn every_fixture_sniffs_as_its_own_format() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    for (file, format) in [
        ("syslog/audit-forwarded.log", "syslog"),
        ("syslog/rfc3164.log", "syslog"),
        ("syslog/rfc5424.log", "syslog"),
        ("text/klog.log", "text"),
        ("azure_activity/aks-diagnostics.json", "azure_activity"),
        ("k8s_audit/csr-token.log", "k8s_audit"),
        ("vault_audit/engines.log", "vault_audit"),
        ("apps/minio.log", "text"),
    ] {
        let path = format!("fixtures/logs/{file}");
        let sniffed = |path: &str| {
            let run = keydeny(&["summary", "--format", "json", path]);
            let json: Value = serde_json::from_str(&run.stdout).unwrap();
            json["inputs"]["formats"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(sniffed(&path), [format], "{file}");
        let body = std::fs::read_to_string(&path).unwrap();
        let prefixed = dir.path().join(file.replace('/', "-"));
        std::fs::write(
            &prefixed,
            format!("starting up\n  at main (main.go:12)\n{body}"),
        )
        .unwrap();
        assert_eq!(
            sniffed(prefixed.to_str().unwrap()),
            [format],
            "{file} after two foreign lines"
        );
    }
}
