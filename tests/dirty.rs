//! Dirty files lose nothing (issue 10): mixed shapes in one file, cut compressed streams,
//! NUL bytes, blank lines and broken JSON documents; and every fixture and real-world file is
//! accounted for exactly (records = events + other + malformed, blank lines not records).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{in_root, keydeny};

const EVENT: &str =
    "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=alice";

fn summary_of(paths: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["summary", "--format", "json"];
    args.extend_from_slice(paths);
    let run = keydeny(&args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", run.stdout, run.stderr));
    (run.code, json, run.stderr)
}

fn n(summary: &Value, key: &str) -> u64 {
    summary["inputs"][key].as_u64().unwrap()
}

/// (events, other, malformed), after checking that they add up to the records.
fn accounted(summary: &Value) -> (u64, u64, u64) {
    let parts = (
        n(summary, "matched"),
        n(summary, "other"),
        n(summary, "malformed"),
    );
    assert_eq!(
        n(summary, "records"),
        parts.0 + parts.1 + parts.2,
        "{}",
        summary["inputs"]
    );
    parts
}

#[test]
fn issue10_a_file_mixing_plain_and_json_lines_is_read_line_by_line_at_any_length() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let once = fs::read_to_string("fixtures/logs/apps/minio.log").unwrap();
    let twice = dir.path().join("minio-twice.log");
    fs::write(&twice, once.repeat(2)).unwrap();
    let (_, alone, _) = summary_of(&["fixtures/logs/apps/minio.log"]);
    let (code, doubled, stderr) = summary_of(&[twice.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(accounted(&alone), (5, 8, 0));
    assert_eq!(
        accounted(&doubled),
        (10, 16, 0),
        "no event lost, nothing malformed"
    );
    // A JSON log with plain lines between (a panic, a banner) is read the same way.
    let json_first = dir.path().join("json-first.log");
    let json_lines: String = once
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| format!("{l}\n"))
        .collect();
    let plain: String = once
        .lines()
        .filter(|l| !l.starts_with('{'))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&json_first, format!("{}{plain}", json_lines.repeat(8))).unwrap();
    let (_, mixed, _) = summary_of(&[json_first.to_str().unwrap()]);
    assert_eq!(
        mixed["inputs"]["formats"],
        serde_json::json!({"json": 1}),
        "sniffed as JSON"
    );
    let json_events = 8 * 2; // the two refused AddServiceAccount calls of the JSON lines
    let (events, _, malformed) = accounted(&mixed);
    assert_eq!(
        (events, malformed),
        (json_events + 3, 0),
        "the plain lines' three events too"
    );
}

#[test]
fn issue10_a_cut_gzip_text_log_keeps_every_complete_line() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..40_000u64)
        .map(|i| {
            if i % 1000 == 0 {
                format!("{EVENT}\n")
            } else {
                format!(
                    "2024-05-02T10:00:00Z INFO request {} ok\n",
                    i * 7919 % 100_003
                )
            }
        })
        .collect();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, body.as_bytes()).unwrap();
    let gz = encoder.finish().unwrap();
    let cut = dir.path().join("cut.log.gz");
    fs::write(&cut, &gz[..gz.len() * 3 / 5]).unwrap();
    // What zcat recovers: every byte the decoder gives before the error.
    let mut recovered = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(&gz[..gz.len() * 3 / 5]).read_to_end(&mut recovered);
    let complete = recovered.iter().filter(|&&b| b == b'\n').count() as u64;
    let events = String::from_utf8_lossy(&recovered)
        .lines()
        .filter(|l| l.contains("API key"))
        .count() as u64;
    assert!(complete > 10_000, "{complete}");

    let (code, json, stderr) = summary_of(&[cut.to_str().unwrap()]);
    assert_eq!(code, 2);
    let (matched, other, malformed) = accounted(&json);
    assert_eq!(matched + other, complete, "every complete line read");
    assert_eq!(matched, events);
    assert_eq!(malformed, 1, "the line the cut went through");
    assert!(
        stderr.contains(&format!(
            "cut.log.gz: truncated gzip stream after line {}: ",
            complete + 1
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "cut.log.gz:{}: malformed record: line cut off where the input broke",
            complete + 1
        )),
        "{stderr}"
    );
}

#[test]
fn issue10_a_cut_cloudtrail_envelope_keeps_the_records_before_the_cut() {
    in_root();
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<String> = (0..400)
        .map(|i| {
            let error = if i % 40 == 0 { r#","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::111122223333:user/dev is not authorized to perform: iam:CreateAccessKey""# } else { "" };
            format!(r#"{{"eventVersion":"1.08","eventTime":"2024-05-02T10:{:02}:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","eventID":"e-{i}","recipientAccountId":"111122223333","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/dev","accountId":"111122223333"}}{error}}}"#, i % 60)
        })
        .collect();
    let envelope = format!("{{\"Records\":[{}]}}", records.join(","));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, envelope.as_bytes()).unwrap();
    let gz = encoder.finish().unwrap();
    let cut = dir.path().join("trail.json.gz");
    fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let (code, json, _) = summary_of(&[cut.to_str().unwrap()]);
    assert_eq!(code, 2);
    let (matched, other, malformed) = accounted(&json);
    assert!(
        matched + other >= 150,
        "records before the cut are read: {}",
        json["inputs"]
    );
    assert_eq!(malformed, 1, "the record the cut went through");
    assert!(matched >= 4, "{matched}");
}

#[test]
fn issue10_nul_bytes_make_one_malformed_line_not_a_skipped_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{EVENT}\n2024-05-02T10:00:01Z INFO ok\n").into_bytes();
    bytes.extend([0u8; 3000]);
    bytes.push(b'\n');
    // A writer that resumed after the crash: NULs, then a whole line.
    bytes.extend([0u8; 100]);
    bytes.extend(format!("{EVENT} after the crash\n").as_bytes());
    bytes.extend(format!("{EVENT}\n").as_bytes());
    let file = dir.path().join("crashed.log");
    fs::write(&file, bytes).unwrap();
    let (code, json, stderr) = summary_of(&[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["inputs"]["skipped"].as_array().unwrap().len(), 0);
    assert_eq!(accounted(&json), (3, 1, 1));
    assert!(
        stderr.contains(
            "crashed.log:3: malformed record: a line of NUL bytes (left by a crash or a full disk)"
        ),
        "{stderr}"
    );
}

#[test]
fn issue10_blank_lines_are_not_records() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blanks.log");
    fs::write(
        &file,
        format!("\n{EVENT}\n\n   \n\t\r\n2024-05-02T10:00:01Z INFO ok\n\n"),
    )
    .unwrap();
    let ndjson = dir.path().join("blanks.jsonl");
    fs::write(&ndjson, "{\"msg\":\"a\"}\n\n{\"msg\":\"b\"}\n  \n").unwrap();
    for (file, lines, records) in [(&file, 7, 2), (&ndjson, 4, 2)] {
        for prefilter in [&[][..], &["--no-prefilter"][..]] {
            let mut args = vec![file.to_str().unwrap()];
            args.extend_from_slice(prefilter);
            let (_, json, _) = summary_of(&args);
            assert_eq!(n(&json, "lines"), lines, "{file:?}");
            assert_eq!(n(&json, "records"), records, "{file:?} {prefilter:?}");
            accounted(&json);
        }
    }
}

#[test]
fn issue10_a_broken_json_document_is_one_malformed_record_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("published-example.json");
    // The second record has a raw line break inside a string, as in some documentation.
    let text = "[\n  {\"eventName\": \"ListUsers\", \"eventSource\": \"iam.amazonaws.com\"},\n  {\"eventName\": \"CreateAccessKey\", \"errorMessage\": \"not\nauthorized\"},\n  {\"eventName\": \"GetUser\", \"eventSource\": \"iam.amazonaws.com\"}\n]\n";
    fs::write(&file, text).unwrap();
    let (_, json, stderr) = summary_of(&[file.to_str().unwrap()]);
    assert_eq!(accounted(&json), (0, 2, 1), "{stderr}");
    assert!(
        stderr.contains("published-example.json:3 (record 2): malformed record: invalid JSON"),
        "{stderr}"
    );
}

/// Every file keydeny ships or is tested against adds up, file by file: records are the
/// non-blank lines of line formats, and always events + other + malformed.
#[test]
fn issue10_every_fixture_and_corpus_file_is_accounted_for_exactly() {
    in_root();
    let mut files = Vec::new();
    for root in ["fixtures/logs", "fixtures/rules", "../shared/corpora"] {
        collect_files(Path::new(root), &mut files);
    }
    assert!(files.len() > 40, "{files:?}");
    for file in &files {
        let path = file.to_str().unwrap();
        let (_, json, stderr) = summary_of(&[path]);
        accounted(&json);
        let formats = json["inputs"]["formats"].as_object().unwrap();
        let content = decompressed(file);
        let line_framed = !is_document(&content) && !formats.contains_key("cri");
        if line_framed && formats.len() == 1 {
            let non_blank = content
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .count() as u64;
            assert_eq!(n(&json, "records"), non_blank, "{path}: {stderr}");
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
        } else if !path.extension().is_some_and(|e| e == "md" || e == "toml") {
            out.push(path);
        }
    }
}

fn decompressed(path: &Path) -> Vec<u8> {
    let raw = fs::read(path).unwrap();
    let mut out = Vec::new();
    match raw.get(..4) {
        Some([0x1f, 0x8b, ..]) => {
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some([0x28, 0xb5, 0x2f, 0xfd]) => out = zstd::decode_all(&raw[..]).unwrap(),
        _ => out = raw,
    }
    out
}

/// A JSON document stream (array, envelope or pretty-printed objects), not JSON lines.
fn is_document(content: &[u8]) -> bool {
    let body = content.trim_ascii_start();
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or(body);
    match body.first() {
        Some(b'[') => body[1..]
            .trim_ascii_start()
            .first()
            .is_some_and(|&b| b == b'{' || b == b']'),
        Some(b'{') => {
            serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_err()
                || first_line.starts_with(b"{\"Records\"")
                || first_line.starts_with(b"{\"records\"")
        }
        _ => false,
    }
}
