//! Real third-party logs (`../shared/corpora`, beside the repository): keydeny must find
//! nothing there, never crash, and account for every record.

use std::path::Path;

use serde_json::Value;

use crate::util::{in_root, keydeny};

const CORPORA: &str = "../shared/corpora";

#[test]
fn real_logs_give_no_false_positives_and_full_accounting() {
    in_root();
    if !Path::new(CORPORA).is_dir() {
        eprintln!("skipping: {CORPORA} is not present");
        return;
    }
    let run = keydeny(&["summary", "--format", "json", CORPORA]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    let inputs = &summary["inputs"];
    assert_eq!(
        summary["totals"]["events"], 0,
        "no denied key generation in the corpora"
    );
    assert_eq!(inputs["matched"], 0);
    assert_eq!(inputs["malformed"], 0);
    assert_eq!(inputs["unreadable"], 0);
    let records = inputs["records"].as_u64().unwrap();
    assert_eq!(
        records,
        inputs["other"].as_u64().unwrap(),
        "records = events + other + malformed"
    );
    assert_eq!(run.stderr, "");

    // The CloudTrail detonation logs: 310 records in 35 pretty-printed arrays (their README).
    let dir = format!("{CORPORA}/stratus-red-team-detonation-logs");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 35);
    let mut args = vec!["summary", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let run = keydeny(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["inputs"]["records"], 310);
    assert_eq!(summary["inputs"]["other"], 310);
    assert_eq!(summary["totals"]["events"], 0);
}

#[test]
fn loghub_lines_are_all_counted() {
    in_root();
    let dir = format!("{CORPORA}/loghub");
    if !Path::new(&dir).is_dir() {
        eprintln!("skipping: {dir} is not present");
        return;
    }
    for system in ["OpenSSH", "Linux", "Apache", "Proxifier", "HDFS"] {
        let file = format!("{dir}/{system}_2k.log");
        let run = keydeny(&["summary", "--format", "json", &file]);
        let summary: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(summary["inputs"]["lines"], 2000, "{file}");
        assert_eq!(summary["inputs"]["records"], 2000, "{file}");
        assert_eq!(summary["inputs"]["other"], 2000, "{file}");
        assert_eq!(summary["totals"]["events"], 0, "{file}");
    }
}
