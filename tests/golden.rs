//! Golden outputs over `fixtures/logs`: the CSV export, the summary JSON and both tables
//! equal the checked-in files byte for byte. `UPDATE_GOLDEN=1 cargo test` rewrites them
//! (review the diff before committing).

use crate::util::{in_root, keydeny, logs, read, root};

fn check(name: &str, args: &[&str]) {
    in_root();
    let logs = logs();
    let mut all: Vec<&str> = args.to_vec();
    // RFC 3164 syslog times have no year: pin "now" so the goldens do not age.
    all.extend(["--now", "2024-06-01T00:00:00Z"]);
    all.push(&logs);
    let run = keydeny(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = format!("fixtures/golden/{name}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(root().join(&path), &run.stdout).unwrap();
    }
    let expected = read(&path);
    if run.stdout != expected {
        let first = run
            .stdout
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{path} differs at line {}:\n got: {:?}\nwant: {:?}",
            first + 1,
            run.stdout.lines().nth(first),
            expected.lines().nth(first)
        );
    }
}

#[test]
fn events_csv() {
    check("events.csv", &["events", "--format", "csv"]);
}

#[test]
fn summary_json() {
    check("summary.json", &["summary", "--format", "json"]);
}

#[test]
fn summary_table() {
    check("summary.txt", &["summary"]);
}

#[test]
fn events_table() {
    check("events.txt", &["events"]);
}

#[test]
fn csv_header_is_the_contract() {
    let csv = read("fixtures/golden/events.csv");
    assert_eq!(
        csv.lines().next().unwrap(),
        "time,platform,format,action,actor,tenant,source_ip,resource,cause,reason,request_id,file,line,record"
    );
    // 257 distinct events + header; duplicates (CloudTrail eventID, Vault request and
    // response, Kubernetes audit stages) appear once.
    assert_eq!(csv.lines().count(), 258);
}
