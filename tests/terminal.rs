//! The on-call experience: tables fitted to the terminal, colour rules (`--color`,
//! `NO_COLOR`), `--by`, `--explain`, completions and man page, suggestions, `rules test`, and
//! `watch` following appends, rotation and truncation.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keydeny::terminal::Streams;

use crate::util::{assert_golden, in_root, keydeny, read};

const APP_LOG: &str = "fixtures/logs/text/app.log";

fn snapshot(name: &str, args: &[&str]) {
    in_root();
    let run = keydeny(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_golden(name, &run.stdout);
    if let Some(width) = args
        .iter()
        .position(|a| *a == "--width")
        .map(|i| args[i + 1].parse::<usize>().unwrap())
    {
        for line in run
            .stdout
            .lines()
            .filter(|l| !l.starts_with("Run `keydeny") && !l.starts_with("Read "))
        {
            let visible = strip_ansi(line).chars().count();
            assert!(
                visible <= width.max(100),
                "{name}: line of {visible} columns: {line}"
            );
        }
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn event_tables_at_several_widths() {
    snapshot("events-w100.txt", &["events", "--width", "100", APP_LOG]);
    snapshot(
        "events-w160-color.txt",
        &["events", "--width", "160", "--color", "always", APP_LOG],
    );
    snapshot(
        "summary-w100-color.txt",
        &[
            "summary",
            "--width",
            "100",
            "--color",
            "always",
            "--explain",
            APP_LOG,
        ],
    );
    snapshot(
        "summary-by-actor-w120.txt",
        &["summary", "--by", "actor", "--width", "120", APP_LOG],
    );
}

#[test]
fn event_table_lines_fit_the_width() {
    in_root();
    for width in [80, 100, 140] {
        let run = keydeny(&["events", "--width", &width.to_string(), APP_LOG]);
        for line in run.stdout.lines() {
            assert!(line.chars().count() <= width, "width {width}: {line}");
        }
    }
}

fn with_streams(args: &[&str], streams: Streams) -> String {
    let mut argv = vec!["keydeny".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let mut out = Vec::new();
    let mut err = Vec::new();
    keydeny::main_with_streams(argv, &mut out, &mut err, streams);
    String::from_utf8(out).unwrap()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    in_root();
    let tty = Streams {
        stdin_tty: false,
        stdout_tty: true,
        stderr_tty: false,
        columns: Some(120),
        no_color: false,
        ascii: false,
    };
    assert!(
        with_streams(&["summary", APP_LOG], tty).contains("\u{1b}["),
        "colour on a terminal"
    );
    let no_color = Streams {
        no_color: true,
        ..tty
    };
    assert!(
        !with_streams(&["summary", APP_LOG], no_color).contains('\u{1b}'),
        "NO_COLOR"
    );
    assert!(
        with_streams(&["summary", "--color", "always", APP_LOG], no_color).contains("\u{1b}["),
        "--color always wins"
    );
    assert!(
        !with_streams(&["summary", APP_LOG], Streams::default()).contains('\u{1b}'),
        "piped"
    );
    assert!(!with_streams(&["summary", "--color", "never", APP_LOG], tty).contains('\u{1b}'));
}

#[test]
fn hostile_actor_cannot_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("evil.log");
    fs::write(&log, "2024-05-02T10:00:00Z ERROR Failed to generate API key: denied user=\u{1b}]0;pwned\u{7}\u{1b}[2J\n").unwrap();
    for args in [
        &["events"][..],
        &["summary"][..],
        &["summary", "--by", "actor"][..],
    ] {
        let mut all = args.to_vec();
        let path = log.display().to_string();
        all.push(&path);
        let run = keydeny(&all);
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'),
            "{args:?}: {:?}",
            run.stdout
        );
        assert!(
            run.stdout.contains("?]0;pwned??[2J"),
            "{args:?}: shown, defused: {:?}",
            run.stdout
        );
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = keydeny(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("summary") && run.stdout.contains("since"),
            "{shell}"
        );
    }
    let man = keydeny(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq") || man.stdout.contains(".TH keydeny"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("summary"));
}

#[test]
fn mistakes_get_suggestions() {
    in_root();
    let cases: [(&[&str], &str); 6] = [
        (
            &["summary", "--cause", "mfa_requird", APP_LOG],
            "tip: a similar value exists: 'mfa_required'",
        ),
        (
            &["summary", "--platform", "kubernets", APP_LOG],
            "tip: a similar value exists: 'kubernetes'",
        ),
        (
            &["summary", "--input-format", "cloudtrial", APP_LOG],
            "tip: a similar value exists: 'cloudtrail'",
        ),
        (
            &["summry", APP_LOG],
            "tip: a similar subcommand exists: 'summary'",
        ),
        (
            &["summary", "--tz", "Europe/Berlni", APP_LOG],
            "did you mean \"Europe/Berlin\"?",
        ),
        (
            &["summary", "--fail-on", "quota_exceded=2", APP_LOG],
            "did you mean \"quota_exceeded\"?",
        ),
    ];
    for (args, tip) in cases {
        let run = keydeny(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(tip), "{args:?}: {}", run.stderr);
    }
    let since = keydeny(&["summary", "--since", "7x", APP_LOG]);
    assert!(since.stderr.contains(
        "expected a duration like 90m, 24h, 7d, a date like 2024-05-02 or an RFC 3339 time"
    ));
}

#[test]
fn rules_test_explains_every_line() {
    in_root();
    let run = keydeny(&[
        "rules",
        "test",
        "fixtures/rules/acme.toml",
        "fixtures/rules/acme.log",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "# fixtures/rules/acme.log read as text\n\
         fixtures/rules/acme.log:1: -     action acme.vault_key (by message), but no refusal wording (see [[denial]] in `keydeny rules list`)\n\
         fixtures/rules/acme.log:2: EVENT policy_block by rule acme.vault_locked; action create_vault_key; actor svc-billing\n\
         fixtures/rules/acme.log:3: EVENT unknown by no cause rule matched; action create_vault_key; actor svc-reports\n\
         fixtures/rules/acme.log:4: -     no key-generation action matched: reading vault key denied user=svc-reports\n\
         # 2 event(s) in 4 line(s)\n"
    );
    let bad = fs::write(
        std::env::temp_dir().join("keydeny-bad-regex.toml"),
        "[[rule]]\nid = \"r\"\ncause = \"unknown\"\nmessage = \"(x\"\n",
    );
    bad.unwrap();
    let path = std::env::temp_dir()
        .join("keydeny-bad-regex.toml")
        .display()
        .to_string();
    let check = keydeny(&["rules", "check", &path]);
    assert_eq!(check.code, 2);
    assert!(
        check
            .stderr
            .contains(&format!("invalid regex in `message` (at {path}:4:11)")),
        "{}",
        check.stderr
    );
}

fn line_reader(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    line_reader_of(stdout)
}

/// Lines of a child's output stream, as they come.
fn line_reader_of(stdout: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait until a line containing `needle` arrives; returns the lines read meanwhile.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return seen;
            }
        }
    }
    panic!("no line with {needle:?}; saw {seen:?}");
}

fn append(path: &Path, line: &str) {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

fn event(user: &str) -> String {
    format!("2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user={user}")
}

#[test]
fn watch_follows_appends_rotation_truncation_and_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    append(&log, &event("before-start"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydeny"))
        .args([
            "watch",
            "--poll-ms",
            "40",
            "--color",
            "never",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = line_reader(child.stdout.take().unwrap());
    let diagnostics = line_reader_of(child.stderr.take().unwrap());
    wait_for(&diagnostics, "keydeny: watching 1 file(s)");
    append(&log, &event("appended"));
    append(&log, "2024-05-02T10:00:01Z INFO API key created user=fine");
    wait_for(&rx, "appended");
    // Rotation: the file is renamed (a line lands in it just before) and a new one created.
    append(&log, &event("last-in-old"));
    fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&log, &event("first-in-new"));
    let seen = wait_for(&rx, "first-in-new");
    // Truncation: the file starts over.
    std::thread::sleep(Duration::from_millis(300));
    fs::write(&log, format!("{}\n", event("after-truncate"))).unwrap();
    wait_for(&rx, "after-truncate");
    append(&dir.path().join("other.log"), &event("new-file"));
    wait_for(&rx, "new-file");
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = rx.iter().collect();
    let summary = rest.join("\n");
    assert!(
        summary.contains("5 denied key-generation event(s)"),
        "{summary}"
    );
    let old = seen.iter().filter(|l| l.contains("last-in-old")).count();
    assert_eq!(
        old, 1,
        "the rotated file's last line is read, once: {seen:?}"
    );
    assert!(
        !seen.iter().any(|l| l.contains("before-start")),
        "existing content is not replayed"
    );
}

/// The README's "five minutes" walkthrough, run as written: every `keydeny` command of its
/// first code block succeeds, and `rules test` prints exactly the block the README shows.
#[test]
fn readme_walkthrough_runs_as_written() {
    in_root();
    let readme = read("README.md");
    let section = readme
        .split("## Teach keydeny your application's log in five minutes")
        .nth(1)
        .unwrap();
    let mut blocks = section.split("```").skip(1).step_by(2);
    let commands = blocks.next().unwrap();
    let shown_output = blocks.next().unwrap().trim_start_matches('\n');
    let mut ran = 0;
    for line in commands.lines().filter(|l| l.starts_with("keydeny ")) {
        let command = line.split('#').next().unwrap().trim();
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let run = keydeny(&args);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        if args[..2] == ["rules", "test"] {
            assert_eq!(
                run.stdout, shown_output,
                "README shows the real output of {command}"
            );
        }
        ran += 1;
    }
    assert_eq!(ran, 4);
}
