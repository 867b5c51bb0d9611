//! `az://` inputs against a small fake of the Azure Blob service started here on 127.0.0.1
//! (List Blobs, Get Blob and HEAD over a temporary directory, as the emulator account):
//! diagnostic-settings layouts pruned to the window, and the same events as from disk.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;

use crate::remote::{assert_same, decode, fixture, stderr, stdout};
use crate::util::root;

/// The two calls of the Azure Blob service that reading needs (List Blobs, Get Blob, and
/// HEAD), over a directory, as the emulator account `devstoreaccount1`; signatures are not
/// checked. Requests are logged as for the S3 server.
struct AzureFake {
    endpoint: String,
    root: tempfile::TempDir,
    log: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl AzureFake {
    fn start() -> AzureFake {
        let root = tempfile::tempdir().expect("temp dir");
        let log = Arc::new(Mutex::new(Vec::new()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let (dir, log2) = (root.path().to_path_buf(), log.clone());
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (dir, log) = (dir.clone(), log2.clone());
                let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let uri = decode(&req.uri().to_string());
                    log.lock().unwrap().push(format!("{} {uri}", req.method()));
                    let head = req.method() == hyper::Method::HEAD;
                    let response = blob_service(&dir, &uri, head);
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                tokio::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        AzureFake {
            endpoint,
            root,
            log,
            _runtime: runtime,
        }
    }

    fn put(&self, container: &str, name: &str, bytes: &[u8]) {
        let path = self.root.path().join(container).join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn keydeny(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydeny"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().to_string();
            if ["AWS_", "GOOGLE_", "AZURE_", "AZURITE_"]
                .iter()
                .any(|p| key.starts_with(p))
            {
                command.env_remove(key);
            }
        }
        command
            .current_dir(root())
            .args(args)
            .env("AZURE_STORAGE_USE_EMULATOR", "true")
            .env("AZURITE_BLOB_STORAGE_URL", &self.endpoint)
            .env("AZURE_ALLOW_HTTP", "true")
            .env("KEYDENY_NOW", "2024-05-04T00:00:00Z")
            .output()
            .expect("run keydeny")
    }
}

/// Answer `GET /devstoreaccount1/CONTAINER?restype=container&comp=list&prefix=P[&delimiter=/]`
/// and `GET|HEAD /devstoreaccount1/CONTAINER/NAME` from `dir/CONTAINER/NAME`.
fn blob_service(dir: &Path, uri: &str, head: bool) -> hyper::Response<s3s::Body> {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let path = path.strip_prefix("/devstoreaccount1/").unwrap_or(path);
    let (container, name) = path.split_once('/').unwrap_or((path, ""));
    let param = |key: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
    };
    let respond = |status: u16, body: Vec<u8>| {
        hyper::Response::builder()
            .status(status)
            .body(s3s::Body::from(body))
            .unwrap()
    };
    if param("comp").as_deref() == Some("list") {
        let prefix = param("prefix").unwrap_or_default();
        let xml = list_blobs(&dir.join(container), &prefix, param("delimiter").is_some());
        return respond(200, xml.into_bytes());
    }
    let file = dir.join(container).join(name);
    let (Ok(meta), false) = (fs::metadata(&file), name.is_empty()) else {
        return respond(
            404,
            b"<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code></Error>".to_vec(),
        );
    };
    if meta.is_dir() {
        return respond(
            404,
            b"<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code></Error>".to_vec(),
        );
    }
    let modified = http_date(meta.modified().unwrap());
    let body = if head {
        Vec::new()
    } else {
        fs::read(&file).unwrap()
    };
    hyper::Response::builder()
        .status(200)
        .header("Content-Length", meta.len())
        .header("Last-Modified", modified)
        .header("ETag", format!("\"{}\"", meta.len()))
        .body(s3s::Body::from(body))
        .unwrap()
}

/// An `EnumerationResults` document: blobs under `prefix`, and with a delimiter, the
/// "directories" one level down as `BlobPrefix` entries.
fn list_blobs(container: &Path, prefix: &str, delimited: bool) -> String {
    let (mut blobs, mut prefixes) = (Vec::new(), BTreeSet::new());
    for entry in walkdir::WalkDir::new(container)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .strip_prefix(container)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        match rest.split_once('/') {
            Some((dir, _)) if delimited => {
                prefixes.insert(format!("{prefix}{dir}/"));
            }
            _ => blobs.push((name, entry.metadata().unwrap())),
        }
    }
    blobs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>");
    for dir in prefixes {
        xml.push_str(&format!(
            "<BlobPrefix><Name>{}</Name></BlobPrefix>",
            escape(&dir)
        ));
    }
    for (name, meta) in blobs {
        xml.push_str(&format!(
            "<Blob><Name>{}</Name><Properties><Last-Modified>{}</Last-Modified>\
             <Content-Length>{}</Content-Length><Content-Type>application/octet-stream</Content-Type>\
             <Etag>\"{}\"</Etag></Properties></Blob>",
            escape(&name),
            http_date(meta.modified().unwrap()),
            meta.len(),
            meta.len()
        ));
    }
    xml.push_str("</Blobs><NextMarker /></EnumerationResults>");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn http_date(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[test]
fn az_urls_read_diagnostic_settings_pruned_to_the_window() {
    let azure = AzureFake::start();
    let hours = "resourceId=/SUBSCRIPTIONS/0000-SUB/RESOURCEGROUPS/RG";
    let kept = [
        (
            format!("{hours}/y=2024/m=05/d=02/h=10/m=00/PT1H.json"),
            "azure_activity/storage-export.jsonl",
        ),
        (
            format!("{hours}/y=2024/m=05/d=03/h=09/m=00/PT1H.json"),
            "azure_activity/eventhub.json",
        ),
    ];
    for (name, fixture_path) in &kept {
        azure.put("insights-activity-logs", name, &fixture(fixture_path));
    }
    let pruned = format!("{hours}/y=2024/m=05/d=09/h=00/m=00/PT1H.json");
    azure.put(
        "insights-activity-logs",
        &pruned,
        &fixture("azure_activity/eventhub.json"),
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
    remote_args.push("az://insights-activity-logs/");
    let remote = azure.keydeny(&remote_args);
    assert_eq!(remote.status.code(), Some(0), "{}", stderr(&remote));
    let requests = azure.log.lock().unwrap().clone();
    assert!(
        !requests.iter().any(|r| r.contains("d=09")),
        "{requests:#?}"
    );
    let gets: Vec<&String> = requests
        .iter()
        .filter(|r| r.contains("PT1H.json"))
        .collect();
    assert_eq!(gets.len(), 2, "{requests:#?}");
    let disk = tempfile::tempdir().unwrap();
    for (name, _) in &kept {
        let to = disk.path().join(name);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(
            azure.root.path().join("insights-activity-logs").join(name),
            to,
        )
        .unwrap();
    }
    let local = disk.path().display().to_string();
    args.push(&local);
    let disk_csv = stdout(&azure.keydeny(&args));
    assert!(disk_csv.lines().count() > 3, "{disk_csv}");
    let remote_csv = stdout(&remote).replace("az://insights-activity-logs/", &format!("{local}/"));
    assert_same(&remote_csv, &disk_csv, "az:// events");
}
