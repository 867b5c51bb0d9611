#!/usr/bin/env python3
"""Deterministic generator of realistic mixed log corpora for keydeny benchmarks.

Writes log files of the formats keydeny reads (app text, JSON app logs, logfmt, CloudTrail
NDJSON, CloudTrail `{"Records":[...]}` envelopes gzipped as `.json.gz`, nginx access logs,
RFC 3164 syslog). Almost every record is noise: normal traffic with varied ids, users, paths
and timestamps, plus hard negatives (other denials such as s3:GetObject AccessDenied, sshd
`Permission denied`, deletions refused, rate limits). A known number of denied
key-generation events is planted among them: the positive records of `fixtures/logs/`
(those listed in `fixtures/expect/`), with fresh timestamps, ids and addresses.

The manifest (JSON, printed to stdout and written to `--manifest`, by default
`<OUT>.manifest.json` beside the output directory so that it is not scanned with it) gives
the exact number of planted events per file and in total.

Sizes are decompressed bytes (a gzipped file counts its content, not its size on disk).
Same arguments, same bytes: every file and chunk draws from its own seeded generator.

Usage:
  gen_corpus.py --out DIR --size-mb 1024 --files 60 --seed 1          # mixed directory
  gen_corpus.py --out DIR --size-mb 1024 --single text                 # one app text file
  gen_corpus.py --out DIR --size-mb 1024 --single cloudtrail-ndjson    # one NDJSON file
  gen_corpus.py --out DIR --size-mb 1024 --files 256 --formats cloudtrail-envelope
"""

import argparse
import gzip
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import time
import uuid
import zlib

GENERATOR_VERSION = 1
MIB = 1024 * 1024
CHUNK_BYTES = 8 * MIB
# Start of the corpus' time range (2024-05-01T00:00:00Z) and its length.
EPOCH_MS = 1714521600000
SPAN_MS = 7 * 24 * 3600 * 1000

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")

# format -> (file extension, share of the mixed corpus' bytes, planted events per record,
# share of its files gzipped in a mixed corpus)
FORMATS = {
    "text": (".log", 0.24, 1 / 2500, 0.25),
    "json": (".jsonl", 0.18, 1 / 2000, 0.25),
    "logfmt": (".logfmt", 0.10, 1 / 2000, 0.0),
    "cloudtrail-ndjson": (".ndjson", 0.16, 1 / 1500, 0.0),
    "cloudtrail-envelope": (".json.gz", 0.10, 1 / 1500, 1.0),
    "nginx": (".access.log", 0.14, 1 / 3000, 0.3),
    "syslog": (".syslog", 0.08, 1 / 3000, 0.3),
}

# Fixture sources of planted events and hard negatives, per generated format.
SOURCES = {
    "text": ["text/app.log", "apps/keycloak.log"],
    "json": ["json/app.jsonl", "json/api-gateway.jsonl"],
    "logfmt": ["logfmt/app.logfmt", "apps/grafana.log"],
    "nginx": ["access_log/nginx-combined.log", "access_log/apache-common.log"],
    "syslog": ["syslog/rfc3164.log"],
}
CLOUDTRAIL_SOURCES = [
    "cloudtrail/events.ndjson",
    "cloudtrail/envelope.json",
    "cloudtrail/array.json",
    "cloudtrail/records-pretty.json.gz",
]

# ---------------------------------------------------------------------------------------
# Vocabulary (fixed, derived from a constant seed so it never depends on --seed)

_vocab = random.Random(20240502)
FIRST = ("alice bob carol dave erin frank grace heidi ivan judy ken lena mallory mona nina "
         "oscar pablo quinn rosa sam tara uma victor wendy xavier yara zoe liam omar pia "
         "hugo iris jack kate leo mia nate olga priya ravi sofia tomas ugo vera will").split()
LAST = ("nguyen smith garcia kim chen patel muller rossi dubois silva novak kowalski ivanov "
        "tanaka sato okafor mensah haddad cohen larsen berg jansen costa ferreira lopez "
        "wright brown taylor walker young").split()
USERS = sorted({f"{_vocab.choice(FIRST)}.{_vocab.choice(LAST)}" for _ in range(3000)})
SERVICE_USERS = [f"svc-{w}-{i}" for w in ("deploy", "backup", "etl", "ci", "sync", "report")
                 for i in range(1, 9)]
TENANTS = sorted({f"{a}{b}" for a in ("acme", "globex", "initech", "umbrella", "hooli",
                                      "vandelay", "stark", "wayne", "tyrell", "cyberdyne",
                                      "soylent", "wonka", "oscorp", "aperture")
                  for b in ("", "-eu", "-us", "-labs", "-int", "-dev", "-prod")})
ACCOUNTS = [f"{_vocab.randrange(10**11, 10**12):012d}" for _ in range(40)]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
           "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
ROLES = ["DeveloperAccess", "ReadOnlyEngineer", "DataPipeline", "EcsTaskRole",
         "LambdaExecution", "TerraformDeployer", "GitOpsOperator", "BillingReader",
         "SecurityAuditor", "AWSReservedSSO_PowerUser_6b1c0a9e", "ObservabilityAgent"]
BUCKETS = [f"{t}-{k}" for t in ("acme", "globex", "initech", "hooli") for k in
           ("logs", "artifacts", "backups", "data-lake", "static", "exports", "ml-models")]
LOGGERS = ["com.acme.orders.OrderController", "com.acme.orders.OrderService",
           "com.acme.billing.InvoiceJob", "com.acme.auth.LoginController",
           "com.acme.keys.ApiKeyController", "com.acme.keys.ApiKeyAuthFilter",
           "com.acme.search.SearchService", "com.zaxxer.hikari.pool.HikariPool",
           "org.springframework.web.servlet.DispatcherServlet", "com.acme.cache.RedisCache",
           "com.acme.reports.ReportScheduler", "com.acme.http.AccessLog",
           "com.acme.notify.EmailSender", "com.acme.storage.S3Uploader", "billing", "audit"]
UAS = ["Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/124.0.0.0 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/17.4 Safari/605.1.15",
       "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/2.0", "okhttp/4.12.0",
       "kube-probe/1.29", "Prometheus/2.51.2", "axios/1.6.8", "terraform-provider-acme/1.4.0"]
AWS_UAS = ["aws-cli/2.15.43 Python/3.11.8 Linux/6.5.0-1018-aws exe/x86_64.ubuntu.22",
           "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.214 lang/python#3.12.3",
           "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64",
           "aws-sdk-java/2.25.40 Linux/5.10.215 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS",
           "APN/1.0 HashiCorp/1.0 Terraform/1.8.2 terraform-provider-aws/5.48.0",
           "console.amazonaws.com", "s3.amazonaws.com", "ecs-tasks.amazonaws.com"]
HOSTS = [f"{r}-{i}" for r in ("api", "web", "worker", "db", "bastion", "ci-runner", "cache")
         for i in range(1, 7)]
WORDS = ("order invoice report customer shipment payment refund dashboard widget export "
         "import session cart product catalog inventory webhook alert metric profile "
         "subscription team project member comment upload thumbnail").split()
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# ---------------------------------------------------------------------------------------
# Time formatting, cached per second


class Clock:
    """A monotonic time cursor (epoch milliseconds) and its text forms."""

    def __init__(self, start_ms, step_ms):
        self.ms = start_ms
        self.step = max(1, int(step_ms))
        self._sec = None

    def tick(self, rng):
        self.ms += int(rng.random() * 2 * self.step)
        sec = self.ms // 1000
        if sec != self._sec:
            self._sec = sec
            t = time.gmtime(sec)
            self._date = "%04d-%02d-%02d" % (t.tm_year, t.tm_mon, t.tm_mday)
            self._hms = "%02d:%02d:%02d" % (t.tm_hour, t.tm_min, t.tm_sec)
            self._clf = "%02d/%s/%04d:%s +0000" % (t.tm_mday, MONTHS[t.tm_mon - 1],
                                                   t.tm_year, self._hms)
            self._bsd = "%s %2d %s" % (MONTHS[t.tm_mon - 1], t.tm_mday, self._hms)
        return self

    def iso_ms(self):
        return "%sT%s.%03dZ" % (self._date, self._hms, self.ms % 1000)

    def iso(self):
        return "%sT%sZ" % (self._date, self._hms)

    def spring(self):
        return "%s %s,%03d" % (self._date, self._hms, self.ms % 1000)

    def clf(self):
        return self._clf

    def bsd(self):
        return self._bsd


def pick(rng, seq):
    return seq[int(rng.random() * len(seq))]


def hexid(rng, n=8):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def uuid4(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ip(rng):
    r = rng.random()
    if r < 0.4:
        return "10.%d.%d.%d" % (rng.getrandbits(8), rng.getrandbits(8), 1 + rng.getrandbits(7))
    if r < 0.7:
        return "203.0.113.%d" % (1 + int(rng.random() * 254))
    if r < 0.9:
        return "198.51.100.%d" % (1 + int(rng.random() * 254))
    return "192.0.2.%d" % (1 + int(rng.random() * 254))


def user(rng):
    return pick(rng, SERVICE_USERS) if rng.random() < 0.1 else pick(rng, USERS)


def url_path(rng):
    r = rng.random()
    w = pick(rng, WORDS)
    n = int(rng.random() * 900000) + 1000
    if r < 0.35:
        return "/api/v2/%ss/%d" % (w, n)
    if r < 0.55:
        return "/api/v2/%ss?page=%d&limit=%d" % (w, int(rng.random() * 40) + 1, pick(rng, (20, 50, 100)))
    if r < 0.65:
        return "/static/js/%s.%s.js" % (w, hexid(rng, 8))
    if r < 0.72:
        return "/healthz"
    if r < 0.80:
        return "/v1/%ss/%s/%s" % (w, hexid(rng, 12), pick(rng, WORDS))
    if r < 0.88:
        return "/metrics"
    if r < 0.94:
        return "/api/keys"  # listing keys: GET, passes the prefilter
    return "/api/v1/%s/%d/tokens" % (pick(rng, ("users", "bots", "serviceaccounts")), n % 500)


# ---------------------------------------------------------------------------------------
# Fixtures: planted events (positives) and hard negatives


def parse_expect(path):
    """(line, record) keys of the positives listed in an .expect file, and the event ids
    the comments name as duplicates."""
    keys, dups = set(), set()
    with open(path, encoding="utf-8") as f:
        header = None
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                dups.update(re.findall(r"eventID ([0-9a-f-]{36})", line))
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            row = dict(zip(header, cols))
            rec = row.get("record") or ""
            keys.add((int(row["line"]), int(rec) if rec else None))
    return keys, dups


def load_line_fixture(rel):
    path = os.path.join(FIXTURES, "logs", rel)
    keys, _ = parse_expect(os.path.join(FIXTURES, "expect", rel + ".expect"))
    lines = open(path, encoding="utf-8").read().split("\n")
    pos = [lines[n - 1] for (n, _) in sorted(keys)]
    neg = [l for i, l in enumerate(lines, 1) if l.strip() and (i, None) not in keys]
    return pos, neg


def records_of(path):
    """(line, record index or None, record) of a CloudTrail fixture: a JSON array or
    `{"Records":[...]}` document (index 1-based, line where the record starts), or one
    record per line."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return [(n, None, json.loads(l)) for n, l in enumerate(text.split("\n"), 1) if l.strip()]
    recs = doc["Records"] if isinstance(doc, dict) else doc
    out, decoder = [], json.JSONDecoder()
    idx = text.index("[") + 1
    for i in range(len(recs)):
        while text[idx] in " \t\r\n,":
            idx += 1
        obj, end = decoder.raw_decode(text, idx)
        out.append((text.count("\n", 0, idx) + 1, i + 1, obj))
        idx = end
    return out


def load_cloudtrail():
    pos, neg, all_dups, positive_ids = [], [], set(), set()
    loaded = []
    for rel in CLOUDTRAIL_SOURCES:
        keys, dups = parse_expect(os.path.join(FIXTURES, "expect", rel + ".expect"))
        all_dups |= dups
        loaded.append((keys, records_of(os.path.join(FIXTURES, "logs", rel))))
    for keys, recs in loaded:
        for line, index, rec in recs:
            if (line, index) in keys:
                pos.append(rec)
                positive_ids.add(rec.get("eventID"))
    for keys, recs in loaded:
        for line, index, rec in recs:
            if (line, index) in keys:
                continue
            if rec.get("eventID") in all_dups or rec.get("eventID") in positive_ids:
                continue  # a copy of a positive delivered twice: not a negative
            neg.append(rec)
    return pos, neg


_FIXTURE_CACHE = {}


def _is_json(line):
    try:
        json.loads(line)
        return True
    except json.JSONDecodeError:
        return False


def fixtures(fmt):
    if fmt not in _FIXTURE_CACHE:
        if fmt.startswith("cloudtrail"):
            _FIXTURE_CACHE[fmt] = load_cloudtrail()
        else:
            pos, neg = [], []
            for rel in SOURCES[fmt]:
                p, n = load_line_fixture(rel)
                pos += p
                neg += n
            if fmt == "json":
                # leave out the fixtures' deliberately broken lines: noise is well-formed
                neg = [line for line in neg if _is_json(line)]
            _FIXTURE_CACHE[fmt] = (pos, neg)
    return _FIXTURE_CACHE[fmt]


# Rewriting a fixture line with a fresh time and ids (never its wording).
RE_TEXT_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
RE_USER = re.compile(r"\b(user|uname|actor)=([A-Za-z][\w.@-]*)")
RE_IP = re.compile(r"\b(ip|remote_addr)=\d+\.\d+\.\d+\.\d+")
RE_REQ = re.compile(r"\brequest_id=\w+")
RE_LOGFMT_TS = re.compile(r"\b(t|ts|time)=\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})")
RE_CLF = re.compile(r"\[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]")
RE_LEAD_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+")
RE_BSD = re.compile(r"^(<\d+>)?[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}")
RE_PID = re.compile(r"\[\d+\]:")


def refresh(fmt, line, rng, clock):
    """A fixture line with a new time, request id, user and address."""
    if fmt == "text":
        line = RE_TEXT_TS.sub(clock.spring(), line, count=1)
        line = RE_USER.sub(lambda m: "%s=%s" % (m.group(1), user(rng)), line)
        line = RE_IP.sub(lambda m: "%s=%s" % (m.group(1), ip(rng)), line)
        return RE_REQ.sub("request_id=" + hexid(rng, 6), line)
    if fmt == "logfmt":
        line = RE_LOGFMT_TS.sub(lambda m: "%s=%s" % (m.group(1), clock.iso_ms()), line, count=1)
        return RE_IP.sub(lambda m: "%s=%s" % (m.group(1), ip(rng)), line)
    if fmt == "json":
        obj = json.loads(line)
        for k in ("time", "ts", "timestamp", "@timestamp"):
            if k in obj:
                obj[k] = clock.iso_ms()
        for k in ("request_id", "req_id"):
            if k in obj:
                obj[k] = "req-" + hexid(rng, 8)
        for k in ("ip", "client_ip", "remote_addr"):
            if k in obj:
                obj[k] = ip(rng)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    if fmt == "nginx":
        line = RE_CLF.sub("[" + clock.clf() + "]", line, count=1)
        return RE_LEAD_IP.sub(ip(rng), line, count=1)
    if fmt == "syslog":
        def stamp(m):
            return (m.group(1) or "") + clock.bsd()
        line = RE_BSD.sub(stamp, line, count=1)
        return RE_PID.sub("[%d]:" % (100 + int(rng.random() * 30000)), line, count=1)
    raise ValueError(fmt)


def refresh_cloudtrail(rec, rng, clock):
    rec = json.loads(json.dumps(rec))
    rec["eventTime"] = clock.iso()
    rec["eventID"] = uuid4(rng)
    if "requestID" in rec:
        rec["requestID"] = uuid4(rng)
    return json.dumps(rec, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# Noise, per format. Every template is ordinary traffic or a denial of something other
# than key generation; none may be a denied key generation.

LEVELS = ["INFO"] * 14 + ["DEBUG"] * 4 + ["WARN"] * 2 + ["ERROR"]


def text_noise(rng, c):
    lvl = pick(rng, LEVELS)
    r = rng.random()
    u, t = user(rng), pick(rng, TENANTS)
    if r < 0.30:
        msg = "%s %s completed in %d ms status=%d user=%s tenant=%s request_id=%s" % (
            pick(rng, ("GET", "GET", "GET", "POST", "PUT", "DELETE")), url_path(rng),
            int(rng.random() * 900) + 1, pick(rng, (200, 200, 200, 201, 204, 304, 404)), u, t,
            hexid(rng, 6))
    elif r < 0.40:
        msg = "Processed %d messages from queue %s-events in %d ms" % (
            int(rng.random() * 500), pick(rng, WORDS), int(rng.random() * 4000))
    elif r < 0.47:
        msg = "User %s logged in from %s tenant=%s session=%s" % (u, ip(rng), t, hexid(rng, 16))
    elif r < 0.52:
        msg = "Cache %s for key %s:%s:%d (ttl=%ds)" % (
            pick(rng, ("hit", "hit", "miss", "evict")), t, pick(rng, WORDS),
            int(rng.random() * 99999), pick(rng, (30, 60, 300, 3600)))
    elif r < 0.56:
        msg = "Listing API keys for org tenant=%s user=%s count=%d" % (t, u, int(rng.random() * 12))
    elif r < 0.59:
        msg = "Validating API key prefix=ak_live_%s path=/v1/reports" % hexid(rng, 4)
    elif r < 0.61:
        msg = "Generated API key id=ak_%s user=%s tenant=%s" % (hexid(rng, 6), u, t)
    elif r < 0.66:
        msg = "Scheduled job %s-%s finished in %d ms (%d rows)" % (
            pick(rng, WORDS), pick(rng, ("sync", "rollup", "cleanup", "export")),
            int(rng.random() * 90000), int(rng.random() * 100000))
    elif r < 0.69:
        lvl = "WARN"
        msg = "Slow query (%d ms): SELECT * FROM %ss WHERE tenant_id = ? AND id = ? [%s, %d]" % (
            500 + int(rng.random() * 5000), pick(rng, WORDS), t, int(rng.random() * 10**6))
    elif r < 0.71:
        lvl = "ERROR"
        msg = ("Upload to s3://%s/%s/%s.json failed: AccessDenied: User: arn:aws:sts::%s:"
               "assumed-role/%s/%s is not authorized to perform: s3:PutObject" % (
                   pick(rng, BUCKETS), t, hexid(rng, 10), pick(rng, ACCOUNTS),
                   pick(rng, ROLES), hexid(rng, 6)))
    elif r < 0.73:
        lvl = "WARN"
        msg = "Access denied: GET /admin/%ss/%d status=403 user=%s tenant=%s" % (
            pick(rng, WORDS), int(rng.random() * 9999), u, t)
    elif r < 0.745:
        lvl = "ERROR"
        msg = "Permission denied reading /etc/app/%s.yaml" % pick(rng, WORDS)
    elif r < 0.76:
        lvl = "WARN"
        msg = "login failed: invalid password user=%s ip=%s" % (u, ip(rng))
    elif r < 0.77:
        lvl = "ERROR"
        msg = "Failed to delete API key: permission denied user=%s tenant=%s key_id=ak_%s" % (
            u, t, hexid(rng, 4))
    elif r < 0.80:
        msg = "HikariPool-1 - Pool stats (total=%d, active=%d, idle=%d, waiting=%d)" % (
            20, int(rng.random() * 20), int(rng.random() * 10), int(rng.random() * 3))
    elif r < 0.83:
        msg = "Sent %s email to %s@%s.example (message-id=<%s@mail>)" % (
            pick(rng, WORDS), u, t, hexid(rng, 12))
    elif r < 0.85:
        lvl = "ERROR"
        return "%s ERROR [%s] Unhandled exception in request %s\n\tat com.acme.%s.%sService.handle(%sService.java:%d)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)" % (
            c.spring(), pick(rng, LOGGERS), hexid(rng, 6), pick(rng, WORDS), pick(rng, WORDS).title(),
            pick(rng, WORDS).title(), int(rng.random() * 400) + 10)
    else:
        msg = "Metrics flushed: %d series, %d samples, lag %d ms" % (
            int(rng.random() * 5000), int(rng.random() * 100000), int(rng.random() * 200))
    return "%s %s [%s] %s" % (c.spring(), lvl, pick(rng, LOGGERS), msg)


def json_noise(rng, c):
    r = rng.random()
    u, t = user(rng), pick(rng, TENANTS)
    if r < 0.55:
        status = pick(rng, (200, 200, 200, 200, 201, 204, 304, 404, 400, 403))
        return ('{"time":"%s","level":"%s","logger":"%s.http","msg":"request completed",'
                '"method":"%s","path":"%s","status":%d,"duration_ms":%.1f,"user":"%s@%s.example",'
                '"tenant":"%s","ip":"%s","request_id":"req-%s","bytes":%d}') % (
            c.iso_ms(), "warn" if status >= 400 else "info", pick(rng, WORDS),
            "GET" if status == 403 else pick(rng, ("GET", "GET", "POST", "PUT", "DELETE")),
            url_path(rng) if status != 403 else "/admin/" + pick(rng, WORDS), status,
            rng.random() * 300, u, t, t, ip(rng), hexid(rng, 8), int(rng.random() * 50000))
    if r < 0.65:
        return ('{"ts":"%s","level":"debug","logger":"keys.auth","msg":"Validating API key",'
                '"key_prefix":"ak_live_%s","method":"GET","path":"/v1/reports","client_ip":"%s"}') % (
            c.iso_ms(), hexid(rng, 3), ip(rng))
    if r < 0.72:
        return ('{"time":"%s","level":"info","logger":"keys.api","msg":"Listing API keys for org",'
                '"org":"%s","user":"%s@%s.example","request_id":"req-%s","method":"GET",'
                '"path":"/v1/orgs/%s/api-keys","status":200,"count":%d}') % (
            c.iso_ms(), t, u, t, hexid(rng, 6), t, int(rng.random() * 20))
    if r < 0.82:
        return ('{"time":"%s","level":"info","logger":"worker","msg":"job finished","job":"%s-%s",'
                '"job_id":"%s","duration_ms":%d,"rows":%d,"tenant":"%s"}') % (
            c.iso_ms(), pick(rng, WORDS), pick(rng, ("sync", "rollup", "export")), uuid4(rng),
            int(rng.random() * 60000), int(rng.random() * 10**6), t)
    if r < 0.86:
        return ('{"time":"%s","level":"error","logger":"storage","msg":"upload failed",'
                '"error":"AccessDenied: Access Denied","bucket":"%s","key":"%s/%s.parquet",'
                '"request_id":"req-%s"}') % (
            c.iso_ms(), pick(rng, BUCKETS), t, hexid(rng, 12), hexid(rng, 8))
    if r < 0.89:
        return ('{"time":"%s","level":"warn","logger":"auth","msg":"login failed",'
                '"error":"invalid password","user":"%s","ip":"%s"}') % (c.iso_ms(), u, ip(rng))
    return ('{"time":"%s","level":"info","logger":"%s.events","msg":"%s %s","%s_id":%d,'
            '"tenant":"%s","user":"%s@%s.example","request_id":"req-%s"}') % (
        c.iso_ms(), pick(rng, WORDS), pick(rng, WORDS), pick(rng, ("created", "updated", "archived")),
        pick(rng, WORDS), int(rng.random() * 10**7), t, u, t, hexid(rng, 8))


def logfmt_noise(rng, c):
    r = rng.random()
    if r < 0.6:
        status = pick(rng, (200, 200, 200, 200, 304, 404, 403, 302))
        path = "/api/%s/uid/%s" % (pick(rng, ("dashboards", "datasources", "folders", "alerts")),
                                   hexid(rng, 9)) if rng.random() < 0.8 else url_path(rng)
        ms = int(rng.random() * 200)
        return ('logger=context userId=%d orgId=%d uname=%s t=%s level=info msg="Request Completed" '
                'method=GET path=%s status=%d remote_addr=%s time_ms=%d duration=%d.%03dms '
                'size=%d referer= handler=%s status_source=server%s') % (
            int(rng.random() * 500), int(rng.random() * 40) + 1, user(rng), c.iso_ms(), path,
            status, ip(rng), ms, ms, int(rng.random() * 1000), int(rng.random() * 90000),
            path.split("?")[0], " errorReason=Forbidden" if status == 403 else "")
    if r < 0.7:
        return 't=%s level=info logger=cleanup msg="Completed cleanup jobs" duration=%d.%dms' % (
            c.iso_ms(), int(rng.random() * 90), int(rng.random() * 9))
    if r < 0.8:
        return ('t=%s level=info logger=ngalert.scheduler rule_uid=%s org_id=%d '
                'msg="Evaluating alert rule" version=%d attempt=1 now=%s') % (
            c.iso_ms(), hexid(rng, 12), int(rng.random() * 40) + 1, int(rng.random() * 30), c.iso())
    if r < 0.86:
        return ('t=%s level=debug logger=apikeys msg="Validating API key" keyPrefix=glsa_%s '
                'path=/api/dashboards/uid/%s') % (c.iso_ms(), hexid(rng, 3), hexid(rng, 8))
    if r < 0.92:
        return ('t=%s level=info logger=sqlstore.transactions msg="Database locked, sleeping then '
                'retrying" error="database is locked" retry=%d code="database is locked"') % (
            c.iso_ms(), int(rng.random() * 5))
    return ('t=%s level=warn logger=context userId=0 orgId=0 uname= msg="Request Completed" '
            'method=POST path=/login status=401 remote_addr=%s time_ms=%d errorReason=Unauthorized '
            'error="invalid username or password"') % (c.iso_ms(), ip(rng), int(rng.random() * 99))


def nginx_noise(rng, c):
    r = rng.random()
    u = user(rng) if rng.random() < 0.2 else "-"
    if r < 0.90:
        method = pick(rng, ("GET", "GET", "GET", "GET", "POST", "HEAD"))
        path = url_path(rng)
        if path.endswith("tokens") or path == "/api/keys":
            method = "GET"
        status = pick(rng, (200, 200, 200, 200, 200, 304, 301, 404, 403, 500, 502))
    elif r < 0.94:
        method, path, status = "POST", "/api/keys", pick(rng, (201, 201, 429))
    elif r < 0.97:
        method, path, status = "DELETE", "/api/keys/ak_%s" % hexid(rng, 4), pick(rng, (204, 403))
    else:
        method, path, status = "POST", "/login", pick(rng, (302, 401))
    return '%s - %s [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"' % (
        ip(rng), u, c.clf(), method, path, status, int(rng.random() * 80000),
        pick(rng, ("-", "-", "https://app.example.com/", "https://app.example.com/settings/api-keys")),
        pick(rng, UAS))


def syslog_noise(rng, c):
    r = rng.random()
    host = pick(rng, HOSTS)
    pid = 100 + int(rng.random() * 30000)
    if r < 0.25:
        msg = "sshd[%d]: Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s" % (
            pid, pick(rng, ("deploy", "ubuntu", "admin", "ops")), ip(rng),
            30000 + int(rng.random() * 30000), hexid(rng, 16))
    elif r < 0.40:
        msg = "sshd[%d]: Failed password for invalid user %s from %s port %d ssh2" % (
            pid, pick(rng, ("admin", "oracle", "test", "git", "postgres")), ip(rng),
            30000 + int(rng.random() * 30000))
    elif r < 0.47:
        msg = "sshd[%d]: Connection closed by authenticating user root %s port %d [preauth]" % (
            pid, ip(rng), 30000 + int(rng.random() * 30000))
    elif r < 0.50:
        msg = "gitlab-runner[%d]: git@gitlab.example.com: Permission denied (publickey)." % pid
    elif r < 0.65:
        msg = "CRON[%d]: (%s) CMD (/usr/local/bin/%s-%s.sh >/dev/null 2>&1)" % (
            pid, pick(rng, ("root", "www-data", "backup")), pick(rng, WORDS),
            pick(rng, ("sync", "rotate", "cleanup")))
    elif r < 0.75:
        msg = "systemd[1]: Started %s-%s.service - %s worker." % (
            pick(rng, WORDS), hexid(rng, 4), pick(rng, WORDS).title())
    elif r < 0.85:
        msg = "kernel: [%d.%06d] IPTables-Dropped: IN=eth0 OUT= SRC=%s DST=10.0.0.%d PROTO=TCP SPT=%d DPT=%d" % (
            int(rng.random() * 10**6), int(rng.random() * 10**6), ip(rng),
            int(rng.random() * 250) + 1, int(rng.random() * 60000), pick(rng, (22, 23, 3389, 5432)))
    elif r < 0.90:
        msg = "keysvc[%d]: Listing API keys for org user=%s tenant=%s" % (
            pid, user(rng), pick(rng, TENANTS))
    else:
        msg = "keysvc[%d]: GET /v1/%ss/%d 200 %dms" % (
            pid, pick(rng, WORDS), int(rng.random() * 10**6), int(rng.random() * 300))
    return "<%d>%s %s %s" % (pick(rng, (38, 86, 134, 30, 78, 4)), c.bsd(), host, msg)


CT_EVENTS = [
    # (eventSource, eventName, readOnly, weight, data event)
    ("s3.amazonaws.com", "GetObject", True, 25, True),
    ("s3.amazonaws.com", "PutObject", False, 10, True),
    ("sts.amazonaws.com", "AssumeRole", True, 10, False),
    ("ec2.amazonaws.com", "DescribeInstances", True, 8, False),
    ("kms.amazonaws.com", "Decrypt", True, 8, False),
    ("ssm.amazonaws.com", "GetParameter", True, 5, False),
    ("sts.amazonaws.com", "GetCallerIdentity", True, 5, False),
    ("logs.amazonaws.com", "CreateLogStream", False, 5, False),
    ("s3.amazonaws.com", "ListBuckets", True, 3, False),
    ("iam.amazonaws.com", "ListAccessKeys", True, 2, False),
    ("iam.amazonaws.com", "GetUser", True, 2, False),
    ("signin.amazonaws.com", "ConsoleLogin", False, 2, False),
    ("iam.amazonaws.com", "CreateAccessKey", False, 1, False),  # succeeds
    ("iam.amazonaws.com", "DeleteAccessKey", False, 1, False),
    ("apigateway.amazonaws.com", "GetApiKeys", True, 1, False),
]
CT_TABLE = [e for e in CT_EVENTS for _ in range(e[3])]


def ct_identity(rng):
    acct = pick(rng, ACCOUNTS)
    if rng.random() < 0.35:
        name = user(rng)
        return acct, ('{"type":"IAMUser","principalId":"AIDA%s","arn":"arn:aws:iam::%s:user/%s",'
                      '"accountId":"%s","accessKeyId":"AKIA%s","userName":"%s"}') % (
            hexid(rng, 16).upper(), acct, name, acct, hexid(rng, 16).upper(), name)
    role, sess = pick(rng, ROLES), user(rng) if rng.random() < 0.5 else "i-0" + hexid(rng, 16)
    rid = hexid(rng, 16).upper()
    return acct, ('{"type":"AssumedRole","principalId":"AROA%s:%s","arn":"arn:aws:sts::%s:'
                  'assumed-role/%s/%s","accountId":"%s","accessKeyId":"ASIA%s","sessionContext":'
                  '{"sessionIssuer":{"type":"Role","principalId":"AROA%s","arn":"arn:aws:iam::%s:'
                  'role/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},'
                  '"attributes":{"creationDate":"%s","mfaAuthenticated":"%s"}}}') % (
        rid, sess, acct, role, sess, acct, hexid(rng, 16).upper(), rid, acct, role, acct, role,
        "2024-05-01T%02d:%02d:%02dZ" % (int(rng.random() * 24), int(rng.random() * 60),
                                        int(rng.random() * 60)),
        "true" if rng.random() < 0.2 else "false")


def cloudtrail_noise(rng, c):
    src, name, ro, _, data = pick(rng, CT_TABLE)
    acct, ident = ct_identity(rng)
    region = pick(rng, REGIONS)
    err = ""
    if data:
        bucket = pick(rng, BUCKETS)
        key = "%s/%s/%s.json" % (pick(rng, TENANTS), pick(rng, WORDS), hexid(rng, 12))
        params = '{"bucketName":"%s","Host":"%s.s3.%s.amazonaws.com","key":"%s"}' % (
            bucket, bucket, region, key)
        extra = (',"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::%s/%s"},'
                 '{"accountId":"%s","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::%s"}],'
                 '"eventCategory":"Data","additionalEventData":{"bytesTransferredIn":0,'
                 '"bytesTransferredOut":%d,"x-amz-id-2":"%s"}') % (
            bucket, key, acct, bucket, int(rng.random() * 10**6), hexid(rng, 32))
        resp = "null"
        if rng.random() < 0.06:
            err = ',"errorCode":"AccessDenied","errorMessage":"Access Denied"'
    else:
        params = "null"
        resp = "null"
        extra = ',"eventCategory":"Management"'
        if name == "AssumeRole":
            params = '{"roleArn":"arn:aws:iam::%s:role/%s","roleSessionName":"%s","durationSeconds":3600}' % (
                acct, pick(rng, ROLES), hexid(rng, 10))
            if rng.random() < 0.05:
                err = (',"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::%s:assumed-role/%s/%s '
                       'is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::%s:role/%s"') % (
                    acct, pick(rng, ROLES), hexid(rng, 6), acct, pick(rng, ROLES))
        elif name == "DescribeInstances":
            params = '{"instancesSet":{},"filterSet":{},"maxResults":%d}' % pick(rng, (100, 1000))
            if rng.random() < 0.05:
                err = (',"errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not '
                       'authorized to perform this operation."')
        elif name == "Decrypt":
            params = '{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","keyId":"arn:aws:kms:%s:%s:key/%s"}' % (
                region, acct, uuid4(rng))
        elif name == "GetParameter":
            params = '{"name":"/%s/%s/%s","withDecryption":true}' % (
                pick(rng, TENANTS), pick(rng, WORDS), pick(rng, ("db_url", "api_url", "flags")))
        elif name in ("CreateAccessKey", "DeleteAccessKey", "ListAccessKeys", "GetUser"):
            params = '{"userName":"%s"}' % user(rng)
            if name == "CreateAccessKey":
                resp = ('{"accessKey":{"accessKeyId":"AKIA%s","status":"Active","userName":"%s",'
                        '"createDate":"May 1, 2024 8:12:09 AM"}}') % (hexid(rng, 16).upper(), user(rng))
            if name == "DeleteAccessKey" and rng.random() < 0.2:
                err = (',"errorCode":"AccessDenied","errorMessage":"User is not authorized to '
                       'perform: iam:DeleteAccessKey"')
        elif name == "CreateLogStream":
            params = '{"logGroupName":"/ecs/%s-%s","logStreamName":"ecs/%s/%s"}' % (
                pick(rng, WORDS), pick(rng, WORDS), pick(rng, WORDS), hexid(rng, 32))
    return ('{"eventVersion":"1.%02d","userIdentity":%s,"eventTime":"%s","eventSource":"%s",'
            '"eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s"%s,'
            '"requestParameters":%s,"responseElements":%s,"requestID":"%s","eventID":"%s",'
            '"readOnly":%s,"eventType":"AwsApiCall","managementEvent":%s,"recipientAccountId":"%s"%s,'
            '"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",'
            '"clientProvidedHostHeader":"%s"}}') % (
        8 + int(rng.random() * 3), ident, c.iso(), src, name, region, ip(rng), pick(rng, AWS_UAS),
        err, params, resp, uuid4(rng) if not data else hexid(rng, 16).upper(), uuid4(rng),
        "true" if ro else "false", "false" if data else "true", acct, extra, src)


NOISE = {
    "text": text_noise,
    "json": json_noise,
    "logfmt": logfmt_noise,
    "nginx": nginx_noise,
    "syslog": syslog_noise,
    "cloudtrail-ndjson": cloudtrail_noise,
    "cloudtrail-envelope": cloudtrail_noise,
}
# Rough bytes per record, to pace the clock over a file's time range.
AVG_BYTES = {"text": 190, "json": 300, "logfmt": 280, "nginx": 190, "syslog": 130,
             "cloudtrail-ndjson": 1300, "cloudtrail-envelope": 1300}
HARD_NEGATIVE_RATE = 0.004


# ---------------------------------------------------------------------------------------
# Generation


def gen_records(fmt, seed_key, target, start_ms, span_ms):
    """Records of one chunk: (list of record strings, planted count, bytes)."""
    rng = random.Random(seed_key)
    pos, neg = fixtures(fmt)
    rate = FORMATS[fmt][2]
    noise = NOISE[fmt]
    ct = fmt.startswith("cloudtrail")
    clock = Clock(start_ms, span_ms * AVG_BYTES[fmt] / max(1, target))
    out, size, planted = [], 0, 0
    while size < target:
        clock.tick(rng)
        r = rng.random()
        if r < rate:
            planted += 1
            src = pick(rng, pos)
            rec = refresh_cloudtrail(src, rng, clock) if ct else refresh(fmt, src, rng, clock)
        elif r < rate + HARD_NEGATIVE_RATE:
            src = pick(rng, neg)
            rec = refresh_cloudtrail(src, rng, clock) if ct else refresh(fmt, src, rng, clock)
        else:
            rec = noise(rng, clock)
        out.append(rec)
        size += len(rec) + 1
    return out, planted, size


def chunk_task(args):
    """One chunk of a line-framed file: (text, planted, bytes)."""
    fmt, seed_key, target, start_ms, span_ms = args
    recs, planted, size = gen_records(fmt, seed_key, target, start_ms, span_ms)
    return "\n".join(recs) + "\n", planted, size


def gz_file_task(args):
    """A whole gzipped file, generated and compressed in one worker."""
    fmt, seed, index, target, start_ms, span_ms = args
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts, planted, total = [], 0, 0
    nchunks = max(1, -(-target // CHUNK_BYTES))
    for k in range(nchunks):
        t = min(CHUNK_BYTES, target - k * CHUNK_BYTES)
        recs, p, _ = gen_records(fmt, "%s:%d:%d" % (seed, index, k), t,
                                 start_ms + span_ms * k // nchunks, span_ms // nchunks)
        planted += p
        if fmt == "cloudtrail-envelope":
            head = '{"Records":[' if k == 0 else ","
            text = head + ",".join(recs) + ("]}\n" if k == nchunks - 1 else "")
        else:
            text = "\n".join(recs) + "\n"
        data = text.encode()
        total += len(data)
        parts.append(comp.compress(data))
    parts.append(comp.flush())
    return b"".join(parts), planted, total


def plan_mixed(size, nfiles, seed, formats):
    """(relative path, format, target bytes, gzipped) for each file of a mixed corpus."""
    rng = random.Random("%s:plan" % seed)
    weights = {f: FORMATS[f][1] for f in formats}
    wsum = sum(weights.values())
    files = []
    # largest remainder, at least one file per format
    exact = {f: max(1.0, nfiles * weights[f] / wsum) for f in formats}
    counts = {f: int(exact[f]) for f in formats}
    for f in sorted(formats, key=lambda f: counts[f] - exact[f]):
        if sum(counts.values()) >= nfiles:
            break
        counts[f] += 1
    dirs = {"text": "app", "json": "app-json", "logfmt": "grafana", "nginx": "nginx",
            "syslog": "syslog", "cloudtrail-ndjson": "cloudtrail",
            "cloudtrail-envelope": "cloudtrail-s3"}
    for fmt in formats:
        n = counts[fmt]
        budget = size * weights[fmt] / wsum
        # uneven sizes, as real log directories have
        shares = [0.5 + rng.random() for _ in range(n)]
        ssum = sum(shares)
        for i in range(n):
            target = max(4096, int(budget * shares[i] / ssum))
            gz = fmt == "cloudtrail-envelope" or rng.random() < FORMATS[fmt][3]
            ext = FORMATS[fmt][0]
            if fmt == "cloudtrail-envelope":
                # the S3 layout CloudTrail delivers to
                acct, region, day = pick(rng, ACCOUNTS[:4]), pick(rng, REGIONS[:4]), 1 + i * 7 // n
                rel = "AWSLogs/%s/CloudTrail/%s/2024/05/%02d/%s_CloudTrail_%s_202405%02dT%02d%02dZ_%s.json.gz" % (
                    acct, region, day, acct, region, day, i % 24, (i * 5) % 60, hexid(rng, 16))
                rel = os.path.join(dirs[fmt], rel)
            else:
                rel = os.path.join(dirs[fmt], "%s-%02d%s%s" % (dirs[fmt], i + 1, ext, ".gz" if gz else ""))
            files.append((rel, fmt, target, gz))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--size-mb", type=float, default=64, help="decompressed MiB in total")
    ap.add_argument("--files", type=int, default=60, help="files in a mixed corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--single", choices=[f for f in FORMATS if f != "cloudtrail-envelope"],
                    help="write one file of this format instead of a mixed directory")
    ap.add_argument("--formats", help="comma-separated formats of a mixed corpus (default: all)")
    ap.add_argument("--manifest", help="manifest path (default: OUT.manifest.json)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--force", action="store_true",
                    help="empty OUT first if it holds files (else refuse, to never mix corpora)")
    args = ap.parse_args()

    size = int(args.size_mb * MIB)
    out = os.path.abspath(args.out)
    manifest_path = args.manifest or out.rstrip("/") + ".manifest.json"
    if os.path.isdir(out) and os.listdir(out):
        if not args.force:
            ap.error("%s is not empty (use --force to replace its content)" % out)
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    started = time.time()
    if args.single:
        fmt = args.single
        name = {"text": "app.log", "json": "app.jsonl", "logfmt": "grafana.logfmt",
                "nginx": "access.log", "syslog": "messages",
                "cloudtrail-ndjson": "cloudtrail.ndjson"}[fmt]
        plan = [(name, fmt, size, False)]
    else:
        formats = args.formats.split(",") if args.formats else list(FORMATS)
        for f in formats:
            if f not in FORMATS:
                ap.error("unknown format %r (known: %s)" % (f, ", ".join(FORMATS)))
        plan = plan_mixed(size, args.files, args.seed, formats)

    entries = []
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        gz_jobs = [(i, p) for i, p in enumerate(plan) if p[3]]
        gz_results = pool.imap(gz_file_task, [
            (p[1], args.seed, i, p[2], EPOCH_MS, SPAN_MS) for i, p in gz_jobs])
        plain_tasks, owners = [], []
        for i, (rel, fmt, target, gz) in enumerate(plan):
            if gz:
                continue
            n = max(1, -(-target // CHUNK_BYTES))
            for k in range(n):
                t = min(CHUNK_BYTES, target - k * CHUNK_BYTES)
                plain_tasks.append((fmt, "%s:%d:%d" % (args.seed, i, k), t,
                                    EPOCH_MS + SPAN_MS * k // n, SPAN_MS // n))
                owners.append((i, k == n - 1))
        results = {}
        handle, planted, written = None, 0, 0
        for (i, last), (text, p, nbytes) in zip(owners, pool.imap(chunk_task, plain_tasks)):
            rel = plan[i][0]
            if handle is None:
                os.makedirs(os.path.dirname(os.path.join(out, rel)) or out, exist_ok=True)
                handle = open(os.path.join(out, rel), "w", encoding="utf-8", newline="\n")
            handle.write(text)
            planted += p
            written += nbytes
            if last:
                handle.close()
                handle = None
                results[i] = (planted, written, False)
                planted, written = 0, 0
        for (i, p), (data, n_planted, nbytes) in zip(gz_jobs, gz_results):
            path = os.path.join(out, p[0])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            results[i] = (n_planted, nbytes, True)
    for i, (rel, fmt, _, _) in enumerate(plan):
        n_planted, nbytes, gz = results[i]
        entries.append({"path": rel, "format": fmt, "bytes": nbytes, "gzip": gz,
                        "planted": n_planted})
    manifest = {
        "generator": "keydeny benches/gen_corpus.py",
        "version": GENERATOR_VERSION,
        "seed": args.seed,
        "size_mb": args.size_mb,
        "single": args.single,
        "out": out,
        "files": entries,
        "total_bytes": sum(e["bytes"] for e in entries),
        "total_planted": sum(e["planted"] for e in entries),
    }
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    json.dump({k: v for k, v in manifest.items() if k != "files"} |
              {"files": len(entries), "manifest": manifest_path,
               "seconds": round(time.time() - started, 1)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
