//! The CLI contract: exit codes, stdin, bad arguments, unreadable inputs, thresholds,
//! filters, atomic output, `explain` and `rules`.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{in_root, keydeny, logs};

const APP_LOG: &str = "fixtures/logs/text/app.log";

#[test]
fn clean_run_exits_zero() {
    in_root();
    let run = keydeny(&["summary", &logs()]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("257 denied key-generation event(s) by "),
        "{}",
        run.stdout
    );
}

#[test]
fn fail_on_threshold() {
    in_root();
    assert_eq!(
        keydeny(&["events", "--fail-on", "12", APP_LOG]).code,
        1,
        "12 events in app.log"
    );
    assert_eq!(keydeny(&["events", "--fail-on", "13", APP_LOG]).code, 0);
    let filtered = keydeny(&[
        "summary",
        "--fail-on",
        "1",
        "--cause",
        "mfa_required",
        "--actor",
        "NOBODY",
        APP_LOG,
    ]);
    assert_eq!(
        filtered.code, 0,
        "the threshold counts events after filters"
    );
}

#[test]
fn bad_arguments_exit_two_with_a_clear_message() {
    in_root();
    let cases: [(&[&str], &str); 6] = [
        (
            &["summary", "--since", "7x", APP_LOG],
            "invalid --since value \"7x\": expected a duration like 90m, 24h, 7d, a date like 2024-05-02 or an RFC 3339 time",
        ),
        (
            &["events", "--format", "xml"],
            "invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            &["summary", "--cause", "bad_luck"],
            "invalid value 'bad_luck' for '--cause",
        ),
        (
            &["summary", "--threads", "0", APP_LOG],
            "invalid --threads value \"0\": expected at least 1 thread",
        ),
        (
            &[
                "summary",
                "--since",
                "2024-05-03T00:00:00Z",
                "--until",
                "2024-05-02T00:00:00Z",
                APP_LOG,
            ],
            "the window is empty",
        ),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    ];
    for (args, message) in cases {
        let run = keydeny(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn unreadable_input_is_reported_and_the_rest_processed() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("cut.log.gz");
    let whole = fs::read("fixtures/logs/cloudtrail/records-pretty.json.gz").unwrap();
    fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let missing = dir.path().join("missing.log");
    let run = keydeny(&[
        "summary",
        "--format",
        "json",
        truncated.to_str().unwrap(),
        missing.to_str().unwrap(),
        APP_LOG,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("missing.log: cannot read: no such file or directory\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("cut.log.gz: truncated gzip stream after line "),
        "{}",
        run.stderr
    );
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["inputs"]["unreadable"], 2);
    assert_eq!(summary["inputs"]["files"], 3);
    assert!(
        summary["totals"]["events"].as_u64().unwrap() >= 12,
        "app.log still counted"
    );
}

#[test]
fn stdin_is_read_when_no_path_or_dash() {
    in_root();
    let input = fs::read(APP_LOG).unwrap();
    for args in [
        &["events", "--format", "csv"][..],
        &["events", "--format", "csv", "-"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keydeny"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        let csv = String::from_utf8(output.stdout).unwrap();
        assert_eq!(csv.lines().count(), 13, "header + 12 events");
        assert!(
            csv.lines().skip(1).all(|l| l.contains(",<stdin>,")),
            "file column names stdin"
        );
    }
}

#[test]
fn filters_narrow_the_events() {
    in_root();
    let run = keydeny(&[
        "events",
        "--format",
        "csv",
        "--platform",
        "aws",
        "--cause",
        "quota_exceeded",
        "--since",
        "2024-05-01T00:00:00+02:00",
        "--until",
        "2024-05-03T00:00:00Z",
        &logs(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.contains(",aws,") && r.contains(",quota_exceeded,"))
    );
    let actor = keydeny(&["events", "--format", "csv", "--actor", "WEB_ADMIN", &logs()]);
    let rows: Vec<&str> = actor.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("arn:aws:iam::111122223333:user/web_admin"));
}

#[test]
fn relative_since_counts_back_from_now() {
    in_root();
    // SAFETY of the env var: only this test reads KEYDENY_NOW at the time it runs... tests
    // run in parallel threads, so the value is passed to a child process instead.
    let output = Command::new(env!("CARGO_BIN_EXE_keydeny"))
        .args(["events", "--format", "csv", "--since", "90m", APP_LOG])
        .env("KEYDENY_NOW", "2024-05-02T12:00:00Z")
        .output()
        .unwrap();
    let csv = String::from_utf8(output.stdout).unwrap();
    let times: Vec<&str> = csv.lines().skip(1).map(|l| &l[..20]).collect();
    assert!(!times.is_empty());
    assert!(
        times.iter().all(|t| *t >= "2024-05-02T10:30:00Z"),
        "{times:?}"
    );
}

#[test]
fn output_file_is_written_atomically() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.csv");
    let run = keydeny(&[
        "events",
        "--format",
        "csv",
        "-o",
        target.to_str().unwrap(),
        APP_LOG,
    ]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "");
    assert_eq!(fs::read_to_string(&target).unwrap().lines().count(), 13);
    let leftovers = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file left behind");
    let bad = keydeny(&["events", "-o", "/nonexistent-dir/x.csv", APP_LOG]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("keydeny: error:"), "{}", bad.stderr);
}

#[test]
fn explain_prints_remediation() {
    let run = keydeny(&["explain", "mfa_required"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("mfa_required: Two-factor authentication required\n")
    );
    assert!(run.stdout.contains("1. Enable two-factor authentication"));
    let all = keydeny(&["explain"]);
    for cause in [
        "insufficient_role",
        "policy_block",
        "unauthenticated",
        "plan_restriction",
        "mfa_required",
        "quota_exceeded",
        "network_restriction",
        "unknown",
    ] {
        assert!(
            all.stdout.contains(&format!("\n{cause}: ")) || all.stdout.starts_with(cause),
            "{cause}"
        );
    }
}

#[test]
fn rules_list_and_check() {
    let list = keydeny(&["rules", "list"]);
    assert_eq!(list.code, 0);
    assert!(
        list.stdout
            .contains("aws.iam.create_access_key  [aws]  names: iam:CreateAccessKey")
    );
    assert!(
        list.stdout
            .contains(" 700  aws.auth.token  -> unauthenticated")
    );

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    fs::write(&good, "[[rule]]\nid = \"acme.vault\"\ncause = \"policy_block\"\nmessage = \"(?i)key vault locked\"\n").unwrap();
    let run = keydeny(&["rules", "check", good.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .ends_with("good.toml: ok (0 action(s), 0 denial pattern(s), 1 rule(s))\n"),
        "{}",
        run.stdout
    );

    let bad = dir.path().join("bad.toml");
    fs::write(
        &bad,
        "[[rule]]\nid = \"acme.bad\"\ncause = \"policy_block\"\nmessage = \"(unclosed\"\n",
    )
    .unwrap();
    let run = keydeny(&["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("bad.toml: rule `acme.bad`: invalid regex in `message`"),
        "{}",
        run.stderr
    );
}

#[test]
fn user_rules_file_changes_classification() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.toml");
    fs::write(
        &rules,
        "[[rule]]\nid = \"acme.bare_permission_denied\"\ncause = \"insufficient_role\"\npriority = 50\nmessage = \"(?i)permission denied\"\n",
    )
    .unwrap();
    let before = keydeny(&["events", "--format", "csv", "--cause", "unknown", APP_LOG]);
    let after = keydeny(&[
        "events",
        "--format",
        "csv",
        "--cause",
        "unknown",
        "--rules",
        rules.to_str().unwrap(),
        APP_LOG,
    ]);
    assert!(
        before.stdout.lines().count() > after.stdout.lines().count(),
        "{}\n{}",
        before.stdout,
        after.stdout
    );
}

#[test]
fn documented_example_rules_work_as_written() {
    in_root();
    let log = "fixtures/rules/acme.log";
    let without = keydeny(&["events", "--format", "csv", log]);
    assert_eq!(
        without.stdout.lines().count(),
        1,
        "built-in rules know nothing of ACME vault keys"
    );
    let with = keydeny(&[
        "events",
        "--format",
        "csv",
        "--rules",
        "fixtures/rules/acme.toml",
        log,
    ]);
    let rows: Vec<&str> = with.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", with.stdout);
    assert!(
        rows[0].contains(",create_vault_key,svc-billing,") && rows[0].contains(",policy_block,")
    );
    assert!(rows[1].contains(",create_vault_key,svc-reports,") && rows[1].contains(",unknown,"));
    let check = keydeny(&["rules", "check", "fixtures/rules/acme.toml"]);
    assert_eq!(
        check.stdout,
        "fixtures/rules/acme.toml: ok (1 action(s), 0 denial pattern(s), 1 rule(s))\n"
    );
}

/// Issue 10: every error says what, which path and why, in one line, and a run that could
/// read nothing prints no report of nothing.
#[test]
fn issue10_errors_name_the_path_and_nothing_read_means_no_report() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().display().to_string();
    let run = keydeny(&["summary", "-o", &target, APP_LOG]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!("keydeny: error: cannot write the output to {target}: it is a directory\n")
    );

    let missing = dir.path().join("missing.log").display().to_string();
    let run = keydeny(&["summary", &missing]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.clone()),
        (
            2,
            "",
            format!("keydeny: {missing}: cannot read: no such file or directory\n")
        )
    );

    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let empty = empty.display().to_string();
    let run = keydeny(&["events", "--format", "csv", &empty]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.clone()),
        (
            2,
            "",
            format!("keydeny: {empty}: no log files found under this directory\n")
        )
    );
    // With something readable beside it, the report is written and the exit code still says.
    let run = keydeny(&["summary", "--format", "json", &empty, APP_LOG]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["inputs"]["errors"][0]["file"], empty.as_str());
    assert_eq!(json["totals"]["events"], 12);
}

/// Issue 10: `| head -1` closing the pipe is not an error, for every output format.
#[test]
fn issue10_a_closed_pipe_exits_quietly() {
    in_root();
    for format in [
        ["events", "--format", "csv"],
        ["events", "--format", "ndjson"],
        ["summary", "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keydeny"))
            .args(format)
            .args(["-q", &logs(), &logs(), &logs()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{format:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{format:?}: {stderr}");
    }
}

/// Issue 12: `rules list` says what each credential family mints and why it counts.
#[test]
fn issue12_rules_list_documents_every_credential_family() {
    let run = keydeny(&["rules", "list"]);
    assert_eq!(run.code, 0);
    let actions: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("## Key-generation actions"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    // A family's listing ends with its file (multi-line message patterns span lines).
    let families = actions
        .iter()
        .filter(|l| l.ends_with("(builtin/actions.toml)"))
        .count();
    let described = actions
        .iter()
        .filter(|l| l.starts_with("      ") && l[6..].starts_with(|c: char| c.is_alphabetic()))
        .count();
    assert!(families >= 25, "{actions:?}");
    assert_eq!(
        described, families,
        "every built-in family has its why: {actions:?}"
    );
    assert!(
        run.stdout
            .contains("transit sign only signs data: not counted")
    );
    assert!(
        run.stdout
            .contains("listKeys only reads existing keys: not counted")
    );
}
