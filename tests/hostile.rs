//! Hostile and broken input: every case gets a message naming file (and line), the right exit
//! code, and the accounting `records = matched + other + malformed`; secrets never reach any
//! output; `-o` never overwrites an input.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::util::{in_root, keydeny};

const EVENT: &str =
    "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=alice";

fn summary(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["summary", "--format", "json"];
    all.extend_from_slice(args);
    let run = keydeny(&all);
    let json: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    (run.code, json, run.stderr)
}

/// The accounting invariant, and the summary's numbers.
fn accounted(summary: &Value) -> (u64, u64, u64) {
    let i = &summary["inputs"];
    let n = |k: &str| i[k].as_u64().unwrap();
    assert_eq!(
        n("records"),
        n("matched") + n("other") + n("malformed"),
        "{i}"
    );
    (n("matched"), n("other"), n("malformed"))
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn truncated_zstd_is_read_as_far_as_it_goes_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..200_000u64)
        .map(|i| {
            if i % 1000 == 0 {
                format!("{EVENT}\n")
            } else {
                format!(
                    "2024-05-02T10:00:00Z INFO request {} ok\n",
                    i.wrapping_mul(2_654_435_761) % 1_000_003
                )
            }
        })
        .collect();
    let compressed = zstd::encode_all(body.as_bytes(), 3).unwrap();
    let cut = path(dir.path(), "cut.log.zst");
    fs::write(&cut, &compressed[..compressed.len() * 2 / 3]).unwrap();
    let (code, json, stderr) = summary(&[&cut]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cut.log.zst: truncated zstd stream after line ")
            && stderr.contains(" (what came before was read)"),
        "{stderr}"
    );
    let (matched, other, _) = accounted(&json);
    assert!(
        matched >= 20 && other >= 20_000,
        "the readable part is processed: {matched} {other}"
    );
    assert_eq!(json["inputs"]["unreadable"], 1);
}

#[test]
fn invalid_utf8_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=\xff\xfebob\n".to_vec();
    bytes.extend_from_slice(b"\xc3\x28 broken\n");
    fs::write(dir.path().join("latin1.log"), &bytes).unwrap();
    fs::write(dir.path().join("empty.log"), b"").unwrap();
    let (code, json, _) = summary(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(accounted(&json), (1, 1, 0));
    assert_eq!(json["inputs"]["files"], 2);
    assert!(
        json["actors"]
            .as_object()
            .unwrap()
            .contains_key("\u{fffd}\u{fffd}bob"),
        "{}",
        json["actors"]
    );
}

#[test]
fn binary_files_are_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("image.png"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    )
    .unwrap();
    fs::write(dir.path().join("utf16.log"), "E\0R\0R\0O\0R\0".as_bytes()).unwrap();
    fs::write(dir.path().join("app.log"), format!("{EVENT}\n")).unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.extend([0u8; 64]);
    fs::write(dir.path().join("keydeny-binary"), elf).unwrap();
    let (code, json, stderr) = summary(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "skipping binary data is not an error");
    assert!(
        stderr.contains("image.png: skipped: a PNG image, not a log\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("keydeny-binary: skipped: an ELF executable or library, not a log\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("utf16.log: skipped: UTF-16LE text; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)\n"),
        "{stderr}"
    );
    assert_eq!(json["inputs"]["skipped"].as_array().unwrap().len(), 3);
    assert_eq!(accounted(&json), (1, 0, 0));
}

#[test]
fn a_200_mb_line_is_malformed_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let file = path(dir.path(), "huge.log");
    let mut out = fs::File::create(&file).unwrap();
    writeln!(out, "{EVENT}").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..200 {
        out.write_all(&chunk).unwrap();
    }
    writeln!(out).unwrap();
    writeln!(out, "{EVENT}").unwrap();
    drop(out);
    let (code, json, stderr) = summary(&[&file]);
    assert_eq!(code, 0);
    assert!(stderr.contains("huge.log:2: malformed record: line of 209715200 bytes is longer than the record size cap (67108864 bytes)"), "{stderr}");
    assert_eq!(accounted(&json), (2, 0, 1));
    assert_eq!(json["inputs"]["lines"], 3);
}

#[test]
fn an_envelope_record_over_the_cap_is_malformed_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let record = |user: &str, pad: usize| {
        format!(
            r#"{{"eventTime":"2024-05-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","errorCode":"AccessDenied","errorMessage":"User: x is not authorized to perform: iam:CreateAccessKey","userIdentity":{{"arn":"{user}"}},"pad":"{}"}}"#,
            "p".repeat(pad)
        )
    };
    let body = format!(
        "{{\"Records\":[\n{},\n{},\n{}\n]}}",
        record("a", 10),
        record("big", 3 << 20),
        record("c", 10)
    );
    let file = path(dir.path(), "envelope.json");
    fs::write(&file, body).unwrap();
    let (code, json, stderr) = summary(&["--max-record-size", "1048576", &file]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains(
            "envelope.json:3 (record 2): malformed record: record larger than the record size cap"
        ),
        "{stderr}"
    );
    assert_eq!(accounted(&json), (2, 0, 1));
}

#[test]
fn malformed_json_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"time":"2024-05-02T10:00:00Z","msg":"Failed to generate API key","error":"permission denied","user":"bob"}"#;
    let file = path(dir.path(), "app.jsonl");
    fs::write(
        &file,
        format!("{good}\n{{\"msg\": \"cut\n{good}\n[1,2\n{good}\n"),
    )
    .unwrap();
    let (code, json, stderr) = summary(&[&file]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("app.jsonl:2: malformed record: invalid JSON"),
        "{stderr}"
    );
    // `[1,2` is not a JSON record of an app log (an object, or an array of them): text
    // reads it, so it is another line, not a malformed one.
    assert!(!stderr.contains("app.jsonl:4:"), "{stderr}");
    assert_eq!(accounted(&json), (3, 1, 1));
}

#[test]
fn a_file_growing_while_read_is_read_consistently() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("growing.log");
    let line = format!("{EVENT}\n2024-05-02T10:00:00Z INFO fine\n");
    fs::write(&file, line.repeat(50_000)).unwrap();
    let writer = {
        let file = file.clone();
        let line = line.clone();
        std::thread::spawn(move || {
            let mut out = fs::OpenOptions::new().append(true).open(file).unwrap();
            for _ in 0..2_000 {
                out.write_all(line.as_bytes()).unwrap();
            }
        })
    };
    let (code, json, _) = summary(&["--block-size", "65536", file.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(code, 0);
    let (matched, other, malformed) = accounted(&json);
    assert_eq!(malformed, 0);
    assert!(
        matched >= 50_000 && other >= 50_000 && matched <= 52_000,
        "{matched} {other}"
    );
    // A file cut shorter while read: read to where it ends, no crash.
    fs::write(&file, line.repeat(10)).unwrap();
    let (code, json, _) = summary(&[file.to_str().unwrap()]);
    assert_eq!((code, accounted(&json)), (0, (10, 10, 0)));
}

#[cfg(unix)]
#[test]
fn dangling_links_and_symlink_loops_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.log"), format!("{EVENT}\n")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("nowhere.log"),
        dir.path().join("dangling.log"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let (code, json, stderr) = summary(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("dangling.log: cannot read: no such file or directory\n"),
        "{stderr}"
    );
    assert!(stderr.contains("symlink loop back to"), "{stderr}");
    assert_eq!(
        accounted(&json),
        (1, 0, 0),
        "the readable file is still processed"
    );
}

#[test]
fn output_over_an_input_is_refused_and_failures_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = path(dir.path(), "app.log");
    fs::write(&log, format!("{EVENT}\n")).unwrap();
    let run = keydeny(&["events", "--format", "csv", "-o", &log, &log]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot write the output to ")
            && run.stderr.contains("app.log: it is one of the inputs"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!("{EVENT}\n"),
        "the input is untouched"
    );
    let missing_dir = path(dir.path(), "no/such/dir/out.csv");
    let run = keydeny(&["events", "-o", &missing_dir, &log]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "keydeny: error: cannot write the output to {missing_dir}: directory {} does not exist\n",
            path(dir.path(), "no/such/dir")
        )
    );
    assert!(!Path::new(&missing_dir).exists());
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

/// Credentials in every field a log can fill, in several formats.
fn seeded_secrets(dir: &Path) -> Vec<&'static str> {
    let secrets = vec![
        "AKIAIOSFODNN7SECRET1",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY2",
        "ghp_abcdefghijklmnopqrstuvwxyzSECRET3",
        "glpat-abcdefghijSECRET4xyz",
        "xoxb-123456789012-SECRET5abcdef",
        "sk_live_abcdefghijklSECRET6",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQ3In0.c2lnbmF0dXJlU0VDUkVUNw",
        "hunter2SECRET8",
        "s3cr3tSECRET9",
    ];
    let text = [
        "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied key=AKIAIOSFODNN7SECRET1 user=alice",
        "2024-05-02T10:00:01Z ERROR Failed to generate API key: forbidden aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY2 user=bob",
        "2024-05-02T10:00:02Z ERROR Failed to create personal access token ghp_abcdefghijklmnopqrstuvwxyzSECRET3: denied user=carol",
        "2024-05-02T10:00:03Z ERROR Failed to create personal access token: denied token=glpat-abcdefghijSECRET4xyz user=dan",
        "2024-05-02T10:00:04Z ERROR Failed to generate API key with xoxb-123456789012-SECRET5abcdef: forbidden user=erin",
        "2024-05-02T10:00:05Z ERROR Failed to generate API key: denied api_key=sk_live_abcdefghijklSECRET6 user=frank",
        "2024-05-02T10:00:06Z ERROR Failed to generate API key: unauthorized Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQ3In0.c2lnbmF0dXJlU0VDUkVUNw user=gina",
        "2024-05-02T10:00:07Z ERROR Failed to generate API key: denied password=hunter2SECRET8 user=hank",
        "2024-05-02T10:00:08Z ERROR Failed to generate API key from https://svc:s3cr3tSECRET9@keys.example.com/api: forbidden user=AKIAIOSFODNN7SECRET1",
    ];
    fs::write(dir.join("secrets.log"), text.join("\n")).unwrap();
    let ct = r#"{"eventTime":"2024-05-02T10:00:09Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::1:user/x is not authorized to perform: iam:CreateAccessKey with key AKIAIOSFODNN7SECRET1","userIdentity":{"arn":"arn:aws:iam::1:user/x","accessKeyId":"AKIAIOSFODNN7SECRET1"},"requestID":"ghp_abcdefghijklmnopqrstuvwxyzSECRET3"}"#;
    fs::write(dir.join("trail.ndjson"), format!("{ct}\n")).unwrap();
    secrets
}

#[test]
fn no_output_format_contains_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = seeded_secrets(dir.path());
    let target = dir.path().display().to_string();
    let outputs = [
        &["events", "--format", "csv"][..],
        &["events", "--format", "ndjson"],
        &["events", "--format", "table"],
        &["summary", "--format", "json"],
        &["summary", "--format", "table"],
        &["summary", "--format", "markdown"],
        &["summary", "--format", "html"],
        &["summary", "--by", "actor"],
    ];
    for args in outputs {
        let mut all = args.to_vec();
        all.push(&target);
        let run = keydeny(&all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let masked = run.stdout.contains("****") || run.stdout.contains("\\*\\*\\*\\*");
        assert!(masked, "{args:?}: something was masked");
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret),
                "{args:?} leaks {secret}:\n{}",
                run.stdout
            );
        }
    }
    let events = keydeny(&["events", "--format", "csv", &target]);
    assert_eq!(
        events.stdout.lines().count(),
        11,
        "every seeded line is an event: {}",
        events.stdout
    );
    let shown = keydeny(&["events", "--format", "csv", "--no-redact", &target]);
    assert!(
        shown.stdout.contains("hunter2SECRET8"),
        "--no-redact shows them"
    );
    let report = keydeny(&["summary", "--format", "markdown", "--no-redact", &target]);
    assert!(
        report
            .stdout
            .contains("| Credentials | shown unmasked (--no-redact) |"),
        "{}",
        report.stdout
    );
}

#[test]
fn csv_formula_cells_are_neutralised_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let file = path(dir.path(), "formula.log");
    let lines = ["=SUM(A1:A2)", "+1+1", "-2+3", "@SUM(A1)"]
        .iter()
        .map(|actor| format!("2024-05-02T10:00:00Z ERROR Failed to generate API key: denied user={actor} tenant={actor}"))
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(&file, lines).unwrap();
    in_root();
    let run = keydeny(&["events", "--format", "csv", &file]);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let mut rows = 0;
    for row in reader.records() {
        let row = row.unwrap();
        rows += 1;
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
        assert!(
            row[4].starts_with('\''),
            "the actor is neutralised: {}",
            &row[4]
        );
    }
    assert_eq!(rows, 4);
}

/// Lines of every fixture log (decompressed ones only), to mix with garbage.
fn all_fixture_lines() -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let root = crate::util::root().join("fixtures/logs");
    for dir in fs::read_dir(root).unwrap().flatten() {
        for file in fs::read_dir(dir.path()).unwrap().flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "gz" || e == "zst") {
                continue;
            }
            let bytes = fs::read(&path).unwrap();
            lines.extend(bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec));
        }
    }
    lines
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Random bytes and random mixes of fixture lines (cut, spliced, with garbage) through the
    /// whole pipeline, sniffed or forced into any format: exit 0, and every record accounted.
    #[test]
    fn the_pipeline_survives_anything(
        picks in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0usize..400, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)), 0..40),
        format in proptest::sample::select(vec!["", "cloudtrail", "json", "text", "logfmt", "syslog", "access_log", "cri", "gcp_audit", "vault_audit"]),
        gzip in proptest::prelude::any::<bool>(),
    ) {
        let pool = all_fixture_lines();
        let mut body = Vec::new();
        for (index, cut, garbage) in &picks {
            let line = &pool[index.index(pool.len())];
            body.extend_from_slice(&line[..(*cut).min(line.len())]);
            body.extend_from_slice(garbage);
            body.push(b'\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(if gzip { "mix.log.gz" } else { "mix.log" });
        let bytes = if gzip {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(&body).unwrap();
            encoder.finish().unwrap()
        } else {
            body.clone()
        };
        fs::write(&file, bytes).unwrap();
        let path = file.display().to_string();
        let mut args = vec!["summary", "--format", "json", "--block-size", "512"];
        if !format.is_empty() {
            args.extend(["--input-format", format]);
        }
        args.push(&path);
        let run = keydeny(&args);
        proptest::prop_assert_eq!(run.code, 0, "{}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        if json["inputs"]["skipped"].as_array().is_none_or(|s| s.is_empty()) {
            accounted(&json);
        }
    }
}

/// Issue 10: `-o` files get the permissions `cp` and `>` would give: the umask's for a new
/// file, the replaced file's own for an existing one (never tempfile's 0600).
#[cfg(target_os = "linux")]
#[test]
fn issue10_output_files_keep_umask_and_existing_modes() {
    use std::os::unix::fs::PermissionsExt;
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = path(dir.path(), "app.log");
    fs::write(&log, format!("{EVENT}\n")).unwrap();
    let mode = |p: &str| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let new = path(dir.path(), "new.csv");
    assert_eq!(
        keydeny(&["events", "--format", "csv", "-o", &new, &log]).code,
        0
    );
    assert_eq!(mode(&new), 0o666 & !umask, "umask {umask:o}");
    for existing in [0o640, 0o644, 0o600] {
        let report = path(dir.path(), &format!("report-{existing:o}.json"));
        fs::write(&report, "old").unwrap();
        fs::set_permissions(&report, fs::Permissions::from_mode(existing)).unwrap();
        assert_eq!(
            keydeny(&["summary", "--format", "json", "-o", &report, &log]).code,
            0
        );
        assert_eq!(mode(&report), existing);
        assert!(
            fs::read_to_string(&report)
                .unwrap()
                .contains("keydeny.summary/v2")
        );
    }
}

/// Issue 10: a password shows nothing of itself; a key id keeps four characters to be
/// recognised; an actor that starts with `=` is kept (and neutralised in CSV).
#[test]
fn issue10_secrets_are_masked_whole_and_formula_actors_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = path(dir.path(), "app.log");
    let line = "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied password=Winter2024master key=AKIAIOSFODNN7EXAMPLE user==HYPERLINK(\"http://x.example/a\")";
    fs::write(&log, format!("{line}\n")).unwrap();
    let run = keydeny(&["events", "--format", "csv", &log]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("password=**** key=****MPLE"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("ster"),
        "no part of the password: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(",\"'=HYPERLINK(\"\"http://x.example/a\"\")\","),
        "{}",
        run.stdout
    );
}
