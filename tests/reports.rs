//! Scheduled-report features: Markdown and HTML goldens, hostile text in HTML, time zones
//! (a +05:30 offset and a DST change inside the window), baselines and exact merging.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

use crate::util::{assert_golden, in_root, keydeny, logs, root};

const NOW: &str = "2024-06-01T00:00:00Z";

fn golden(name: &str, args: &[&str]) {
    in_root();
    let logs = logs();
    let mut all = args.to_vec();
    all.extend(["--now", NOW, &logs]);
    let run = keydeny(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_golden(name, &run.stdout);
}

#[test]
fn markdown_golden() {
    golden(
        "summary.md",
        &[
            "summary",
            "--format",
            "markdown",
            "--title",
            "Weekly key denials",
        ],
    );
}

#[test]
fn html_golden() {
    golden(
        "summary.html",
        &[
            "summary",
            "--format",
            "html",
            "--title",
            "Weekly key denials",
            "--tz",
            "Europe/Berlin",
        ],
    );
}

/// A text log whose actors, tenants and messages try to break out of the HTML.
fn hostile_log(dir: &Path) -> String {
    let lines = [
        r#"2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=<script>alert(1)</script> tenant="a&b" ip=203.0.113.5"#,
        r#"2024-05-02T10:01:00Z ERROR Failed to generate API key </svg><img src=x onerror=alert(2)> denied user="x\"onmouseover=alert(3)" tenant=</td></tr></table>"#,
        "2024-05-02T10:02:00Z ERROR Failed to generate API key: forbidden user=\u{1b}]0;pwned\u{7} tenant=<!--",
    ];
    let path = dir.join("hostile.log");
    fs::write(&path, lines.join("\n")).unwrap();
    path.display().to_string()
}

#[test]
fn html_escapes_everything_from_logs() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path());
    let run = keydeny(&[
        "summary", "--format", "html", "--title", "<b>t</b>", "--now", NOW, &log,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = scraper::Html::parse_document(&run.stdout);
    let count = |css: &str| {
        document
            .select(&scraper::Selector::parse(css).unwrap())
            .count()
    };
    assert_eq!(count("script"), 0, "no script element");
    assert_eq!(count("img"), 0, "no injected element");
    assert_eq!(count("b"), 0, "the title is text");
    assert_eq!(count("svg"), 1, "the timeline chart survives");
    assert!(count(".bar span") >= 1, "and the bars of the cause table");
    assert_eq!(count("h1"), 1);
    assert!(
        document.errors.is_empty() || !run.stdout.contains("<script"),
        "{:?}",
        document.errors
    );
    let text: String = document.root_element().text().collect();
    assert!(text.contains("<script>alert(1)</script>"), "shown as text");
    assert!(!run.stdout.contains('\u{1b}'), "no escape characters");
    for attribute in ["onerror", "onmouseover"] {
        let with = format!("[{attribute}]");
        assert_eq!(count(&with), 0, "{attribute}");
    }
    assert!(
        !run.stdout.contains("src=") && !run.stdout.contains("href="),
        "self-contained: no external references"
    );
}

#[test]
fn markdown_escapes_log_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path());
    let run = keydeny(&["summary", "--format", "markdown", "--now", NOW, &log]);
    assert!(!run.stdout.contains("<script>"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'));
}

fn write_log(dir: &Path, name: &str, lines: &[&str]) -> String {
    let path = dir.join(name);
    fs::write(&path, lines.join("\n")).unwrap();
    path.display().to_string()
}

#[test]
fn time_zone_offset_and_dst_change() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(
        dir.path(),
        "dst.log",
        &[
            "2024-10-27T00:30:00Z ERROR Failed to generate API key: permission denied user=a",
            "2024-10-27T01:30:00Z ERROR Failed to generate API key: permission denied user=b",
            "2024-10-27T18:40:00Z ERROR Failed to generate API key: permission denied user=c",
        ],
    );
    let berlin = keydeny(&[
        "summary",
        "--format",
        "markdown",
        "--tz",
        "Europe/Berlin",
        "--now",
        NOW,
        &log,
    ]);
    // The same local hour twice, told apart by its offset: summer time ends inside the window.
    assert!(
        berlin.stdout.contains("| 2024-10-27T02:00+02:00 | 1 | 1 |"),
        "{}",
        berlin.stdout
    );
    assert!(
        berlin.stdout.contains("| 2024-10-27T02:00+01:00 | 1 | 1 |"),
        "{}",
        berlin.stdout
    );
    assert!(
        berlin
            .stdout
            .contains("2024-10-27T02:30:00+02:00 to 2024-10-27T19:40:00+01:00")
    );
    let india = keydeny(&["summary", "--tz", "+05:30", "--now", NOW, &log]);
    assert!(
        india
            .stdout
            .contains("2024-10-27T06:00:00+05:30 .. 2024-10-28T00:10:00+05:30"),
        "{}",
        india.stdout
    );
    let events = keydeny(&["events", "--tz", "+05:30", &log]);
    assert!(
        events.stdout.contains("2024-10-28T00:10:00+05:30"),
        "{}",
        events.stdout
    );
    let csv = keydeny(&["events", "--format", "csv", "--tz", "+05:30", &log]);
    assert!(
        csv.stdout.contains("2024-10-27T18:40:00Z"),
        "CSV stays UTC: {}",
        csv.stdout
    );
    let bad = keydeny(&["summary", "--tz", "Mars/Base", &log]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("expected an IANA time zone like Europe/Berlin or an offset like +05:30")
    );
}

#[test]
fn baseline_shows_new_rising_falling_and_gone() {
    let dir = tempfile::tempdir().unwrap();
    let yesterday = write_log(
        dir.path(),
        "yesterday.log",
        &[
            "2024-05-01T10:00:00Z ERROR Failed to generate API key: permission denied user=alice",
            "2024-05-01T10:01:00Z ERROR Failed to generate API key: maximum number of API keys reached user=bob",
            "2024-05-01T10:02:00Z ERROR Failed to generate API key: maximum number of API keys reached user=bob",
            "2024-05-01T10:03:00Z ERROR Failed to generate API key: session expired user=carol",
        ],
    );
    let today = write_log(
        dir.path(),
        "today.log",
        &[
            "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=alice",
            "2024-05-02T10:00:30Z ERROR Failed to generate API key: permission denied user=alice",
            "2024-05-02T10:01:00Z ERROR Failed to generate API key: maximum number of API keys reached user=bob",
            "2024-05-02T10:02:00Z ERROR Failed to generate API key: requires two-factor authentication user=dan",
        ],
    );
    let baseline = dir.path().join("yesterday.json");
    let run = keydeny(&[
        "summary",
        "--format",
        "json",
        "-o",
        baseline.to_str().unwrap(),
        &yesterday,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = keydeny(&[
        "summary",
        "--format",
        "markdown",
        "--baseline",
        baseline.to_str().unwrap(),
        "--now",
        NOW,
        &today,
    ]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    for row in [
        "(`unknown`) | 2 | 1 |",
        "was 1, rising |",
        "(`quota_exceeded`) | 1 | 1 |",
        "was 2, falling |",
        "(`mfa_required`) | 1 | 1 |",
        "| new |",
        "(`unauthenticated`) | 0 | 0 |",
        "was 1, gone |",
        "| alice | 1 | 2 | rising |",
        "| carol | 1 | 0 | gone |",
        "| dan | 0 | 1 | new |",
    ] {
        assert!(md.stdout.contains(row), "missing {row:?} in\n{}", md.stdout);
    }
    let table = keydeny(&["summary", "--baseline", baseline.to_str().unwrap(), &today]);
    assert!(
        table
            .stdout
            .starts_with("4 denied key-generation event(s) (4 in the baseline, steady)"),
        "{}",
        table.stdout
    );
    let missing = keydeny(&["summary", "--baseline", "/nonexistent.json", &today]);
    assert_eq!(missing.code, 2);
}

#[test]
fn per_cause_thresholds_say_which_fired() {
    in_root();
    let log = "fixtures/logs/text/app.log";
    let run = keydeny(&[
        "summary",
        "--format",
        "json",
        "--fail-on",
        "100",
        "--fail-on",
        "mfa_required=1",
        log,
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("keydeny: threshold reached: mfa_required has 1 denied event(s), limit 1"),
        "{}",
        run.stderr
    );
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    let fired: Vec<&str> = summary["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["fired"] == true)
        .map(|t| t["threshold"].as_str().unwrap())
        .collect();
    assert_eq!(fired, ["mfa_required"]);
    let bad = keydeny(&["summary", "--fail-on", "bogus=1", log]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown cause \"bogus\""),
        "{}",
        bad.stderr
    );
}

/// Every fixture log, grouped so that a record delivered twice (CloudTrail in two trails)
/// stays in one shard: merging assumes disjoint inputs.
fn fixture_units() -> Vec<Vec<String>> {
    let mut units: Vec<Vec<String>> = Vec::new();
    let mut cloudtrail = Vec::new();
    let mut dirs: Vec<_> = fs::read_dir(root().join("fixtures/logs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            let relative = file.strip_prefix(root()).unwrap().display().to_string();
            if relative.contains("/cloudtrail/") {
                cloudtrail.push(relative);
            } else {
                units.push(vec![relative]);
            }
        }
    }
    units.push(cloudtrail);
    units
}

fn summary_json(dir: &Path, name: &str, files: &[String]) -> String {
    let out = dir.join(name);
    let mut args = vec![
        "summary",
        "--format",
        "json",
        "--now",
        NOW,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(files.iter().map(String::as_str));
    let run = keydeny(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out.display().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Split the fixtures arbitrarily into shards, summarise each, merge: the result equals
    /// one run over everything, in every format.
    #[test]
    fn merge_reproduces_a_single_run(assignment in proptest::collection::vec(0usize..3, 17)) {
        in_root();
        let dir = tempfile::tempdir().unwrap();
        let units = fixture_units();
        let mut shards: Vec<Vec<String>> = vec![Vec::new(); 3];
        for (i, unit) in units.iter().enumerate() {
            shards[assignment[i % assignment.len()]].extend(unit.iter().cloned());
        }
        let all: Vec<String> = units.concat();
        let whole = summary_json(dir.path(), "whole.json", &all);
        let parts: Vec<String> = shards
            .iter()
            .enumerate()
            .filter(|(_, files)| !files.is_empty())
            .map(|(i, files)| summary_json(dir.path(), &format!("part{i}.json"), files))
            .collect();
        for format in ["json", "markdown", "table"] {
            let mut args = vec!["merge", "--format", format, "--now", NOW];
            args.extend(parts.iter().map(String::as_str));
            let merged = keydeny(&args);
            prop_assert_eq!(merged.code, 0, "{}", merged.stderr);
            let single = keydeny(&["merge", "--format", format, "--now", NOW, &whole]);
            prop_assert_eq!(&merged.stdout, &single.stdout, "format {}", format);
        }
    }
}

#[test]
fn merging_one_summary_reproduces_it() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let logs = logs();
    let whole = summary_json(dir.path(), "whole.json", &[logs]);
    let merged = keydeny(&["merge", "--format", "json", "--now", NOW, &whole]);
    assert_eq!(merged.stdout, fs::read_to_string(&whole).unwrap());
    let bad = dir.path().join("bad.json");
    fs::write(&bad, "{\"schema\":\"other\"}").unwrap();
    let run = keydeny(&["merge", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.json: not a keydeny summary"),
        "{}",
        run.stderr
    );
}
