#!/usr/bin/env python3
"""keydeny on Spark: one summary per shard, merged exactly on the driver.

The driver lists the inputs (`keydeny ls`, which prunes object-store listings to the
--since/--until window), keys each by its trail (the directory without date partitions),
and partitions by that key, so every file of one trail lands in one shard and keydeny
de-duplicates its CloudTrail eventIDs. Each partition is piped through

    keydeny summary --format json --files-from -

(one path or URL per line in, one summary out), and the driver merges the summaries with
`keydeny merge -`. No temp files, no extra Python packages: keydeny must be installed on
every executor (on its PATH, or at the path given with --keydeny).

`RDD.pipe` starts its command with only the environment it is given, so the driver's
KEYDENY_*, AWS_*, GOOGLE_*, AZURE_* and PATH variables are passed along (executors with
instance roles or workload identity need none of them).

    spark-submit keydeny_job.py --since 7d --partitions 64 -o report.html --format html \\
        s3://trail-bucket/AWSLogs/
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import zlib

from pyspark.sql import SparkSession

# Directory names of date partitions: 2024, 05, 02 (CloudTrail, GCS sinks) and
# y=2024, m=05, d=02, h=10, m=00 (Azure diagnostic settings).
DATE_PART = re.compile(r"^(\d{4}|\d{2}|[ymdh]=\d{2,4})$")


def trail_key(path):
    """The trail a file belongs to: its directory without the trailing date partitions.

    `s3://b/AWSLogs/1111/CloudTrail/us-east-1/2024/05/02/x.json.gz` and the same trail's
    files of other days share `s3://b/AWSLogs/1111/CloudTrail/us-east-1`.
    """
    parts = path.split("/")[:-1]
    while parts and DATE_PART.match(parts[-1]):
        parts.pop()
    return "/".join(parts)


def shard(key, partitions):
    """A partition for a trail key, the same on every run and every machine."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def list_inputs(keydeny, inputs, window):
    """Every file or object a scan of `inputs` would read, as `keydeny ls` prints them."""
    command = [keydeny, "ls", *window, *inputs]
    done = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"keydeny_job: `{shlex.join(command)}` failed (exit {done.returncode})")
    return [line for line in done.stdout.splitlines() if line]


def pipe_environment():
    """What keydeny needs of the driver's environment: its own settings, cloud credentials
    and endpoints, and PATH."""
    prefixes = ("KEYDENY_", "AWS_", "GOOGLE_", "AZURE_")
    return {k: v for k, v in os.environ.items() if k.startswith(prefixes) or k == "PATH"}


def one_document(lines):
    """The lines of one shard's pretty-printed summary, back into one compact line."""
    if not lines:
        raise RuntimeError("keydeny printed no summary for a shard: see the executor's stderr")
    return json.dumps(json.loads("\n".join(lines)))


def summarise(spark, keydeny, paths, partitions, window):
    """One compact summary JSON document per partition."""
    command = shlex.join([keydeny, "-q", "summary", "--format", "json", *window, "--files-from", "-"])
    rdd = (
        spark.sparkContext.parallelize(paths, partitions)
        .map(lambda path: (trail_key(path), path))
        .partitionBy(partitions, lambda key: shard(key, partitions))
        .values()
        # Exit code 2 (an unreadable input) still prints the summary, which lists the input:
        # the merge reports it and exits 2 too.
        .pipe(command, env=pipe_environment(), checkCode=False)
        .glom()
        .map(one_document)
    )
    return rdd.collect()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="files, directories or s3:// gs:// az:// prefixes")
    parser.add_argument("--partitions", type=int, default=64, help="shards (default 64)")
    parser.add_argument("--since", help="as keydeny's --since (RFC 3339, 24h, 7d)")
    parser.add_argument("--until", help="as keydeny's --until")
    parser.add_argument("--keydeny", default="keydeny", help="the keydeny binary (default: on PATH)")
    parser.add_argument("--format", default="table", help="table, json, markdown or html")
    parser.add_argument("-o", "--output", help="write the merged report here")
    parser.add_argument("--master", help="Spark master when not run by spark-submit, e.g. local[2]")
    args = parser.parse_args()

    window = []
    if args.since:
        window += ["--since", args.since]
    if args.until:
        window += ["--until", args.until]

    builder = SparkSession.builder.appName("keydeny").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        paths = list_inputs(args.keydeny, args.inputs, window)
        summaries = summarise(spark, args.keydeny, paths, args.partitions, window)
    finally:
        spark.stop()

    merge = [args.keydeny, "merge", "--format", args.format, "-"]
    if args.output:
        merge += ["-o", args.output]
    merged = subprocess.run(merge, input="\n".join(summaries) + "\n", text=True, check=False)
    sizes = [0] * args.partitions
    for path in paths:
        sizes[shard(trail_key(path), args.partitions)] += 1
    print(
        f"keydeny_job: {len(paths)} input(s) in {args.partitions} shard(s) of {sizes}, merged",
        file=sys.stderr,
    )
    sys.exit(merged.returncode)


if __name__ == "__main__":
    main()
