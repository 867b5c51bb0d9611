//! Object-store inputs against an S3 server started here, in-process, on 127.0.0.1 (s3s with
//! its file-system backend; no network): the same answers as the files on disk, window
//! pruning checked on the server's request log, throttling, missing and corrupt objects,
//! wrong credentials. The same server, unsigned, stands in for GCS (whose XML API is S3's);
//! a small fake of the Blob service stands in for Azure (`remote_azure.rs`).

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::util::root;

const ACCESS_KEY: &str = "keydeny-test";
const SECRET_KEY: &str = "keydeny-test-secret";

/// An S3 server over a temporary directory: bucket `b`, key `k` is the file `root/b/k`.
struct S3Server {
    endpoint: String,
    root: tempfile::TempDir,
    log: Arc<Mutex<Vec<String>>>,
    /// Path suffix and how many more requests for it get `503 SlowDown`.
    throttled: Arc<Mutex<Vec<(String, u32)>>>,
    _runtime: tokio::runtime::Runtime,
}

impl S3Server {
    fn start() -> S3Server {
        S3Server::start_with(true)
    }

    /// Without authentication: what GCS's XML API looks like to a client that signs nothing.
    fn start_anonymous() -> S3Server {
        S3Server::start_with(false)
    }

    fn start_with(auth: bool) -> S3Server {
        let root = tempfile::tempdir().expect("temp dir");
        let log = Arc::new(Mutex::new(Vec::new()));
        let throttled = Arc::new(Mutex::new(Vec::new()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        if auth {
            builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        }
        let s3 = builder.build();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let (log2, throttled2) = (log.clone(), throttled.clone());
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (s3, log, throttled) = (s3.clone(), log2.clone(), throttled2.clone());
                let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let (s3, log, throttled) = (s3.clone(), log.clone(), throttled.clone());
                    async move {
                        let line = format!("{} {}", req.method(), decode(&req.uri().to_string()));
                        log.lock().unwrap().push(line);
                        if take_fault(&throttled, req.uri().path()) {
                            return Ok(slow_down());
                        }
                        s3.call(req.map(s3s::Body::from)).await
                    }
                });
                tokio::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        S3Server {
            endpoint,
            root,
            log,
            throttled,
            _runtime: runtime,
        }
    }

    /// Store `bytes` as `bucket/key`.
    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.path().join(bucket).join(key);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    fn bucket(&self, bucket: &str) -> PathBuf {
        let path = self.root.path().join(bucket);
        fs::create_dir_all(&path).unwrap();
        path
    }

    /// The next `times` requests for a path ending in `suffix` get `503 SlowDown`.
    fn throttle(&self, suffix: &str, times: u32) {
        self.throttled
            .lock()
            .unwrap()
            .push((suffix.to_string(), times));
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Run the keydeny binary against this server, as a user with these credentials would
    /// (`None`: none at all).
    fn keydeny_as(&self, secret: Option<&str>, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydeny"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().to_string();
            if ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| key.starts_with(p))
            {
                command.env_remove(key);
            }
        }
        match secret {
            Some(secret) => {
                command
                    .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                    .env("AWS_SECRET_ACCESS_KEY", secret);
            }
            None => {
                // Without keys the client asks the instance metadata service: here a closed
                // port on this machine, never the real 169.254.169.254.
                let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
                let port = closed.local_addr().expect("address").port();
                drop(closed);
                command.env("AWS_METADATA_ENDPOINT", format!("http://127.0.0.1:{port}"));
            }
        }
        command
            .current_dir(root())
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            // GCS's XML API is S3's: the same server stands in for it, unsigned.
            .env("GOOGLE_BASE_URL", &self.endpoint)
            .env("GOOGLE_SKIP_SIGNATURE", "true")
            .env("GOOGLE_ALLOW_HTTP", "true")
            .env("KEYDENY_NOW", "2024-05-04T00:00:00Z")
            .output()
            .expect("run keydeny")
    }

    fn keydeny(&self, args: &[&str]) -> Output {
        self.keydeny_as(Some(SECRET_KEY), args)
    }
}

fn take_fault(faults: &Mutex<Vec<(String, u32)>>, path: &str) -> bool {
    let mut faults = faults.lock().unwrap();
    match faults
        .iter_mut()
        .find(|(suffix, left)| *left > 0 && path.ends_with(suffix.as_str()))
    {
        Some((_, left)) => {
            *left -= 1;
            true
        }
        None => false,
    }
}

fn slow_down() -> hyper::Response<s3s::Body> {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
    hyper::Response::builder()
        .status(503)
        .body(s3s::Body::from(body.to_string()))
        .unwrap()
}

/// Percent-decoding, enough to read keys in the request log.
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

pub(crate) fn fixture(path: &str) -> Vec<u8> {
    fs::read(root().join("fixtures/logs").join(path)).expect("fixture")
}

const TRAIL: &str = "AWSLogs/111122223333/CloudTrail/us-east-1";
const SINK: &str = "cloudaudit.googleapis.com/activity";
const INSIGHTS: &str =
    "insights-activity-logs/resourceId=/SUBSCRIPTIONS/0000-SUB/RESOURCEGROUPS/RG";

/// Where a fixture goes in the delivery layout of its cloud (one day of partitions).
fn layout_key(relative: &str) -> String {
    let (dir, name) = relative.split_once('/').unwrap();
    match dir {
        "cloudtrail" => format!("{TRAIL}/2024/05/02/{name}"),
        "gcp_audit" => format!("{SINK}/2024/05/02/{name}"),
        "azure_activity" => format!("{INSIGHTS}/y=2024/m=05/d=02/h=10/m=00/{name}"),
        _ => format!("other/{relative}"),
    }
}

/// Every fixture log, relative to `fixtures/logs`.
fn fixture_logs() -> Vec<String> {
    let base = root().join("fixtures/logs");
    let mut files: Vec<String> = walkdir::WalkDir::new(&base)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    files
}

/// Equal texts, or a panic naming the first line that differs (both texts are long).
pub(crate) fn assert_same(left: &str, right: &str, what: &str) {
    if left == right {
        return;
    }
    let (l, r): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let at = l
        .iter()
        .zip(&r)
        .position(|(a, b)| a != b)
        .unwrap_or(l.len().min(r.len()));
    panic!(
        "{what}: line {} differs ({} vs {} lines):\n  {:?}\n  {:?}",
        at + 1,
        l.len(),
        r.len(),
        l.get(at),
        r.get(at)
    );
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("summary JSON")
}

#[test]
fn s3_summary_equals_the_summary_of_the_same_files_on_disk() {
    let server = S3Server::start();
    for relative in fixture_logs() {
        server.put("mirror", &layout_key(&relative), &fixture(&relative));
    }
    let local = server.bucket("mirror").display().to_string();
    for window in [
        &[][..],
        &[
            "--since",
            "2024-05-02T00:00:00Z",
            "--until",
            "2024-05-03T00:00:00Z",
        ][..],
    ] {
        let run = |input: &str| {
            let mut args = vec!["-q", "summary", "--format", "json"];
            args.extend(window);
            args.push(input);
            server.keydeny(&args)
        };
        let remote = run("s3://mirror/");
        let disk = run(&local);
        assert_eq!(remote.status.code(), Some(0), "{}", stderr(&remote));
        assert_eq!(disk.status.code(), Some(0), "{}", stderr(&disk));
        let files = fixture_logs().len();
        let remote_text = stdout(&remote).replace("s3://mirror/", &format!("{local}/"));
        let objects = json(&remote_text)["inputs"]["objects"].clone();
        assert_eq!(objects["listed"], files, "every object listed");
        assert_eq!(objects["skipped"], 0);
        assert_eq!(
            objects["partitions_skipped"], 0,
            "one day of partitions, all in the window"
        );
        // The listing's own account is the one other difference.
        let remote_text = remote_text.replace(&format!("\"listed\": {files},"), "\"listed\": 0,");
        assert_same(
            &remote_text,
            &stdout(&disk),
            "summary JSON apart from file names",
        );
        assert_eq!(json(&stdout(&disk))["inputs"]["files"], files);
    }
    // Events: every row the same, `file` showing the URL, `line` and `record` as for files.
    let remote = server.keydeny(&["-q", "events", "--format", "csv", "s3://mirror/"]);
    let disk = server.keydeny(&["-q", "events", "--format", "csv", &local]);
    let remote_csv = stdout(&remote);
    assert!(remote_csv.contains(&format!(
        ",s3://mirror/{TRAIL}/2024/05/02/records-pretty.json.gz,"
    )));
    assert_same(
        &remote_csv.replace("s3://mirror/", &format!("{local}/")),
        &stdout(&disk),
        "events",
    );
    assert!(remote_csv.lines().count() > 100);
}

/// The trail, sink and diagnostic-settings layouts over several months, for a one-day window.
fn pruning_bucket(server: &S3Server) -> (Vec<String>, Vec<&'static str>) {
    let kept = vec![
        (
            format!("{TRAIL}/2024/05/01/envelope.json"),
            "cloudtrail/envelope.json",
        ),
        (
            format!("{TRAIL}/2024/05/02/events.ndjson"),
            "cloudtrail/events.ndjson",
        ),
        (
            format!("{TRAIL}/2024/05/02/records-pretty.json.gz"),
            "cloudtrail/records-pretty.json.gz",
        ),
        (
            format!("{TRAIL}/2024/05/03/array.json"),
            "cloudtrail/array.json",
        ),
        (
            format!("{SINK}/2024/05/02/activity.jsonl"),
            "gcp_audit/activity.jsonl",
        ),
        (
            format!("{SINK}/2024/05/03/gcloud-read.json"),
            "gcp_audit/gcloud-read.json",
        ),
        (
            format!("{INSIGHTS}/y=2024/m=05/d=02/h=10/m=00/PT1H.json"),
            "azure_activity/storage-export.jsonl",
        ),
        (
            format!("{INSIGHTS}/y=2024/m=05/d=03/h=09/m=00/PT1H.json"),
            "azure_activity/eventhub.json",
        ),
    ];
    // Out of the window: copies of in-window logs, so reading one would change the answer.
    let pruned = [
        format!("{TRAIL}/2023/12/31/array.json"),
        format!("{TRAIL}/2024/04/30/array.json"),
        format!("{TRAIL}/2024/05/04/array.json"),
        format!("{TRAIL}/2024/06/01/array.json"),
        format!("{SINK}/2024/05/10/gcloud-read.json"),
        format!("{INSIGHTS}/y=2024/m=04/d=30/h=23/m=00/PT1H.json"),
        format!("{INSIGHTS}/y=2024/m=05/d=07/h=00/m=00/PT1H.json"),
    ];
    for (key, fixture_path) in &kept {
        server.put("logs", key, &fixture(fixture_path));
    }
    for key in &pruned {
        server.put("logs", key, &fixture("cloudtrail/array.json"));
    }
    // In a kept partition, but last written a month before the window.
    let stale = server.put(
        "logs",
        &format!("{TRAIL}/2024/05/02/stale.json"),
        &fixture("cloudtrail/array.json"),
    );
    let month_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_711_929_600); // 2024-04-01
    fs::File::options()
        .write(true)
        .open(stale)
        .and_then(|f| f.set_modified(month_ago))
        .unwrap();
    let pruned_dirs = vec![
        "/2023",
        "/2024/04",
        "/2024/06",
        "/2024/05/04",
        "/2024/05/10",
        "/m=04",
        "/d=07",
    ];
    (kept.into_iter().map(|(key, _)| key).collect(), pruned_dirs)
}

#[test]
fn window_pruning_lists_and_reads_only_the_partitions_in_the_window() {
    let server = S3Server::start();
    let (kept, pruned_dirs) = pruning_bucket(&server);
    let window = [
        "--since",
        "2024-05-02T00:00:00Z",
        "--until",
        "2024-05-03T00:00:00Z",
    ];
    let sink = format!("s3://logs/{SINK}");
    let urls = [
        "s3://logs/AWSLogs/",
        &sink,
        "s3://logs/insights-activity-logs/",
    ];
    let mut args = vec!["-q", "summary", "--format", "json"];
    args.extend(window);
    args.extend(urls);
    let run = server.keydeny(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let doc = json(&stdout(&run));
    let objects = &doc["inputs"]["objects"];
    assert_eq!(objects["listed"], kept.len() + 1, "{objects}");
    assert_eq!(objects["skipped"], 1, "the stale object");
    assert_eq!(
        objects["partitions_skipped"],
        pruned_dirs.len(),
        "{objects}"
    );
    assert_eq!(doc["inputs"]["files"], kept.len());

    // The request log: the kept objects were read, and nothing in a pruned partition was
    // listed or read.
    let requests = server.requests();
    let reads: BTreeSet<String> = requests
        .iter()
        .filter(|r| r.starts_with("GET /logs/"))
        .map(|r| r["GET /logs/".len()..].to_string())
        .collect();
    assert_eq!(
        reads,
        kept.iter().cloned().collect::<BTreeSet<_>>(),
        "{requests:#?}"
    );
    for dir in &pruned_dirs {
        let touching: Vec<&String> = requests.iter().filter(|r| r.contains(dir)).collect();
        assert!(touching.is_empty(), "{dir} was pruned, yet: {touching:#?}");
    }
    eprintln!(
        "window pruning: {} objects listed, {} read, {} skipped, {} partitions not listed, {} requests",
        objects["listed"],
        reads.len(),
        objects["skipped"],
        objects["partitions_skipped"],
        requests.len()
    );

    // The same answer as the in-window files on disk.
    let disk = tempfile::tempdir().unwrap();
    for key in &kept {
        let to = disk.path().join(key);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(server.root.path().join("logs").join(key), to).unwrap();
    }
    let local = disk.path().display().to_string();
    let mut args = vec!["-q", "events", "--format", "csv"];
    args.extend(window);
    let mut remote_args = args.clone();
    remote_args.extend(urls);
    args.push(&local);
    let remote_csv =
        stdout(&server.keydeny(&remote_args)).replace("s3://logs/", &format!("{local}/"));
    let disk_csv = stdout(&server.keydeny(&args));
    assert!(disk_csv.lines().count() > 20, "{disk_csv}");
    assert_same(&remote_csv, &disk_csv, "events in the window");

    // `keydeny ls` prints what a scan reads; those URLs, read one by one, give the same.
    let mut ls_args = vec!["ls"];
    ls_args.extend(window);
    ls_args.extend(urls);
    let ls = server.keydeny(&ls_args);
    assert_eq!(ls.status.code(), Some(0), "{}", stderr(&ls));
    let listed: Vec<String> = stdout(&ls).lines().map(str::to_string).collect();
    let mut expected: Vec<String> = kept.iter().map(|k| format!("s3://logs/{k}")).collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        stderr(&ls),
        "keydeny: objects: 9 listed, 1 skipped as written before the window, 7 date partition(s) outside the window not listed\n"
    );
    let list = tempfile::NamedTempFile::new().unwrap();
    fs::write(list.path(), stdout(&ls)).unwrap();
    let list = list.path().display().to_string();
    let mut shard_args = vec!["-q", "events", "--format", "csv", "--files-from", &list];
    shard_args.extend(window);
    let shard_csv =
        stdout(&server.keydeny(&shard_args)).replace("s3://logs/", &format!("{local}/"));
    assert_same(&shard_csv, &disk_csv, "events of the listed objects");
}

#[test]
fn gs_urls_read_a_log_sink_pruned_to_the_window() {
    let server = S3Server::start_anonymous();
    let kept = [
        (
            format!("{SINK}/2024/05/02/10:00:00_10:59:59_S0.json"),
            "gcp_audit/activity.jsonl",
        ),
        (
            format!("{SINK}/2024/05/03/08:00:00_08:59:59_S0.json"),
            "gcp_audit/gcloud-read.json",
        ),
    ];
    for (key, fixture_path) in &kept {
        server.put("sink", key, &fixture(fixture_path));
    }
    server.put(
        "sink",
        &format!("{SINK}/2024/04/01/00:00:00_00:59:59_S0.json"),
        &fixture("gcp_audit/activity.jsonl"),
    );
    let window = [
        "--since",
        "2024-05-02T00:00:00Z",
        "--until",
        "2024-05-03T00:00:00Z",
    ];
    let mut args = vec!["-q", "events", "--format", "csv"];
    args.extend(window);
    let mut remote_args = args.clone();
    remote_args.push("gs://sink/cloudaudit.googleapis.com/");
    let remote = server.keydeny(&remote_args);
    assert_eq!(remote.status.code(), Some(0), "{}", stderr(&remote));
    let requests = server.requests();
    assert!(
        !requests.iter().any(|r| r.contains("/2024/04")),
        "{requests:#?}"
    );
    let disk = tempfile::tempdir().unwrap();
    for (key, _) in &kept {
        let to = disk.path().join(key);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(server.root.path().join("sink").join(key), to).unwrap();
    }
    let local = disk.path().display().to_string();
    args.push(&local);
    let disk_csv = stdout(&server.keydeny(&args));
    assert!(disk_csv.lines().count() > 10, "{disk_csv}");
    assert_same(
        &stdout(&remote).replace("gs://sink/", &format!("{local}/")),
        &disk_csv,
        "gs:// events",
    );
}

#[test]
fn a_throttled_object_is_read_after_retries() {
    let server = S3Server::start();
    let key = format!("{TRAIL}/2024/05/02/records-pretty.json.gz");
    let path = server.put(
        "throttle",
        &key,
        &fixture("cloudtrail/records-pretty.json.gz"),
    );
    server.throttle(&key, 2);
    let run = server.keydeny(&["-q", "events", "--format", "csv", "s3://throttle/"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.starts_with(&format!("GET /throttle/{key}")))
        .count();
    assert_eq!(gets, 3, "two 503 SlowDown, then the object");
    let disk = server.keydeny(&[
        "-q",
        "events",
        "--format",
        "csv",
        &path.display().to_string(),
    ]);
    assert_eq!(
        stdout(&run).replace(&format!("s3://throttle/{key}"), &path.display().to_string()),
        stdout(&disk)
    );
}

#[test]
fn missing_and_corrupt_objects_are_reported_and_the_rest_is_read() {
    let server = S3Server::start();
    server.put(
        "bucket",
        "logs/trail.json",
        &fixture("cloudtrail/envelope.json"),
    );
    let gz = fixture("cloudtrail/records-pretty.json.gz");
    server.put("bucket", "logs/truncated.json.gz", &gz[..gz.len() / 2]);
    let mut corrupt = gz.clone();
    corrupt[20..40].fill(0xff);
    server.put("bucket", "logs/corrupt.json.gz", &corrupt);
    let run = server.keydeny(&[
        "-q",
        "summary",
        "--format",
        "json",
        "s3://bucket/logs/",
        "s3://bucket/missing.json.gz",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    for url in [
        "s3://bucket/logs/truncated.json.gz",
        "s3://bucket/logs/corrupt.json.gz",
        "s3://bucket/missing.json.gz",
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("keydeny: {url}: "))),
            "{url} in {err}"
        );
    }
    let doc = json(&stdout(&run));
    assert_eq!(doc["inputs"]["unreadable"], 3, "{}", doc["inputs"]);
    let errors: Vec<&str> = doc["inputs"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["file"].as_str())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let alone = server.keydeny(&[
        "-q",
        "summary",
        "--format",
        "json",
        "s3://bucket/logs/trail.json",
    ]);
    assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
    let alone = json(&stdout(&alone));
    assert!(alone["totals"]["events"].as_u64().unwrap() > 0);
    assert!(
        doc["totals"]["events"].as_u64() >= alone["totals"]["events"].as_u64(),
        "the readable object is still counted"
    );
}

#[test]
fn wrong_credentials_or_bucket_are_one_clear_error() {
    let server = S3Server::start();
    server.put(
        "bucket",
        "logs/trail.json",
        &fixture("cloudtrail/envelope.json"),
    );
    let cases = [
        (
            Some("wrong-secret"),
            "s3://bucket/logs/",
            "AWS_SECRET_ACCESS_KEY",
        ),
        (
            Some(SECRET_KEY),
            "s3://no-such-bucket/logs/",
            "no such bucket",
        ),
        (
            None,
            "s3://bucket/logs/",
            "no credentials: none in the environment",
        ),
    ];
    for (secret, url, says) in cases {
        let started = std::time::Instant::now();
        let run = server.keydeny_as(secret, &["-q", "summary", url, "fixtures/logs/cloudtrail"]);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with(&format!("keydeny: error: {url}: ")),
            "{err}"
        );
        assert!(err.contains(says), "{err}");
        assert!(stdout(&run).is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
        eprintln!("{err}");
    }
}

#[test]
fn azure_without_an_account_is_one_clear_error() {
    let server = S3Server::start();
    let run = server.keydeny(&["-q", "summary", "az://insights-logs-auditevent/"]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("keydeny: error: az://insights-logs-auditevent/: "),
        "{err}"
    );
    assert!(err.contains("AZURE_STORAGE_ACCOUNT_NAME"), "{err}");
}
