//! One assertion covers every path: the fixtures give the same events and the same summary
//! with 1 thread and many, with tiny parallel chunks, from plain, gzip and zstd copies, and
//! with the prefilter off. A property test checks the prefilter on random mixes of lines.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::util::{in_root, keydeny, root};

#[derive(Clone, Copy)]
enum Copy {
    Plain,
    Gzip,
    Zstd,
}

/// Every fixture log, decompressed, then written as `copy` under a fresh temp directory.
fn fixture_copy(copy: Copy) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let logs = root().join("fixtures/logs");
    for entry in walk(&logs) {
        let relative = entry.strip_prefix(&logs).unwrap();
        let plain = decompress(&fs::read(&entry).unwrap(), &entry);
        let name = strip_compression(relative);
        let target = dir.path().join(&name);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let (target, bytes) = match copy {
            Copy::Plain => (target, plain),
            Copy::Gzip => (with_suffix(&target, "gz"), gzip(&plain)),
            Copy::Zstd => (
                with_suffix(&target, "zst"),
                zstd::encode_all(&plain[..], 3).unwrap(),
            ),
        };
        fs::write(target, bytes).unwrap();
    }
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path))
        } else {
            files.push(path)
        }
    }
    files
}

fn decompress(bytes: &[u8], path: &Path) -> Vec<u8> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
            out
        }
        Some("zst") => zstd::decode_all(bytes).unwrap(),
        _ => bytes.to_vec(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn strip_compression(path: &Path) -> PathBuf {
    let text = path.to_str().unwrap();
    PathBuf::from(text.trim_end_matches(".gz").trim_end_matches(".zst"))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}.{suffix}", path.display()))
}

/// Events (NDJSON) and summary (JSON) with the input directory and compression suffixes
/// removed from file names, so runs over different copies compare equal.
fn outputs(dir: &Path, extra: &[&str]) -> (String, String) {
    let dir_text = format!("{}/", dir.display());
    let normalise = |text: String| {
        text.replace(&dir_text, "")
            .replace(".gz\"", "\"")
            .replace(".zst\"", "\"")
    };
    let mut results = Vec::new();
    for command in [
        ["events", "--format", "ndjson"],
        ["summary", "--format", "json"],
    ] {
        let mut args: Vec<&str> = command.to_vec();
        args.extend_from_slice(extra);
        let path = dir.display().to_string();
        args.push(&path);
        let run = keydeny(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        results.push(normalise(run.stdout));
    }
    let summary = results.pop().unwrap();
    (results.pop().unwrap(), summary)
}

#[test]
fn threads_chunks_compression_and_prefilter_agree() {
    in_root();
    let plain = fixture_copy(Copy::Plain);
    let baseline = outputs(
        plain.path(),
        &["--threads", "1", "--now", "2024-06-01T00:00:00Z"],
    );
    assert!(
        baseline.0.lines().count() == 257,
        "the fixtures hold events"
    );
    let variants: [(&str, Copy, &[&str]); 6] = [
        ("many threads", Copy::Plain, &["--threads", "4"]),
        (
            "tiny chunks",
            Copy::Plain,
            &["--threads", "3", "--block-size", "97"],
        ),
        (
            "one-byte chunks",
            Copy::Plain,
            &["--threads", "2", "--block-size", "1"],
        ),
        ("gzip", Copy::Gzip, &[]),
        ("zstd", Copy::Zstd, &["--block-size", "200"]),
        ("no prefilter", Copy::Plain, &["--no-prefilter"]),
    ];
    for (name, copy, args) in variants {
        let dir = fixture_copy(copy);
        let mut args = args.to_vec();
        args.extend(["--now", "2024-06-01T00:00:00Z"]);
        let got = outputs(dir.path(), &args);
        assert_eq!(got.0, baseline.0, "events differ: {name}");
        assert_eq!(got.1, baseline.1, "summary differs: {name}");
    }
}

/// Every non-empty line of the line-oriented fixtures, with the format it belongs to.
fn fixture_lines() -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    for (format, file) in [
        ("json", "fixtures/logs/json/app.jsonl"),
        ("json", "fixtures/logs/json/api-gateway.jsonl"),
        ("logfmt", "fixtures/logs/logfmt/app.logfmt"),
        ("text", "fixtures/logs/text/app.log"),
        ("cloudtrail", "fixtures/logs/cloudtrail/events.ndjson"),
    ] {
        let text = fs::read_to_string(root().join(file)).unwrap();
        lines.extend(text.lines().map(|l| (format, l.to_string())));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The prefilter may let too much through, never too little.
    #[test]
    fn prefilter_never_changes_output(picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..60),
                                      format in prop::sample::select(vec!["json", "logfmt", "text", "cloudtrail"])) {
        in_root();
        let pool = fixture_lines();
        let dir = tempfile::tempdir().unwrap();
        let body: Vec<&str> = picks.iter().map(|i| pool[i.index(pool.len())].1.as_str()).collect();
        fs::write(dir.path().join("mix.log"), body.join("\n")).unwrap();
        let forced = ["--input-format", format];
        let with = outputs(dir.path(), &forced);
        let mut no_prefilter = forced.to_vec();
        no_prefilter.push("--no-prefilter");
        let without = outputs(dir.path(), &no_prefilter);
        prop_assert_eq!(with, without);
    }
}
