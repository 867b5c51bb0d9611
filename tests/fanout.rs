//! Fan-out without temp files: `--files-from FILE|-` lists the inputs of a shard, and
//! `merge -` reads the shards' summaries from stdin, one JSON document per line (what Spark's
//! `RDD.pipe` and Hadoop Streaming collect). The PySpark example itself runs in `.ci/run`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::util::{in_root, root};

/// Run the binary with `stdin` as its standard input.
fn keydeny_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydeny"))
        .current_dir(root())
        .args(args)
        .env("KEYDENY_NOW", "2024-05-04T00:00:00Z")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keydeny");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.as_bytes()).expect("write stdin");
    drop(pipe);
    child.wait_with_output().expect("keydeny output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// Every fixture log, as `find fixtures/logs -type f | sort` lists them.
fn fixture_list() -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(root().join("fixtures/logs"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root())
                .expect("under the crate root")
                .display()
                .to_string()
        })
        .collect();
    files.sort();
    files
}

/// One line of compact JSON, as a shard's output is collected by `RDD.pipe` and re-joined.
fn compact(summary: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(summary).expect("summary JSON");
    serde_json::to_string(&value).expect("JSON")
}

#[test]
fn shards_listed_on_stdin_merge_from_stdin_into_one_summary() {
    in_root();
    let files = fixture_list();
    // Shards by directory, so the records of one trail (duplicates included) stay together.
    let mut shards: Vec<Vec<&str>> = vec![Vec::new(); 3];
    for file in &files {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        let n = dir.bytes().map(usize::from).sum::<usize>() % shards.len();
        shards[n].push(file);
    }
    let mut lines = String::new();
    for shard in &shards {
        let list = shard.iter().map(|f| format!("{f}\n")).collect::<String>();
        let run = keydeny_with_stdin(
            &["-q", "summary", "--format", "json", "--files-from", "-"],
            &list,
        );
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        lines.push_str(&compact(&text(&run.stdout)));
        lines.push('\n');
    }
    let merged = keydeny_with_stdin(&["merge", "--format", "json", "-"], &lines);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let all = files.join("\n") + "\n";
    let one = keydeny_with_stdin(
        &["-q", "summary", "--format", "json", "--files-from", "-"],
        &all,
    );
    assert_eq!(
        text(&merged.stdout),
        text(&one.stdout),
        "merged shards = one run"
    );
}

#[test]
fn an_empty_list_reads_nothing_not_stdin() {
    in_root();
    let run = keydeny_with_stdin(
        &["-q", "summary", "--format", "json", "--files-from", "-"],
        "",
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let doc: serde_json::Value = serde_json::from_str(&text(&run.stdout)).expect("JSON");
    assert_eq!(doc["inputs"]["files"], 0);
    assert_eq!(doc["totals"]["events"], 0);
}

#[test]
fn files_from_a_file_adds_to_the_paths_given() {
    in_root();
    let list = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(list.path(), "fixtures/logs/cloudtrail/envelope.json\r\n\n").expect("write");
    let list = list.path().display().to_string();
    let run = keydeny_with_stdin(
        &[
            "-q",
            "events",
            "--format",
            "csv",
            "--files-from",
            &list,
            "fixtures/logs/okta",
        ],
        "",
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let csv = text(&run.stdout);
    assert!(csv.contains(",fixtures/logs/cloudtrail/envelope.json,"));
    assert!(csv.contains(",fixtures/logs/okta/system.log,"));
    let missing = keydeny_with_stdin(&["summary", "--files-from", "no/such/list"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).starts_with(
            "keydeny: error: cannot read the list of inputs --files-from no/such/list: "
        ),
        "{}",
        text(&missing.stderr)
    );
}

#[test]
fn merge_reads_pretty_summaries_one_after_another_and_refuses_none() {
    in_root();
    let a = keydeny_with_stdin(
        &["-q", "summary", "--format", "json", "fixtures/logs/okta"],
        "",
    );
    let b = keydeny_with_stdin(
        &[
            "-q",
            "summary",
            "--format",
            "json",
            "fixtures/logs/vault_audit",
        ],
        "",
    );
    let both = text(&a.stdout) + &text(&b.stdout);
    let merged = keydeny_with_stdin(&["merge", "--format", "json", "-"], &both);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let one = keydeny_with_stdin(
        &[
            "-q",
            "summary",
            "--format",
            "json",
            "fixtures/logs/okta",
            "fixtures/logs/vault_audit",
        ],
        "",
    );
    assert_eq!(text(&merged.stdout), text(&one.stdout));
    let empty = keydeny_with_stdin(&["merge", "-"], "\n");
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        text(&empty.stderr).contains("<stdin>: no summary in it"),
        "{}",
        text(&empty.stderr)
    );
    let garbage = keydeny_with_stdin(&["merge", "-"], &(compact(&text(&a.stdout)) + "\n{oops\n"));
    assert_eq!(garbage.status.code(), Some(2));
    assert!(
        text(&garbage.stderr).contains("<stdin>: document 2: not a keydeny summary"),
        "{}",
        text(&garbage.stderr)
    );
}
