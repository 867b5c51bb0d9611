//! The evaluation sets for application logs (`fixtures/eval/*.tsv`, issue 11): lines in
//! wordings modelled on real software (identity providers, developer portals, API gateways,
//! Git forges, secret managers, billing code, cloud SDK errors, Kubernetes components),
//! positives beside hard negatives, in four families: plain text, logfmt, JSON and
//! syslog-wrapped (RFC 3164 and 5424). `app_logs.tsv` must meet the bar in every
//! family (recall at least 98%, precision at least 99%, cause accuracy at least 95%);
//! `blind_a.tsv` to `blind_f.tsv` (six rounds), written by authors who saw neither the code
//! nor the other sets, hold the figures they reached. Not under `fixtures/logs`, so the fixture counts of
//! the other tests are untouched.

use std::collections::HashMap;

use serde_json::Value;

use crate::util::{in_root, keydeny, read};

const FAMILIES: [(&str, &str); 4] = [
    ("text", "text"),
    ("logfmt", "logfmt"),
    ("json", "json"),
    ("syslog", "syslog"),
];

/// (expected cause, or `None` for no event; raw line) of one family, in file order.
fn rows(file: &str, family: &str) -> Vec<(Option<String>, String)> {
    read(format!("fixtures/eval/{file}"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            let (fam, expected, line) = (parts.next()?, parts.next()?, parts.next()?);
            (fam == family).then(|| {
                let expected = (expected != "-").then(|| expected.to_string());
                (expected, line.to_string())
            })
        })
        .collect()
}

/// Counts of one family: true positives, false negatives, false positives, right causes.
#[derive(Default, Debug)]
struct Score {
    tp: usize,
    fn_: usize,
    fp: usize,
    right_cause: usize,
    wrong: Vec<String>,
}

fn score(file: &str, family: &str, input_format: &str) -> Score {
    let rows = rows(file, family);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{family}.log"));
    let text: String = rows.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let run = keydeny(&[
        "events",
        "--format",
        "ndjson",
        "-q",
        "--input-format",
        input_format,
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got: HashMap<u64, String> = run
        .stdout
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            let cause = e["cause"].as_str().unwrap().to_string();
            (e["line"].as_u64().unwrap(), cause)
        })
        .collect();
    let mut s = Score::default();
    for (i, (expected, line)) in rows.iter().enumerate() {
        let got = got.get(&(i as u64 + 1));
        match (expected, got) {
            (Some(want), Some(cause)) => {
                s.tp += 1;
                if want == cause {
                    s.right_cause += 1;
                } else {
                    s.wrong.push(format!("cause {cause}, want {want}: {line}"));
                }
            }
            (Some(want), None) => {
                s.fn_ += 1;
                s.wrong.push(format!("missed ({want}): {line}"));
            }
            (None, Some(cause)) => {
                s.fp += 1;
                s.wrong.push(format!("false alarm ({cause}): {line}"));
            }
            (None, None) => {}
        }
    }
    s
}

/// Score every family of one set and return those below (recall, precision, cause).
fn below(file: &str, floors: &[(&str, f64, f64, f64)]) -> Vec<String> {
    let mut failures = Vec::new();
    for &(family, min_recall, min_precision, min_cause) in floors {
        let format = FAMILIES
            .iter()
            .find(|(f, _)| *f == family)
            .map_or(family, |f| f.1);
        let s = score(file, family, format);
        let recall = s.tp as f64 / (s.tp + s.fn_).max(1) as f64;
        let precision = s.tp as f64 / (s.tp + s.fp).max(1) as f64;
        let cause = s.right_cause as f64 / s.tp.max(1) as f64;
        eprintln!(
            "{file} {family:7} recall {}/{} {:.1}%  precision {}/{} {:.1}%  cause {}/{} {:.1}%",
            s.tp,
            s.tp + s.fn_,
            recall * 100.0,
            s.tp,
            s.tp + s.fp,
            precision * 100.0,
            s.right_cause,
            s.tp,
            cause * 100.0
        );
        for w in &s.wrong {
            eprintln!("  {w}");
        }
        if recall < min_recall || precision < min_precision || cause < min_cause {
            failures.push(format!("{file} {family}"));
        }
    }
    failures
}

/// Every evaluation set.
const SETS: [&str; 7] = [
    "app_logs.tsv",
    "blind_a.tsv",
    "blind_b.tsv",
    "blind_c.tsv",
    "blind_d.tsv",
    "blind_e.tsv",
    "blind_f.tsv",
];

/// The bar in every family.
const BAR: (f64, f64, f64) = (0.98, 0.99, 0.95);

#[test]
fn app_log_families_meet_the_bar() {
    in_root();
    let floors: Vec<(&str, f64, f64, f64)> = FAMILIES
        .iter()
        .map(|(f, _)| (*f, BAR.0, BAR.1, BAR.2))
        .collect();
    let failures = below("app_logs.tsv", &floors);
    assert!(failures.is_empty(), "below the bar: {failures:?}");
}

/// The blind sets: the bar where it is met, else the figure reached when they were added
/// (what is below the bar is in the closing note of issue 11), so accuracy cannot slip back.
#[test]
fn blind_sets_hold_their_figures() {
    in_root();
    let mut failures = below(
        "blind_a.tsv",
        &[
            ("text", BAR.0, BAR.1, BAR.2),
            ("logfmt", BAR.0, BAR.1, BAR.2),
            ("json", BAR.0, BAR.1, BAR.2),
            ("syslog", 0.90, 0.98, BAR.2),
        ],
    );
    failures.extend(below(
        "blind_b.tsv",
        &[
            ("text", 0.94, 0.97, BAR.2),
            ("logfmt", 0.91, BAR.1, BAR.2),
            ("json", 0.93, 0.98, BAR.2),
            ("syslog", 0.86, 0.98, BAR.2),
        ],
    ));
    failures.extend(below(
        "blind_c.tsv",
        &[
            ("text", 0.86, BAR.1, 0.94),
            ("logfmt", 0.90, 0.98, BAR.2),
            ("json", 0.87, 0.98, 0.94),
            ("syslog", 0.89, BAR.1, BAR.2),
        ],
    ));
    failures.extend(below(
        "blind_d.tsv",
        &[
            ("text", 0.89, 0.97, BAR.2),
            ("logfmt", 0.89, 0.98, BAR.2),
            ("json", 0.90, 0.96, BAR.2),
            ("syslog", 0.86, 0.98, 0.93),
        ],
    ));
    failures.extend(below(
        "blind_e.tsv",
        &[
            ("text", 0.93, 0.98, 0.92),
            ("logfmt", 0.93, 0.98, 0.94),
            ("json", 0.93, BAR.1, BAR.2),
            ("syslog", 0.86, BAR.1, BAR.2),
        ],
    ));
    failures.extend(below(
        "blind_f.tsv",
        &[
            ("text", 0.96, 0.98, BAR.2),
            ("logfmt", 0.95, BAR.1, BAR.2),
            ("json", 0.93, 0.98, BAR.2),
            ("syslog", 0.87, 0.98, BAR.2),
        ],
    ));
    assert!(failures.is_empty(), "below their figures: {failures:?}");
}

#[test]
fn every_family_has_positives_and_hard_negatives() {
    in_root();
    for file in SETS {
        for (family, _) in FAMILIES {
            let rows = rows(file, family);
            let positives = rows.iter().filter(|(e, _)| e.is_some()).count();
            assert!(positives >= 50, "{file} {family}: {positives} positives");
            assert!(rows.len() - positives >= 20, "{file} {family}: negatives");
        }
    }
}

/// `--no-prefilter` finds byte-identical events on every line of every set.
#[test]
fn prefilter_changes_nothing_on_the_eval_sets() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    for file in SETS {
        for (family, format) in FAMILIES {
            let path = dir.path().join(format!("{family}.log"));
            let text: String = rows(file, family)
                .iter()
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            std::fs::write(&path, text).unwrap();
            let path = path.to_str().unwrap();
            let args = [
                "events",
                "--format",
                "ndjson",
                "-q",
                "--input-format",
                format,
            ];
            let with = keydeny(&[&args[..], &[path]].concat());
            let without = keydeny(&[&args[..], &["--no-prefilter", path]].concat());
            assert_eq!(with.code, 0, "{}", with.stderr);
            assert!(!with.stdout.is_empty(), "{file} {family}: no events");
            assert_eq!(with.stdout, without.stdout, "{file} {family}");
        }
    }
}
