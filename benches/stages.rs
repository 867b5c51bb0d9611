//! Per-stage benchmarks of the pipeline, each with its throughput:
//!
//! - `prefilter`: the literal scan over blocks of realistic lines (bytes/s);
//! - `parse`: each format's parser over real-shaped lines from `fixtures/logs/` (bytes/s), and
//!   the text and CloudTrail parsers over the generated noise lines the prefilter lets through;
//! - `extract`: match_action + denial + classify + event building over denied records;
//!   `classify` alone over their facts (bytes/s of the records);
//! - `summary`: `Summary::add` and `Summary::merge` (events/s);
//! - `scan`: `Scanner::scan` of a whole generated 16 MiB file, as the CLI runs it (bytes/s).
//!
//! The generated files come from `benches/gen_corpus.py` (python3), written once under
//! cargo's target tmp dir; without python3 the benches that need them are skipped.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use keydeny::aggregate::Summary;
use keydeny::event::{Event, Platform};
use keydeny::extract::{Context, Position, extract};
use keydeny::findings::Events;
use keydeny::format::{InputFormat, Parsed, Record};
use keydeny::prefilter::Prefilters;
use keydeny::rules::{Facts, RuleSet};
use keydeny::scan::Scanner;
use keydeny::source::Input;

/// Line-framed fixture files per parser.
const PARSER_FIXTURES: [(InputFormat, &[&str]); 8] = [
    (InputFormat::Cloudtrail, &["cloudtrail/events.ndjson"]),
    (
        InputFormat::Json,
        &["json/app.jsonl", "json/api-gateway.jsonl"],
    ),
    (
        InputFormat::Logfmt,
        &["logfmt/app.logfmt", "apps/grafana.log"],
    ),
    (InputFormat::Text, &["text/app.log", "apps/keycloak.log"]),
    (
        InputFormat::AccessLog,
        &[
            "access_log/nginx-combined.log",
            "access_log/apache-common.log",
        ],
    ),
    (
        InputFormat::Syslog,
        &["syslog/rfc3164.log", "syslog/rfc5424.log"],
    ),
    (InputFormat::GcpAudit, &["gcp_audit/activity.jsonl"]),
    (InputFormat::K8sAudit, &["k8s_audit/audit.log"]),
];

const BLOCK: usize = 4 << 20;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-06-01T00:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

fn rules() -> RuleSet {
    RuleSet::load(&[] as &[&str]).expect("built-in rules load")
}

fn read(rel: &str) -> String {
    let path = root().join("fixtures/logs").join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every non-blank line of the fixture files.
fn fixture_lines(files: &[&str]) -> Vec<String> {
    files
        .iter()
        .flat_map(|rel| {
            read(rel)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The lines `fixtures/expect/` lists as denied key generations (line-framed files only).
fn positive_lines(rel: &str) -> Vec<String> {
    let expect = root().join("fixtures/expect").join(format!("{rel}.expect"));
    let expect = fs::read_to_string(&expect).unwrap_or_else(|e| panic!("{rel}.expect: {e}"));
    let text = read(rel);
    let lines: Vec<&str> = text.lines().collect();
    let mut rows = expect
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = rows.next().unwrap_or_default().split('\t').collect();
    let record_col = header.iter().position(|h| *h == "record");
    rows.filter_map(|row| {
        let cols: Vec<&str> = row.split('\t').collect();
        let in_document = record_col.is_some_and(|i| cols.get(i).is_some_and(|c| !c.is_empty()));
        let line: usize = cols.first()?.parse().ok()?;
        (!in_document).then(|| lines[line - 1].to_string())
    })
    .collect()
}

fn bytes_of(lines: &[String]) -> u64 {
    lines.iter().map(|l| l.len() as u64 + 1).sum()
}

/// A file of `size_mb` MiB written by `benches/gen_corpus.py --single FORMAT` (once).
fn generated(format: &str, size_mb: u32) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{format}-{size_mb}mb"));
    let manifest = dir.with_extension("manifest.json");
    if !manifest.exists() {
        let status = Command::new("python3")
            .arg(root().join("benches/gen_corpus.py"))
            .args([
                "--out",
                &dir.to_string_lossy(),
                "--single",
                format,
                "--force",
            ])
            .args(["--size-mb", &size_mb.to_string(), "--seed", "1"])
            .arg("--manifest")
            .arg(&manifest)
            .stdout(std::process::Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("skipping benches on generated {format} logs: gen_corpus.py failed");
            return None;
        }
    }
    let file = fs::read_dir(&dir).ok()?.flatten().next()?.path();
    Some(file)
}

/// The first `limit` bytes of a file, cut after a newline, as lines.
fn head_lines(path: &Path, limit: usize) -> Vec<String> {
    let text = fs::read_to_string(path).expect("generated file is UTF-8");
    let cut = text[..limit.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    text[..cut].lines().map(str::to_string).collect()
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

fn prefilter(c: &mut Criterion) {
    let rules = rules();
    let prefilters = Prefilters::new(&rules);
    let mut inputs: Vec<(&str, InputFormat, Vec<String>)> = Vec::new();
    if let Some(path) = generated("text", 16) {
        inputs.push((
            "text_generated_4mib",
            InputFormat::Text,
            head_lines(&path, BLOCK),
        ));
    }
    if let Some(path) = generated("cloudtrail-ndjson", 16) {
        inputs.push((
            "cloudtrail_generated_4mib",
            InputFormat::Cloudtrail,
            head_lines(&path, BLOCK),
        ));
    }
    let all: Vec<&str> = PARSER_FIXTURES
        .iter()
        .flat_map(|(_, files)| files.iter().copied())
        .collect();
    inputs.push(("fixture_lines", InputFormat::Text, fixture_lines(&all)));

    let mut group = c.benchmark_group("prefilter");
    for (name, format, lines) in &inputs {
        let prefilter = prefilters.for_format(*format);
        let passed = lines
            .iter()
            .filter(|l| prefilter.may_match(l.as_bytes()))
            .count();
        eprintln!(
            "prefilter/{name}: {} lines, {:.1}% pass to the parser",
            lines.len(),
            100.0 * passed as f64 / lines.len().max(1) as f64
        );
        group.throughput(Throughput::Bytes(bytes_of(lines)));
        group.bench_function(*name, |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| prefilter.may_match(black_box(l.as_bytes())))
                    .count()
            })
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (format, files) in PARSER_FIXTURES {
        let lines = fixture_lines(files);
        let parser = format.parser();
        group.throughput(Throughput::Bytes(bytes_of(&lines)));
        group.bench_function(format.id(), |b| {
            b.iter(|| {
                for line in &lines {
                    black_box(parser.parse(black_box(line.as_bytes())));
                }
            })
        });
    }
    // What the scanner really parses: the generated lines that pass the prefilter.
    let rules = rules();
    let prefilters = Prefilters::new(&rules);
    for (name, format, file) in [
        ("text_generated_passing", InputFormat::Text, "text"),
        (
            "cloudtrail_generated_passing",
            InputFormat::Cloudtrail,
            "cloudtrail-ndjson",
        ),
    ] {
        let Some(path) = generated(file, 16) else {
            continue;
        };
        let lines: Vec<String> = head_lines(&path, BLOCK)
            .into_iter()
            .filter(|l| prefilters.for_format(format).may_match(l.as_bytes()))
            .collect();
        let parser = format.parser();
        group.throughput(Throughput::Bytes(bytes_of(&lines)));
        group.bench_function(name, |b| {
            b.iter(|| {
                for line in &lines {
                    black_box(parser.parse(black_box(line.as_bytes())));
                }
            })
        });
    }
    group.finish();
}

/// Every denied key generation of the line-framed fixtures, with its format.
fn denied_lines() -> Vec<(InputFormat, String)> {
    let sources = [
        (InputFormat::Cloudtrail, "cloudtrail/events.ndjson"),
        (InputFormat::Json, "json/app.jsonl"),
        (InputFormat::Json, "json/api-gateway.jsonl"),
        (InputFormat::Logfmt, "logfmt/app.logfmt"),
        (InputFormat::Text, "text/app.log"),
        (InputFormat::AccessLog, "access_log/nginx-combined.log"),
        (InputFormat::Syslog, "syslog/rfc3164.log"),
        (InputFormat::GcpAudit, "gcp_audit/activity.jsonl"),
        (InputFormat::K8sAudit, "k8s_audit/audit.log"),
    ];
    sources
        .iter()
        .flat_map(|(format, rel)| positive_lines(rel).into_iter().map(move |l| (*format, l)))
        .collect()
}

fn parse_record(format: InputFormat, line: &str) -> Record<'_> {
    match format.parser().parse(line.as_bytes()) {
        Parsed::Record(record) => *record,
        other => panic!("a denied fixture line did not parse: {other:?}"),
    }
}

fn extract_stage(c: &mut Criterion) {
    let rules = rules();
    let ctx = Context {
        rules: &rules,
        now: now(),
        redact: true,
        near_misses: false,
    };
    let file: Arc<str> = Arc::from("bench.log");
    let denied = denied_lines();
    let bytes: u64 = denied.iter().map(|(_, l)| l.len() as u64 + 1).sum();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Bytes(bytes));

    // parse (untimed) -> extract: action, denial, cause, redaction, the owned event
    group.bench_function("denied_records", |b| {
        b.iter_batched(
            || {
                denied
                    .iter()
                    .map(|(f, l)| (*f, parse_record(*f, l)))
                    .collect::<Vec<_>>()
            },
            |records| {
                for (i, (format, record)) in records.into_iter().enumerate() {
                    let at = Position {
                        file: &file,
                        format,
                        line: i as u64 + 1,
                        record: None,
                        modified: None,
                    };
                    black_box(extract(record, &ctx, at));
                }
            },
            BatchSize::SmallInput,
        )
    });

    // classify alone: the cause rules over each denied record's facts
    let records: Vec<Record<'static>> = denied
        .iter()
        .map(|(f, l)| parse_record(*f, l).into_owned())
        .collect();
    let actions: Vec<String> = records
        .iter()
        .map(|r| {
            let platform = r.platform.unwrap_or(Platform::App);
            let text = r.message.as_deref().unwrap_or("");
            rules
                .match_action(
                    platform,
                    r.action.as_deref(),
                    text,
                    r.method.as_deref(),
                    r.path.as_deref(),
                )
                .map(|(a, _)| r.action.as_deref().unwrap_or(&a.name).to_string())
                .unwrap_or_default()
        })
        .collect();
    group.bench_function("classify", |b| {
        b.iter(|| {
            for (record, action) in records.iter().zip(&actions) {
                let field = |name: &str| record.attr(name);
                let facts = Facts {
                    platform: record.platform.unwrap_or(Platform::App),
                    action,
                    error_code: record.error_code.as_deref(),
                    status: record.status,
                    text: record.message.as_deref().unwrap_or(""),
                    field: &field,
                };
                black_box(rules.classify(black_box(&facts)));
            }
        })
    });
    group.bench_function("match_action", |b| {
        b.iter(|| {
            for record in &records {
                black_box(rules.match_action(
                    record.platform.unwrap_or(Platform::App),
                    record.action.as_deref(),
                    record.message.as_deref().unwrap_or(""),
                    record.method.as_deref(),
                    record.path.as_deref(),
                ));
            }
        })
    });
    group.finish();
}

/// `n` events shaped like the fixtures' denied events, with varied actors, tenants and times.
fn events(n: usize) -> Vec<Event> {
    let rules = rules();
    let ctx = Context {
        rules: &rules,
        now: now(),
        redact: true,
        near_misses: false,
    };
    let file: Arc<str> = Arc::from("bench.log");
    let base: Vec<Event> = denied_lines()
        .iter()
        .enumerate()
        .filter_map(|(i, (format, line))| {
            let at = Position {
                file: &file,
                format: *format,
                line: i as u64 + 1,
                record: None,
                modified: None,
            };
            extract(parse_record(*format, line), &ctx, at)
        })
        .collect();
    assert!(
        !base.is_empty(),
        "no denied event extracted from the fixtures"
    );
    (0..n)
        .map(|i| {
            let mut event = base[i % base.len()].clone();
            event.actor = Some(format!("user-{}", i % 997));
            event.tenant = (i % 3 != 0).then(|| format!("tenant-{}", i % 41));
            event.time = event
                .time
                .map(|t| t + chrono::Duration::seconds((i as i64 * 7919) % (30 * 86400)));
            event.line = i as u64 + 1;
            event
        })
        .collect()
}

fn summary(c: &mut Criterion) {
    const EVENTS: usize = 20_000;
    const PARTS: usize = 16;
    let events = events(EVENTS);
    let mut group = c.benchmark_group("summary");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("add_20k_events", |b| {
        b.iter(|| {
            let mut summary = Summary::default();
            for event in &events {
                summary.add(black_box(event));
            }
            summary
        })
    });
    let parts: Vec<Summary> = events
        .chunks(EVENTS / PARTS)
        .map(|chunk| {
            let mut summary = Summary::default();
            chunk.iter().for_each(|e| summary.add(e));
            summary
        })
        .collect();
    group.bench_function("merge_16_parts_of_20k_events", |b| {
        b.iter_batched(
            || parts.clone(),
            |parts| {
                let mut total = Summary::default();
                for part in parts {
                    total.merge(part);
                }
                total
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn scan(c: &mut Criterion) {
    let rules = rules();
    let mut group = c.benchmark_group("scan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    for (name, format, prefilter) in [
        ("text_16mib", "text", true),
        ("text_16mib_no_prefilter", "text", false),
        ("cloudtrail_ndjson_16mib", "cloudtrail-ndjson", true),
    ] {
        let Some(path) = generated(format, 16) else {
            continue;
        };
        let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let scanner = Scanner {
            rules: &rules,
            prefilter: if prefilter {
                Prefilters::new(&rules)
            } else {
                Prefilters::disabled()
            },
            input_format: None,
            block_size: BLOCK,
            max_record: 64 << 20,
            now: now(),
            redact: true,
            near_misses: false,
        };
        let input = Input::file(path.to_string_lossy().as_ref(), path.clone());
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = Events::default();
                black_box(scanner.scan(&input, None, &mut sink));
                black_box(sink)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = stages;
    config = config();
    targets = prefilter, parse, extract_stage, summary, scan
}
criterion_main!(stages);
