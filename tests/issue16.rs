//! Issue 16, "the tables, reports and help a demanding user expects": one test per item,
//! as snapshots at a stated width or exact assertions on the output.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use keydeny::terminal::Streams;
use unicode_width::UnicodeWidthStr;

use crate::util::{assert_golden, in_root, keydeny, read};

const APP_LOG: &str = "fixtures/logs/text/app.log";
const WIDE_LOG: &str = "fixtures/terminal/wide.log";
const NOW: &str = "2024-06-01T00:00:00Z";

fn ok(args: &[&str]) -> String {
    in_root();
    let run = keydeny(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// Every line of `text` fits in `width` display cells.
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.width() <= width,
            "line of {} cells at width {width}: {line}",
            line.width()
        );
    }
}

/// Text with every run of whitespace made one space: wrapped and unwrapped prose compare equal
/// exactly when wrapping only moved line breaks.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keydeny"));
    command.current_dir(crate::util::root());
    command.env_remove("KEYDENY_NOW");
    command
}

// 1. The events table fits any width down to 60, measured in display cells.
#[test]
fn events_table_fits_every_width_down_to_60() {
    for width in [60, 64, 70, 80, 100, 120] {
        let w = width.to_string();
        for log in ["fixtures/logs/", WIDE_LOG] {
            let text = ok(&["events", "-q", "--width", &w, "--now", NOW, log]);
            assert_fits(&text, width);
            assert!(text.ends_with(".\n"), "{text}");
        }
    }
    assert_golden(
        "events-wide-w60.txt",
        &ok(&["events", "--width", "60", WIDE_LOG]),
    );
    assert_golden("events-w80.txt", &ok(&["events", "--width", "80", APP_LOG]));
    // CJK and emoji actors take two cells: the columns after them still line up.
    let wide = ok(&["events", "--width", "100", WIDE_LOG]);
    let starts: Vec<usize> = wide
        .lines()
        .filter(|l| l.starts_with("2024") || l.starts_with("05-") || l.starts_with("TIME"))
        .map(|l| {
            let reason = l.find("Failed").or_else(|| l.find("REASON")).unwrap();
            l[..reason].width()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{wide}");
}

// 2. `summary --by actor` honours --top and says how many more there are.
#[test]
fn by_actor_honours_top_and_counts_the_rest() {
    let three = ok(&[
        "summary",
        "-q",
        "--by",
        "actor",
        "--top",
        "3",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    let rows = three
        .lines()
        .skip_while(|l| !l.starts_with("ACTOR"))
        .skip(1)
        .take_while(|l| !l.starts_with("..."))
        .count();
    assert_eq!(rows, 3, "{three}");
    assert!(
        three.contains("\n... and 183 more (use --top N)\n"),
        "{three}"
    );
    let default = ok(&[
        "summary",
        "-q",
        "--by",
        "actor",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert!(
        default.contains("\n... and 166 more (use --top N)\n"),
        "{default}"
    );
    let all = ok(&[
        "summary",
        "-q",
        "--by",
        "actor",
        "--top",
        "500",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert!(!all.contains("more (use --top N)"), "{all}");
}

// 3. Prose wraps at spaces to the width and is never cut.
#[test]
fn prose_wraps_at_word_boundaries_and_is_never_cut() {
    let args = ["summary", "-q", "--explain", "--now", NOW, "fixtures/logs/"];
    let piped = ok(&args);
    let narrow = ok(&[&args[..], &["--width", "60"]].concat());
    // Only line breaks moved: no word is cut, broken or lost.
    let paragraphs = |text: &str| {
        text.split("\n\n")
            .filter(|p| !p.starts_with("CAUSE"))
            .map(words)
            .collect::<Vec<_>>()
    };
    assert_eq!(paragraphs(&narrow), paragraphs(&piped));
    for line in narrow.lines().filter(|l| !l.contains("arn:aws")) {
        assert!(line.width() <= 60, "{line}");
    }
    assert!(
        !narrow.contains("Run `keydeny explain"),
        "the steps are printed, so no hint to print them"
    );
    // Every remediation step appears whole.
    let explained = ok(&["explain", "policy_block"]);
    for step in explained.lines().filter(|l| l.starts_with("    ")) {
        let step = step.trim_start().split_once(". ").unwrap().1;
        assert!(words(&narrow).contains(step), "{step}");
    }
    let explain = ok(&["explain", "policy_block", "--width", "40"]);
    assert!(
        explain.contains("iam.disableServiceAccountKeyCreation"),
        "{explain}"
    );
    assert_eq!(words(&explain), words(&explained));
    assert_golden("explain-policy_block-w40.txt", &explain);
    // The coverage and formats lines wrap at spaces, indented.
    let inputs = narrow.split("\n\n").last().unwrap();
    assert!(inputs.contains("\n  "), "{inputs}");
    assert!(inputs.lines().all(|l| !l.ends_with('-')), "{inputs}");
}

// 4. A sparkline per cause: Unicode blocks, ASCII with --ascii or a non-UTF-8 locale,
// coloured only on a terminal.
#[test]
fn sparkline_per_cause_with_ascii_fallback() {
    let unicode = ok(&[
        "summary",
        "-q",
        "--width",
        "80",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert_golden("summary-w80.txt", &unicode);
    let table: Vec<&str> = unicode
        .lines()
        .skip_while(|l| !l.starts_with("CAUSE"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(table[0].contains("TIMELINE"), "{unicode}");
    assert!(table[1..].iter().any(|l| l.contains('█')), "{unicode}");
    assert!(
        unicode.contains(
            "TIMELINE: 2024-05-01T07:00:00Z to 2024-05-03T13:59:40Z, one cell per 3h 27m"
        ),
        "{unicode}"
    );
    let spark = |text: &str| -> String {
        text.lines()
            .skip_while(|l| !l.starts_with("CAUSE"))
            .skip(1)
            .take_while(|l| !l.starts_with("TIMELINE"))
            .map(|l| l.chars().skip(37).take(16).collect::<String>())
            .collect()
    };
    let ascii = ok(&[
        "summary",
        "-q",
        "--width",
        "80",
        "--ascii",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert!(spark(&ascii).is_ascii(), "{ascii}");
    assert!(spark(&ascii).contains('@'), "{ascii}");
    let mut argv = vec!["keydeny".to_string()];
    argv.extend(
        ["summary", "-q", "--width", "80", "--now", NOW, APP_LOG]
            .iter()
            .map(|s| s.to_string()),
    );
    let run = |streams: Streams| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        keydeny::main_with_streams(argv.clone(), &mut out, &mut err, streams);
        String::from_utf8(out).unwrap()
    };
    let c_locale = run(Streams {
        ascii: true,
        ..Streams::default()
    });
    assert!(spark(&c_locale).is_ascii(), "{c_locale}");
    let tty = run(Streams {
        stdout_tty: true,
        columns: Some(80),
        ..Streams::default()
    });
    let painted = tty
        .lines()
        .find(|l| l.contains('█'))
        .expect("a sparkline row");
    assert_eq!(
        painted.matches("\u{1b}[").count(),
        4,
        "cause and sparkline coloured"
    );
    assert!(!unicode.contains('\u{1b}'), "uncoloured when piped");
}

// 5. `watch` lines line up under a header; a missing path is waited for, by name.
#[test]
fn watch_aligns_lines_and_names_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let typo = dir.path().join("typo.log");
    fs::write(&log, "").unwrap();
    let mut child = binary()
        .args([
            "watch",
            "--poll-ms",
            "40",
            "--width",
            "100",
            "--color",
            "never",
        ])
        .arg(&log)
        .arg(&typo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines_of = |stream: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stream)) {
                if line.map(|l| tx.send(l)).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let out = lines_of(Box::new(child.stdout.take().unwrap()));
    let err = lines_of(Box::new(child.stderr.take().unwrap()));
    let collect = |rx: &std::sync::mpsc::Receiver<String>, until: &dyn Fn(&[String]) -> bool| {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !until(&seen) && std::time::Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push(line);
            }
        }
        seen
    };
    let stderr = collect(&err, &|seen| seen.iter().any(|l| l.contains("waiting for"))).join("\n");
    let lines = [
        "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=alice",
        "2024-05-02T10:00:01.250Z ERROR Failed to create API key: upgrade your plan user=arn:aws:iam::111122223333:user/automation/very-long-name",
        "2024-05-02T10:00:02Z ERROR Failed to generate API key: maximum number of API keys reached user=田中太郎",
    ];
    fs::write(&log, format!("{}\n", lines.join("\n"))).unwrap();
    let stdout = collect(&out, &|seen| seen.len() >= 4).join("\n");
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    child.wait().unwrap();
    assert!(
        stderr.contains(&format!("keydeny: watching 1 file(s): {}", log.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("keydeny: waiting for {}", typo.display())),
        "{stderr}"
    );
    let live: Vec<&str> = stdout.lines().take(4).collect();
    assert!(live[0].starts_with("TIME"), "{stdout}");
    assert!(live.iter().all(|l| l.width() <= 100), "{stdout}");
    for column in ["CAUSE", "ACTOR", "REASON"] {
        let at = live[0][..live[0].find(column).unwrap()].width();
        for line in &live[1..] {
            assert_eq!(
                cell_starts(line, at),
                Some(true),
                "{column} at cell {at} in {line:?}\n{stdout}"
            );
        }
    }
}

/// Whether a cell starts at display column `at` of `line` (a character there after a space);
/// `None` when `at` falls inside a wide character.
fn cell_starts(line: &str, at: usize) -> Option<bool> {
    let (i, c) = line
        .char_indices()
        .find(|(i, _)| line[..*i].width() >= at)?;
    (line[..i].width() == at).then(|| c != ' ' && line[..i].ends_with(' '))
}

// 6. An empty listing says how many events the filters left out.
#[test]
fn empty_events_listing_counts_what_the_filters_left_out() {
    let text = ok(&[
        "events",
        "-q",
        "--since",
        "1h",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert_eq!(
        text,
        "No denied key-generation events within the filters; 257 event(s) outside them (--since, --until, --platform, --cause, --actor).\n"
    );
    let some = ok(&[
        "events",
        "-q",
        "--cause",
        "mfa_required",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert!(
        some.ends_with("18 denied key-generation event(s); 239 outside the filters.\n"),
        "{some}"
    );
}

// 7. Tables show seconds, or milliseconds where the log had a fraction; CSV keeps it all.
#[test]
fn tables_show_seconds_or_milliseconds_csv_keeps_full_precision() {
    let table = ok(&["events", WIDE_LOG]);
    assert!(table.contains("\n2024-05-02T10:05:00.362Z  "), "{table}");
    assert!(table.contains("\n2024-05-02T10:00:00Z      "), "{table}");
    assert!(!table.contains(".362894634"), "{table}");
    let csv = ok(&["events", "--format", "csv", WIDE_LOG]);
    assert!(csv.contains("2024-05-02T10:05:00.362894634Z,"), "{csv}");
    let summary = ok(&["summary", "--format", "markdown", WIDE_LOG]);
    assert!(summary.contains("2024-05-02T10:05:00.362Z"), "{summary}");
    assert!(!summary.contains(".362894634"), "{summary}");
    // Not from a log: the generation time and a window counted from the clock, to the second.
    let html = ok(&["summary", "--format", "html", "--since", "30d", WIDE_LOG]);
    for row in ["Generated", "Window"] {
        let value = html
            .split(&format!("<th>{row}</th><td>"))
            .nth(1)
            .and_then(|rest| rest.split("</td>").next())
            .unwrap();
        assert!(!value.contains('.'), "{row}: {value}");
    }
}

// 8. Plain dates in --since/--until (start of day in --tz); KEYDENY_NOW checked; RFC 3339
// in the --until error.
#[test]
fn plain_dates_keydeny_now_and_the_until_error() {
    let by_date = ok(&[
        "events",
        "-q",
        "--format",
        "csv",
        "--since",
        "2024-05-02",
        "--until",
        "2024-05-03",
        "fixtures/logs/",
    ]);
    let by_time = ok(&[
        "events",
        "-q",
        "--format",
        "csv",
        "--since",
        "2024-05-02T00:00:00Z",
        "--until",
        "2024-05-03T00:00:00Z",
        "fixtures/logs/",
    ]);
    assert_eq!(by_date, by_time);
    let berlin = ok(&[
        "events",
        "-q",
        "--format",
        "csv",
        "--since",
        "2024-05-02",
        "--tz",
        "Europe/Berlin",
        "fixtures/logs/",
    ]);
    let berlin_time = ok(&[
        "events",
        "-q",
        "--format",
        "csv",
        "--since",
        "2024-05-01T22:00:00Z",
        "fixtures/logs/",
    ]);
    assert_eq!(berlin, berlin_time);
    let help = ok(&["events", "--help"]);
    assert!(
        words(&help).contains("a date (2024-05-02: the start of that day in --tz, else UTC)"),
        "{help}"
    );

    let bad_now = binary()
        .args(["summary", "-q", "--since", "1h", APP_LOG])
        .env("KEYDENY_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(bad_now.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad_now.stderr),
        "keydeny: error: invalid KEYDENY_NOW value \"yesterday\": expected an RFC 3339 time like 2024-05-02T10:00:00Z\n"
    );
    in_root();
    let run = keydeny(&[
        "events",
        "--since",
        "1h",
        "--until",
        "2h",
        "--now",
        "2026-12-01T19:54:41.240231136Z",
        APP_LOG,
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "keydeny: error: invalid --until value \"2h\": the window is empty: --until must be after --since (2026-12-01T18:54:41.240Z)\n"
    );
}

fn set_mtime(path: &Path, rfc3339: &str) {
    let time = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    let system = SystemTime::UNIX_EPOCH + Duration::from_secs(time.timestamp() as u64);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(system)
        .unwrap();
}

// 9. Year-less syslog times are dated from the file's modification time; stdin keeps the clock.
#[test]
fn yearless_syslog_is_dated_from_the_files_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let december = dir.path().join("december.log");
    fs::write(
        &december,
        "<134>Dec 30 23:59:58 api-1 keysvc[1]: Failed to generate API key: insufficient privileges user=bob\n",
    )
    .unwrap();
    set_mtime(&december, "2025-01-02T08:00:00Z");
    let may = dir.path().join("may.log");
    fs::write(
        &may,
        "<134>May  2 10:00:05 api-1 keysvc[1]: Failed to generate API key: insufficient privileges user=bob\n",
    )
    .unwrap();
    set_mtime(&may, "2024-05-03T00:00:00Z");
    let csv = |path: &Path| {
        let out = binary()
            .args(["events", "-q", "--format", "csv"])
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        csv(&december).contains("\r\n2024-12-30T23:59:58Z,"),
        "{}",
        csv(&december)
    );
    assert!(
        csv(&may).contains("\r\n2024-05-02T10:00:05Z,"),
        "{}",
        csv(&may)
    );
    let mut child = binary()
        .args(["events", "-q", "--format", "csv"])
        .env("KEYDENY_NOW", "2027-06-01T00:00:00Z")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &fs::read(&may).unwrap()).unwrap();
    drop(child.stdin.take());
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(out.contains("\r\n2027-05-02T10:00:05Z,"), "{out}");
}

// 10. The HTML report: titles not ids, headers in the case Markdown uses, labels with the
// year when the timeline spans years, actors kept whole.
#[test]
fn html_report_reads_like_a_report() {
    let html = ok(&[
        "summary",
        "--format",
        "html",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    let document = scraper::Html::parse_document(&html);
    let select = |css: &str| {
        let selector = scraper::Selector::parse(css).unwrap();
        document
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect::<Vec<String>>()
    };
    let ids: Vec<&str> = keydeny::event::Cause::ALL.iter().map(|c| c.id()).collect();
    let timeline_headers = select("table.timeline th");
    assert_eq!(timeline_headers.first().map(String::as_str), Some("Day"));
    assert_eq!(timeline_headers.last().map(String::as_str), Some("Total"));
    assert!(
        timeline_headers.iter().all(|h| !ids.contains(&h.as_str())),
        "{timeline_headers:?}"
    );
    assert!(timeline_headers.contains(&"Role".to_string()));
    for text in select("svg text, .legend span") {
        assert!(!ids.iter().any(|id| text.contains(id)), "{text}");
    }
    let legend = select(".legend span");
    assert!(
        legend.contains(&"Role: Insufficient role or permissions".to_string()),
        "{legend:?}"
    );
    let causes = select("td.title");
    assert!(
        causes[0].starts_with("Insufficient role or permissions"),
        "{causes:?}"
    );
    assert_eq!(select("svg").len(), 1, "the timeline chart");
    assert_eq!(select(".bar span").len(), 8, "a bar per cause");
    assert!(
        select("ul.actors li")
            .iter()
            .any(|a| a == "maria.garcia@acme.example (2)")
    );
    assert!(html.contains("ul.actors li{white-space:nowrap"));
    assert!(html.contains("@media print"));
    let day_cells = select("table.timeline td.nowrap");
    assert_eq!(day_cells, ["2024-05-01", "2024-05-02", "2024-05-03"]);
    let labels = select("svg text[text-anchor=middle]");
    assert_eq!(labels, ["05-01", "05-02", "05-03"]);
    let markdown = ok(&[
        "summary",
        "--format",
        "markdown",
        "--now",
        NOW,
        "fixtures/logs/",
    ]);
    assert!(
        markdown.contains("\n| Day | Insufficient role or permissions |"),
        "{markdown}"
    );
    assert!(markdown.contains("| Total |\n"), "{markdown}");

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("years.log");
    fs::write(
        &log,
        [
            "2024-12-30T10:00:00Z ERROR Failed to generate API key: permission denied user=alice",
            "2025-01-02T10:00:00Z ERROR Failed to generate API key: permission denied user=bob",
        ]
        .join("\n"),
    )
    .unwrap();
    let years = ok(&["summary", "--format", "html", log.to_str().unwrap()]);
    let document = scraper::Html::parse_document(&years);
    let selector = scraper::Selector::parse("svg text[text-anchor=middle]").unwrap();
    let labels: Vec<String> = document
        .select(&selector)
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(labels, ["2024-12-30", "2025-01-02"]);
    assert!(years.contains("Events per day (UTC), 2024–2025"), "{years}");
}

fn summary_json(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = dir.join(name).display().to_string();
    let mut all = vec![
        "summary", "-q", "--format", "json", "--now", NOW, "-o", &path,
    ];
    all.extend(args);
    ok(&all);
    path
}

// 11. Merging the same or overlapping inputs is refused; disjoint windows of one input merge.
#[test]
fn merge_refuses_inputs_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let text = summary_json(dir.path(), "text.json", &["fixtures/logs/text"]);
    let json = summary_json(dir.path(), "json.json", &["fixtures/logs/json"]);
    let both = summary_json(
        dir.path(),
        "both.json",
        &["fixtures/logs/text", "fixtures/logs/json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(&text).unwrap()).unwrap();
    assert_eq!(doc["schema"], "keydeny.summary/v2");
    assert_eq!(
        doc["inputs"]["digests"].as_array().unwrap().len(),
        3,
        "{}",
        doc["inputs"]
    );
    assert!(
        doc["inputs"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("fnv1a64:")
    );
    let twice = keydeny(&["merge", &text, &text]);
    assert_eq!(twice.code, 2);
    assert!(
        twice.stderr.starts_with(&format!(
            "keydeny: error: {text} and {text} both summarise fixtures/logs/text/"
        )),
        "{}",
        twice.stderr
    );
    assert!(
        twice.stderr.contains("would count its events twice"),
        "{}",
        twice.stderr
    );
    assert_eq!(twice.stdout, "");
    let overlapping = keydeny(&["merge", &both, &json]);
    assert_eq!(overlapping.code, 2, "{}", overlapping.stderr);
    let disjoint = keydeny(&["merge", "--format", "json", &text, &json]);
    assert_eq!(disjoint.code, 0, "{}", disjoint.stderr);
    // A merged summary carries both sets of digests, so merging it again with a shard is
    // refused too.
    let merged = dir.path().join("merged.json");
    fs::write(&merged, &disjoint.stdout).unwrap();
    assert_eq!(keydeny(&["merge", merged.to_str().unwrap(), &json]).code, 2);
    let monday = summary_json(
        dir.path(),
        "monday.json",
        &[
            "--since",
            "2024-05-01",
            "--until",
            "2024-05-02",
            "fixtures/logs/text",
        ],
    );
    let tuesday = summary_json(
        dir.path(),
        "tuesday.json",
        &[
            "--since",
            "2024-05-02",
            "--until",
            "2024-05-03",
            "fixtures/logs/text",
        ],
    );
    assert_eq!(keydeny(&["merge", &monday, &tuesday]).code, 0);
    // v1 documents still merge, with a warning that they cannot be checked.
    let v1 = dir.path().join("v1.json");
    let mut old = doc.clone();
    old["schema"] = "keydeny.summary/v1".into();
    old["inputs"].as_object_mut().unwrap().remove("digests");
    old["inputs"].as_object_mut().unwrap().remove("digest");
    fs::write(&v1, old.to_string()).unwrap();
    let run = keydeny(&["merge", v1.to_str().unwrap(), &json]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("no input digests"), "{}", run.stderr);
}

// 12. A man page per command with ENVIRONMENT and EXIT STATUS; --help ends with exit codes.
#[test]
fn man_pages_per_command_and_exit_codes_in_help() {
    let dir = tempfile::tempdir().unwrap();
    let listed = ok(&["man", "--dir", dir.path().to_str().unwrap()]);
    for page in [
        "keydeny",
        "keydeny-summary",
        "keydeny-events",
        "keydeny-merge",
        "keydeny-watch",
        "keydeny-explain",
        "keydeny-rules-test",
    ] {
        let path = dir.path().join(format!("{page}.1"));
        assert!(listed.contains(&path.display().to_string()), "{listed}");
        let roff = fs::read_to_string(&path).unwrap();
        for section in ["EXIT STATUS", "ENVIRONMENT", "SEE ALSO"] {
            assert!(
                roff.contains(&format!(".SH \"{section}\"")),
                "{page}: {section}"
            );
        }
        assert!(
            roff.contains("NO_COLOR") && roff.contains("KEYDENY_NOW"),
            "{page}"
        );
    }
    let summary = fs::read_to_string(dir.path().join("keydeny-summary.1")).unwrap();
    let examples = summary.split(".SH \"EXAMPLES\"").nth(1).unwrap();
    assert!(
        examples.starts_with("\n.nf\n"),
        "examples are not refilled: {examples}"
    );
    assert!(examples.contains("keydeny summary \\-\\-by actor \\-\\-since 1h /var/log/\n"));
    assert_eq!(ok(&["man", "summary"]), summary);
    for args in [
        &["--help"][..],
        &["summary", "--help"],
        &["merge", "--help"],
        &["man", "--help"],
    ] {
        let help = ok(args);
        assert!(
            help.trim_end().ends_with(
                "2  usage error, fatal error, or an unreadable input (the rest is processed)"
            ),
            "{args:?}: {help}"
        );
    }
}

// 13. CSV line ends are CRLF, as RFC 4180 says and the README promises.
#[test]
fn csv_lines_end_with_crlf() {
    let csv = read("fixtures/golden/events.csv");
    assert!(csv.ends_with("\r\n"));
    assert_eq!(csv.matches("\r\n").count(), 258);
    assert_eq!(csv.matches('\n').count(), 258, "no bare LF");
    let readme = read("README.md");
    assert!(readme.contains("RFC 4180 (CRLF line ends"));
    assert!(readme.contains("cargo install --path ."));
    assert!(readme.contains("fixtures/logs/json/app.jsonl:12: malformed record"));
}
