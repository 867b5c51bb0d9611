#!/usr/bin/env bash
# The Spark example, run for real: the fixtures in local[2] over 6 shards, merged on the
# driver, must equal one `keydeny summary` over all of them, byte for byte. Used by .ci/run.
#   examples/spark/test_job.sh [KEYDENY_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
keydeny="$(realpath "${1:-target/debug/keydeny}")"
export KEYDENY_NOW=2024-05-04T00:00:00Z
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$(command -v python3)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

check() {
    local name="$1"
    shift
    python3 examples/spark/keydeny_job.py --master 'local[2]' --partitions 6 \
        --keydeny "$keydeny" --format json -o "$work/merged.json" "$@" fixtures/logs
    "$keydeny" -q summary --format json "$@" fixtures/logs > "$work/one.json" || true
    if cmp -s "$work/merged.json" "$work/one.json"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAILED: $name: the merged summary differs from one run"
        diff "$work/merged.json" "$work/one.json" | head -20
        failed=$((failed + 1))
    fi
}

passed=0
failed=0
check "all fixtures, 6 shards"
check "a window, 6 shards" --since 2024-05-02T00:00:00Z --until 2024-05-03T00:00:00Z
echo "spark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
