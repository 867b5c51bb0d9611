//! Object-store inputs (`s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`)
//! through the `object_store` crate: stores configured from each cloud's standard
//! environment variables, listings pruned to the date partitions a window can touch
//! ([`super::partition`]), and objects streamed into the synchronous scanner.
//!
//! Downloads run on a small tokio runtime of their own. Each object is fetched by one task
//! that sends its body in chunks over a bounded channel; [`ObjectReader`] is the `Read` end,
//! so memory per object is a few chunks whatever its size. A few objects ahead of the
//! scanner are fetched at once ([`prefetch`]) to hide request latency.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path as StorePath;
use object_store::{BackoffConfig, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::partition;
use super::{Input, walk::WalkError};
use crate::config::Window;

/// Chunks of one object buffered between its download task and the scanner.
const CHUNKS_IN_FLIGHT: usize = 4;
/// Objects fetched ahead of the scanner.
pub const PREFETCH: usize = 8;
/// Directory listings in flight while walking date partitions.
const LISTINGS_IN_FLIGHT: usize = 16;

/// The three URL schemes, one per cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scheme {
    S3,
    Gcs,
    Azure,
}

impl Scheme {
    fn prefix(self) -> &'static str {
        match self {
            Scheme::S3 => "s3://",
            Scheme::Gcs => "gs://",
            Scheme::Azure => "az://",
        }
    }

    /// The environment variables to check when the store refuses us.
    fn credentials_hint(self) -> &'static str {
        match self {
            Scheme::S3 => {
                "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and AWS_ENDPOINT_URL"
            }
            Scheme::Gcs => "check GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_SERVICE_ACCOUNT",
            Scheme::Azure => {
                "check AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_SAS_KEY, AZURE_CLIENT_ID)"
            }
        }
    }
}

/// A parsed object-store URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub scheme: Scheme,
    /// Bucket (S3, GCS) or container (Azure).
    pub bucket: String,
    /// The key prefix, without leading or trailing `/` (empty: the whole bucket).
    pub prefix: String,
}

impl Location {
    /// `s3://bucket/prefix/...`; `None` when `text` is not an object-store URL.
    pub fn parse(text: &str) -> Option<Location> {
        let (scheme, rest) = [Scheme::S3, Scheme::Gcs, Scheme::Azure]
            .into_iter()
            .find_map(|s| text.strip_prefix(s.prefix()).map(|rest| (s, rest)))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(Location {
            scheme,
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    fn url(&self, key: &str) -> String {
        format!("{}{}/{key}", self.scheme.prefix(), self.bucket)
    }
}

/// Whether a command-line input names an object store rather than a local path.
pub fn is_url(text: &str) -> bool {
    Location::parse(text).is_some()
}

/// A listing, a store or credential problem: the whole URL cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {message}")]
pub struct RemoteError {
    pub url: String,
    pub message: String,
}

/// How object listings went: the evidence that window pruning left nothing out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectCounts {
    /// Objects found in the partitions that were listed.
    pub listed: u64,
    /// Listed objects not read: last written before the window.
    pub skipped: u64,
    /// Date partitions outside the window, never listed.
    pub partitions_skipped: u64,
}

impl ObjectCounts {
    pub fn merge(&mut self, other: ObjectCounts) {
        self.listed += other.listed;
        self.skipped += other.skipped;
        self.partitions_skipped += other.partitions_skipped;
    }
}

/// The objects under one URL.
pub struct Listing {
    pub inputs: Vec<Input>,
    pub counts: ObjectCounts,
    /// The URL named one object, and it does not exist: reported like a missing file.
    pub missing: Option<WalkError>,
}

/// Stores built during this run, one per bucket.
#[derive(Default)]
pub struct Stores {
    built: BTreeMap<(Scheme, String), Arc<dyn ObjectStore>>,
}

impl Stores {
    fn get(&mut self, location: &Location) -> Result<Arc<dyn ObjectStore>, String> {
        let key = (location.scheme, location.bucket.clone());
        if let Some(store) = self.built.get(&key) {
            return Ok(store.clone());
        }
        let store = build(location)?;
        self.built.insert(key, store.clone());
        Ok(store)
    }
}

/// Retries with exponential backoff on throttling (429, 503 SlowDown), 5xx and dropped
/// connections; errors such as 403 or 404 are not retried. Five retries (0.1 s doubling to
/// 1.6 s) ride out throttling, and still end a run without credentials in seconds (the
/// instance-metadata lookup it falls back to is retried too).
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            base: 2.0,
        },
        max_retries: 5,
        retry_timeout: Duration::from_secs(60),
    }
}

/// A store for the bucket of `location`, configured from the environment as the cloud's
/// own CLI is (`AWS_*`, `GOOGLE_*`, `AZURE_*`).
fn build(location: &Location) -> Result<Arc<dyn ObjectStore>, String> {
    install_tls_provider();
    let built: object_store::Result<Arc<dyn ObjectStore>> = match location.scheme {
        Scheme::S3 => AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as _),
        Scheme::Gcs => GoogleCloudStorageBuilder::from_env()
            .with_bucket_name(&location.bucket)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as _),
        Scheme::Azure => MicrosoftAzureBuilder::from_env()
            .with_container_name(&location.bucket)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as _),
    };
    built.map_err(|e| describe(&e, location.scheme))
}

/// rustls is built without a default crypto provider (see Cargo.toml): install ring's.
fn install_tls_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Fails only when a provider is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The runtime that runs listings and downloads.
fn runtime() -> io::Result<&'static Runtime> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("keydeny-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| io::Error::other(format!("cannot start the download runtime: {e}")))
}

/// Every object under `url`, in key order; with a window, only those in date partitions
/// (and written at times) that can hold events inside it.
pub fn list(url: &str, window: &Window, stores: &mut Stores) -> Result<Listing, RemoteError> {
    let fail = |message: String| RemoteError {
        url: url.to_string(),
        message,
    };
    let location = Location::parse(url).ok_or_else(|| fail("not an object-store URL".into()))?;
    if location.bucket.is_empty() {
        return Err(fail("no bucket or container named".into()));
    }
    let store = stores.get(&location).map_err(fail)?;
    let runtime = runtime().map_err(|e| fail(e.to_string()))?;
    // A URL not ending in `/` may name one object (as `keydeny ls` prints them): ask first.
    let object = if location.prefix.is_empty() || url.ends_with('/') {
        None
    } else {
        let path = StorePath::from(location.prefix.as_str());
        // Not found, or any other failure: list it as a prefix, which says what is wrong
        // if something is (some S3-compatible stores answer 500 for a "directory").
        runtime.block_on(store.head(&path)).ok()
    };
    let (metas, partitions_skipped) = match object {
        Some(meta) => (vec![meta], 0),
        None => runtime
            .block_on(list_tree(store.clone(), &location, window))
            .map_err(|e| fail(describe(&e, location.scheme)))?,
    };
    let mut counts = ObjectCounts {
        partitions_skipped,
        ..ObjectCounts::default()
    };
    if metas.is_empty() && partitions_skipped == 0 {
        // Object stores have no directories: an empty prefix is as good as a missing one.
        return Ok(Listing {
            inputs: Vec::new(),
            counts,
            missing: Some(WalkError {
                path: url.to_string(),
                message: "no such object, and no objects under this prefix".into(),
            }),
        });
    }
    let mut inputs = Vec::with_capacity(metas.len());
    for meta in metas {
        counts.listed += 1;
        if !partition::written_in_time(window, meta.last_modified) {
            counts.skipped += 1;
            continue;
        }
        inputs.push(object_input(&location, &store, meta));
    }
    Ok(Listing {
        inputs,
        counts,
        missing: None,
    })
}

fn object_input(location: &Location, store: &Arc<dyn ObjectStore>, meta: ObjectMeta) -> Input {
    let url: Arc<str> = Arc::from(location.url(meta.location.as_ref()));
    Input {
        display: url.clone(),
        path: None,
        object: Some(Arc::new(Object {
            url,
            scheme: location.scheme,
            store: store.clone(),
            path: meta.location,
            size: meta.size,
            download: Mutex::new(None),
        })),
    }
}

/// List `location`: flat without a window; with one, directory by directory so that date
/// partitions outside it are never listed. Returns the objects in key order and the number
/// of partitions left out.
async fn list_tree(
    store: Arc<dyn ObjectStore>,
    location: &Location,
    window: &Window,
) -> object_store::Result<(Vec<ObjectMeta>, u64)> {
    let root = (!location.prefix.is_empty()).then(|| StorePath::from(location.prefix.as_str()));
    let mut objects = Vec::new();
    let mut partitions_skipped = 0;
    if window.since.is_none() && window.until.is_none() {
        let mut listing = store.list(root.as_ref());
        while let Some(meta) = listing.next().await {
            objects.push(meta?);
        }
    } else {
        let mut queue = VecDeque::from([root]);
        let mut pending = FuturesUnordered::new();
        loop {
            while pending.len() < LISTINGS_IN_FLIGHT {
                let Some(dir) = queue.pop_front() else { break };
                let store = store.clone();
                pending.push(async move { store.list_with_delimiter(dir.as_ref()).await });
            }
            let Some(listed) = pending.next().await else {
                break;
            };
            let listed = listed?;
            objects.extend(listed.objects);
            for dir in listed.common_prefixes {
                if partition_may_hold(location, &dir, window) {
                    queue.push_back(Some(dir));
                } else {
                    partitions_skipped += 1;
                }
            }
        }
    }
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    Ok((objects, partitions_skipped))
}

fn partition_may_hold(location: &Location, dir: &StorePath, window: &Window) -> bool {
    let parts: Vec<_> = dir.parts().collect();
    let mut names: Vec<&str> = vec![location.bucket.as_str()];
    names.extend(parts.iter().map(|p| p.as_ref()));
    partition::span(&names).is_none_or(|(start, end)| partition::may_hold(window, start, end))
}

/// Error codes of S3, GCS and Azure that mean the credentials were refused.
const CREDENTIAL_CODES: &[&str] = &[
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AuthenticationFailed",
    "AuthorizationFailure",
    "AuthorizationPermissionMismatch",
];

/// One line saying what went wrong, with what to check when the store refused us: the
/// store's own error code when its answer carried one, not the request that failed.
fn describe(error: &object_store::Error, scheme: Scheme) -> String {
    let text = one_line(&error.to_string());
    let hint = scheme.credentials_hint();
    let said = |code: &str| match xml_tag(&text, "Message") {
        Some(message) => format!("{code}: {message}"),
        None => code.to_string(),
    };
    if asked_instance_metadata(&text) {
        return format!(
            "no credentials: none in the environment, and no instance metadata service answered; {hint}"
        );
    }
    match (xml_tag(&text, "Code"), error) {
        (Some(code @ ("NoSuchBucket" | "ContainerNotFound")), _) => {
            format!("no such bucket or container ({code})")
        }
        (Some(code), _) if CREDENTIAL_CODES.contains(&code) => {
            format!("the store refused the credentials ({}); {hint}", said(code))
        }
        (Some(code), _) => said(code),
        (None, object_store::Error::NotFound { .. }) => {
            "not found (no such bucket, container or object)".to_string()
        }
        (None, object_store::Error::PermissionDenied { source, .. }) => {
            format!(
                "access denied ({}); {hint}",
                one_line(&root_cause(source.as_ref()))
            )
        }
        (None, object_store::Error::Unauthenticated { source, .. }) => format!(
            "authentication failed ({}); {hint}",
            one_line(&root_cause(source.as_ref()))
        ),
        (None, _) if looks_like_credentials(&text) => format!("{text}; {hint}"),
        (None, _) => text,
    }
}

/// Whether the request that failed was the fallback to the machine's identity: the
/// instance metadata of EC2, GCE or Azure, asked when no credentials are configured.
fn asked_instance_metadata(text: &str) -> bool {
    [
        "/latest/api/token",
        "/latest/meta-data/",
        "computeMetadata/",
        "/metadata/identity/",
    ]
    .iter()
    .any(|path| text.contains(path))
}

/// The text of the first `<tag>...</tag>` in an error body quoted in `text`.
fn xml_tag<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find(&format!("</{tag}>"))?;
    Some(text[start..start + len].trim()).filter(|t| !t.is_empty())
}

/// The innermost error message of a chain: the store's own words.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn looks_like_credentials(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "credential",
        "signature",
        "access denied",
        "403",
        "401",
        "token",
        "account",
        "must be specified",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One object to read: where it is and, once asked for, its download in progress.
pub struct Object {
    pub url: Arc<str>,
    scheme: Scheme,
    store: Arc<dyn ObjectStore>,
    path: StorePath,
    /// Bytes as stored (compressed objects: compressed bytes).
    pub size: u64,
    download: Mutex<Option<io::Result<ObjectReader>>>,
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Object")
            .field("url", &self.url)
            .field("size", &self.size)
            .finish()
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        self.url == other.url
    }
}

impl Eq for Object {}

impl Object {
    /// Start downloading now, so the body is arriving when the scanner gets here.
    pub fn prefetch(&self) {
        if let Ok(mut slot) = self.download.lock() {
            if slot.is_none() {
                *slot = Some(self.start());
            }
        }
    }

    /// The object's body as a stream of bytes (the prefetched download, or a new one).
    pub fn reader(&self) -> io::Result<ObjectReader> {
        let started = self.download.lock().ok().and_then(|mut slot| slot.take());
        started.unwrap_or_else(|| self.start())
    }

    fn start(&self) -> io::Result<ObjectReader> {
        let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let store = self.store.clone();
        let path = self.path.clone();
        let task = runtime()?.spawn(download(store, path, self.scheme, sender));
        Ok(ObjectReader {
            receiver,
            chunk: Bytes::new(),
            task: task.abort_handle(),
        })
    }
}

/// GET the object and send its body chunk by chunk until the reader hangs up.
async fn download(
    store: Arc<dyn ObjectStore>,
    path: StorePath,
    scheme: Scheme,
    sender: mpsc::Sender<io::Result<Bytes>>,
) {
    let mut body = match store.get(&path).await {
        Ok(result) => result.into_stream(),
        Err(e) => {
            let _ = sender.send(Err(transfer_error(&e, scheme))).await;
            return;
        }
    };
    while let Some(chunk) = body.next().await {
        let failed = chunk.is_err();
        if sender
            .send(chunk.map_err(|e| transfer_error(&e, scheme)))
            .await
            .is_err()
            || failed
        {
            return;
        }
    }
}

fn transfer_error(error: &object_store::Error, scheme: Scheme) -> io::Error {
    let kind = match error {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::ConnectionAborted,
    };
    let message = match error {
        object_store::Error::NotFound { .. } => {
            "object not found (deleted since it was listed?)".to_string()
        }
        other => describe(other, scheme),
    };
    io::Error::new(kind, message)
}

/// The `Read` end of an object's download: blocks for the next chunk, ends with the body.
/// Dropping it stops the download.
pub struct ObjectReader {
    receiver: mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
    task: tokio::task::AbortHandle,
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.receiver.blocking_recv() {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The inputs in order, each object's download started [`PREFETCH`] inputs before the
/// scanner takes it. For `par_bridge`, which takes items in order as threads free up.
pub fn prefetch(inputs: &[Input]) -> impl Iterator<Item = (usize, &Input)> + Send {
    inputs.iter().enumerate().inspect(move |(index, _)| {
        let ahead = inputs.iter().skip(*index).take(PREFETCH + 1);
        for object in ahead.filter_map(|input| input.object.as_ref()) {
            object.prefetch();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let cases = [
            (
                "s3://trail/AWSLogs/",
                Some((Scheme::S3, "trail", "AWSLogs")),
            ),
            ("s3://trail", Some((Scheme::S3, "trail", ""))),
            (
                "gs://sink/cloudaudit.googleapis.com/activity",
                Some((Scheme::Gcs, "sink", "cloudaudit.googleapis.com/activity")),
            ),
            (
                "az://insights-logs-auditevent/resourceId=/X",
                Some((Scheme::Azure, "insights-logs-auditevent", "resourceId=/X")),
            ),
            ("logs/s3://x", None),
            ("/var/log", None),
            ("S3://upper", None),
        ];
        for (text, expected) in cases {
            let got = Location::parse(text);
            let expected = expected.map(|(scheme, bucket, prefix)| Location {
                scheme,
                bucket: bucket.into(),
                prefix: prefix.into(),
            });
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn one_line_errors() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let body = "status 403: <?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
                    <Message>The signature does not match</Message></Error>";
        assert_eq!(xml_tag(body, "Code"), Some("SignatureDoesNotMatch"));
        assert_eq!(
            xml_tag(body, "Message"),
            Some("The signature does not match")
        );
        assert_eq!(xml_tag("<Code></Code>", "Code"), None);
        assert_eq!(xml_tag("<Code>x", "Code"), None);
    }
}
