#!/usr/bin/env bash
# Times keydeny against the tools an on-call engineer would otherwise reach for, on the same
# deterministic corpus, in one run, and checks that keydeny finds exactly the planted events.
#
#   benches/compare.sh                       # 1 GiB per corpus (issue 4 targets)
#   KEYDENY_BENCH_MB=64 benches/compare.sh   # quick run
#
# Environment:
#   KEYDENY_BENCH_DIR      where corpora are kept (default /tmp/keydeny-bench); generated once
#   KEYDENY_BENCH_MB       decompressed MiB of each corpus (default 1024)
#   KEYDENY_BENCH_SEED     generator seed (default 1)
#   KEYDENY_BENCH_RUNS     timed runs per command (default 5); the median is reported
#   KEYDENY_BENCH_THREADS  keydeny --threads (default 2)
#   KEYDENY_BIN            a keydeny binary to time instead of building this checkout
#   KEYDENY_BENCH_NO_HYPERFINE=1  time with the bash loop even when hyperfine is installed
#
# Installs nothing. hyperfine is used when present, else a bash loop with `date +%s.%N`;
# rg, jq, zcat and /usr/bin/time (Debian: ripgrep, jq, gzip, time) are skipped with a note
# when missing. Exit code 1 when keydeny's event count differs from the planted count.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MB=${KEYDENY_BENCH_MB:-1024}
SEED=${KEYDENY_BENCH_SEED:-1}
RUNS=${KEYDENY_BENCH_RUNS:-5}
THREADS=${KEYDENY_BENCH_THREADS:-2}
BASE=${KEYDENY_BENCH_DIR:-/tmp/keydeny-bench}
CORPUS="$BASE/${MB}mb-seed$SEED"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keydeny-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DENIAL_WORDS='denied|forbidden|unauthori|not authorized|403'
JQ_FILTER='select(.errorCode != null and (.eventName=="CreateAccessKey" or .eventName=="CreateServiceSpecificCredential" or .eventName=="CreateApiKey"))'

say() { printf '%s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- keydeny ------------------------------------------------------------------------------
if [[ -n "${KEYDENY_BIN:-}" ]]; then
    KD=$KEYDENY_BIN
else
    say "building keydeny (release)..."
    (cd "$ROOT" && cargo build --release --quiet --bin keydeny)
    KD="${CARGO_TARGET_DIR:-$ROOT/target}/release/keydeny"
fi
[[ -x "$KD" ]] || { say "no keydeny binary at $KD"; exit 2; }

# --- corpora (generated once; the manifest is written last, so it marks a complete corpus) --
gen() { # name, generator arguments...
    local name=$1
    shift
    if [[ ! -f "$CORPUS/$name.manifest.json" ]]; then
        say "generating $CORPUS/$name ($MB MiB)..."
        python3 "$ROOT/benches/gen_corpus.py" --out "$CORPUS/$name" --size-mb "$MB" \
            --seed "$SEED" --force "$@" >/dev/null
    fi
}
mkdir -p "$CORPUS"
ENVELOPE_FILES=$(( MB / 4 > 8 ? MB / 4 : 8 ))
gen text --single text
gen ndjson --single cloudtrail-ndjson
gen mixed --files 60
gen envelope --files "$ENVELOPE_FILES" --formats cloudtrail-envelope
A="$CORPUS/text/app.log"
B="$CORPUS/ndjson/cloudtrail.ndjson"
C="$CORPUS/mixed"
D="$CORPUS/envelope"

say "warming the page cache..."
find -L "$CORPUS" -type f -exec cat {} + >/dev/null

# --- timing ---------------------------------------------------------------------------------
# time_cmd KEY WARMUP COMMAND: the median wall time of RUNS runs, in seconds, into $WORK/KEY.
time_cmd() {
    local key=$1 warmup=$2 cmd=$3
    if [[ $TIMER == hyperfine ]]; then
        hyperfine --style none --warmup "$warmup" --runs "$RUNS" \
            --export-json "$WORK/$key.json" "$cmd" >/dev/null 2>"$WORK/$key.err" || {
            say "FAILED: $cmd"
            cat "$WORK/$key.err" >&2
            echo nan >"$WORK/$key"
            return
        }
        python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.4f" % r["median"])
open(sys.argv[2], "w").write("%.4f\n" % (r["user"] + r["system"]))' \
            "$WORK/$key.json" "$WORK/$key.cpu" >"$WORK/$key"
    else
        local i start end
        for ((i = 0; i < warmup; i++)); do bash -c "$cmd" >/dev/null 2>&1 || true; done
        : >"$WORK/$key.runs"
        : >"$WORK/$key.cpus"
        for ((i = 0; i < RUNS; i++)); do
            start=$(date +%s.%N)
            if [[ -x /usr/bin/time ]]; then
                /usr/bin/time -o "$WORK/$key.t" -f '%U %S' bash -c "$cmd" >/dev/null 2>&1 || true
                awk '{ printf "%.4f\n", $1 + $2 }' "$WORK/$key.t" >>"$WORK/$key.cpus"
            else
                bash -c "$cmd" >/dev/null 2>&1 || true
            fi
            end=$(date +%s.%N)
            awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }' >>"$WORK/$key.runs"
        done
        median() { sort -g "$1" | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.4f\n", m}'; }
        median "$WORK/$key.runs" >"$WORK/$key"
        median "$WORK/$key.cpus" >"$WORK/$key.cpu"
    fi
    say "  $(printf '%-12s %8.3f s wall %8s s CPU  %s' "$key" "$(cat "$WORK/$key")" "$(cat "$WORK/$key.cpu")" "$cmd")"
}

# family_lists: one file list per format family of the mixed corpus (from its manifest), as
# $WORK/family-<format>, each file's path relative to the corpus directory made absolute.
family_lists() {
    python3 - "$CORPUS/mixed.manifest.json" "$C" "$WORK" <<'EOF'
import collections, json, os, sys
manifest, root, work = sys.argv[1:4]
files = collections.defaultdict(list)
for f in json.load(open(manifest))["files"]:
    files[f["format"]].append(os.path.join(root, f["path"]))
for name, paths in sorted(files.items()):
    open(os.path.join(work, "family-" + name), "w").write("\n".join(paths) + "\n")
    print(name)
EOF
}

TIMER=bash
have hyperfine && [[ -z "${KEYDENY_BENCH_NO_HYPERFINE:-}" ]] && TIMER=hyperfine
KDCMD="'$KD' summary --format json --threads $THREADS"
say "timing (median of $RUNS runs, $([[ $TIMER == hyperfine ]] && echo hyperfine || echo 'bash loop with date +%s.%N'))..."
time_cmd kd_a 1 "$KDCMD '$A'"
time_cmd kd_b 1 "$KDCMD '$B'"
time_cmd kd_c 1 "$KDCMD '$C'"
time_cmd kd_d 1 "$KDCMD '$D'"
FAMILIES=$(family_lists)
for f in $FAMILIES; do
    time_cmd "kd_f_$f" 1 "$KDCMD --files-from '$WORK/family-$f'"
done
NOTES=()
if have rg; then
    time_cmd rg_a 1 "rg -c -i '$DENIAL_WORDS' '$A'"
    time_cmd rg_b 1 "rg -c -i '$DENIAL_WORDS' '$B'"
    time_cmd rg_c 1 "rg -c -i '$DENIAL_WORDS' '$C'"
    time_cmd rgz_c 1 "rg -z -c -i '$DENIAL_WORDS' '$C'"
    for f in $FAMILIES; do
        time_cmd "rg_f_$f" 1 "xargs -d '\\n' rg -z -c -i '$DENIAL_WORDS' <'$WORK/family-$f'"
    done
else
    NOTES+=("rg not found (apt-get install ripgrep): keydeny/rg ratios skipped")
fi
if have jq; then
    time_cmd jq_b 0 "jq -c '$JQ_FILTER' '$B'"
else
    NOTES+=("jq not found (apt-get install jq): jq/keydeny ratio skipped")
fi
if have zcat; then
    time_cmd cat_c 1 "find '$C/' -type f -print0 | xargs -0 cat"
    time_cmd zcat_d 1 "find '$D/' -name '*.json.gz' -print0 | xargs -0 zcat"
else
    NOTES+=("zcat not found: keydeny/zcat ratio skipped")
fi

# --- peak RSS and event counts (one extra run per corpus) -------------------------------------
FAILED=0
declare -A RSS EVENTS PLANTED CHECK
for c in a b c d; do
    case $c in a) p=$A m=text ;; b) p=$B m=ndjson ;; c) p=$C m=mixed ;; d) p=$D m=envelope ;; esac
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -v "$KD" summary --format json --threads "$THREADS" "$p" \
            >"$WORK/sum_$c.json" 2>"$WORK/time_$c.txt" || true
        RSS[$c]=$(awk -F: '/Maximum resident set size/ {printf "%.1f MiB", $2 / 1024}' "$WORK/time_$c.txt")
    else
        "$KD" summary --format json --threads "$THREADS" "$p" >"$WORK/sum_$c.json" 2>/dev/null || true
        RSS[$c]="n/a"
    fi
    EVENTS[$c]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["events"])' \
        "$WORK/sum_$c.json" 2>/dev/null || echo "?")
    PLANTED[$c]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_planted"])' \
        "$CORPUS/$m.manifest.json")
    if [[ "${EVENTS[$c]}" == "${PLANTED[$c]}" ]]; then CHECK[$c]=PASS; else CHECK[$c]=FAIL; FAILED=1; fi
done
[[ -x /usr/bin/time ]] || NOTES+=("/usr/bin/time not found (apt-get install time): peak RSS skipped")

# --- report ---------------------------------------------------------------------------------------
val() { [[ -f "$WORK/$1" ]] && cat "$WORK/$1" || echo nan; }
ratio() { python3 -c 'import sys,math; a,b=float(sys.argv[1]),float(sys.argv[2]); print("n/a" if math.isnan(a) or math.isnan(b) or b==0 else "%.2fx" % (a/b))' "$1" "$2"; }
verdict() { # ratio-string op limit
    python3 -c '
import sys
r, op, lim = sys.argv[1], sys.argv[2], float(sys.argv[3])
if r == "n/a": print("-")
else:
    v = float(r.rstrip("x"))
    print("met" if (v <= lim if op == "<=" else v >= lim) else "MISSED")' "$1" "$2" "$3"
}
secs() { python3 -c 'import sys,math; v=float(sys.argv[1]); print("n/a" if math.isnan(v) else "%.3f s" % v)' "$1"; }
mbps() { python3 -c 'import sys,math; v=float(sys.argv[2]); print("n/a" if math.isnan(v) or v==0 else "%.0f MB/s" % (float(sys.argv[1])/1e6/v))' "$1" "$2"; }
bytes_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_bytes"])' "$CORPUS/$1.manifest.json"; }
BA=$(bytes_of text) BB=$(bytes_of ndjson) BC=$(bytes_of mixed) BD=$(bytes_of envelope)

echo
echo "keydeny benchmark: $MB MiB per corpus (decompressed), seed $SEED, --threads $THREADS, median of $RUNS runs ($TIMER), warm page cache"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "keydeny: $("$KD" --version 2>/dev/null | head -1) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]] && echo ', dirty'))"
echo "corpus: $CORPUS"
echo
FMT='%-36s %9s %9s %9s   %-10s %9s %9s   %-8s %7s %7s  %-7s %s\n'
printf "$FMT" "corpus" "keydeny" "CPU" "MB/s" "vs" "wall" "CPU" "ratio" "wall" "CPU" "target" ""
row() { # label, keydeny key, bytes, tool, tool key, ratio name, ratio value, op, limit
    local cpu_ratio
    case $6 in
        jq/kd) cpu_ratio=$(ratio "$(val "$5.cpu")" "$(val "$2.cpu")") ;;
        *) cpu_ratio=$(ratio "$(val "$2.cpu")" "$(val "$5.cpu")") ;;
    esac
    printf "$FMT" "$1" "$(secs "$(val "$2")")" "$(secs "$(val "$2.cpu")")" "$(mbps "$3" "$(val "$2")")" "$4" \
        "$(secs "$(val "$5")")" "$(secs "$(val "$5.cpu")")" "$6" "$7" "$cpu_ratio" "$8 $9" "$(verdict "$7" "$8" "$9")"
}
row "(a) app text, 1 file" kd_a "$BA" "rg -c -i" rg_a kd/rg "$(ratio "$(val kd_a)" "$(val rg_a)")" "<=" 1.0
row "(b) CloudTrail NDJSON, 1 file" kd_b "$BB" "rg -c -i" rg_b kd/rg "$(ratio "$(val kd_b)" "$(val rg_b)")" "<=" 1.0
row "(c) mixed dir, $(find "$C/" -type f | wc -l) files ($(find "$C/" -name '*.gz' | wc -l) gz)" kd_c "$BC" "rg -c -i" rg_c kd/rg "$(ratio "$(val kd_c)" "$(val rg_c)")" "<=" 1.0
row "(b) CloudTrail NDJSON, 1 file" kd_b "$BB" "jq select" jq_b jq/kd "$(ratio "$(val jq_b)" "$(val kd_b)")" ">=" 20
row "(d) Records .json.gz, $(find "$D/" -type f | wc -l) files" kd_d "$BD" "zcat" zcat_d kd/zcat "$(ratio "$(val kd_d)" "$(val zcat_d)")" "<=" 1.0
row "(c) mixed dir, rg decompressing too" kd_c "$BC" "rg -z -c -i" rgz_c kd/rg "$(ratio "$(val kd_c)" "$(val rgz_c)")" "<=" 1.0
echo "the floor: cat of (c)'s files (compressed ones as they are) takes $(secs "$(val cat_c)") wall, $(secs "$(val cat_c.cpu)") CPU; keydeny $(ratio "$(val kd_c)" "$(val cat_c)") of it (wall)"
echo
echo "per format family of (c), keydeny --files-from the family's files vs rg -z -c -i over the same files:"
for f in $FAMILIES; do
    fb=$(python3 -c 'import json,sys; print(sum(x["bytes"] for x in json.load(open(sys.argv[1]))["files"] if x["format"] == sys.argv[2]))' "$CORPUS/mixed.manifest.json" "$f")
    row "    $f ($(wc -l <"$WORK/family-$f") files)" "kd_f_$f" "$fb" "rg -z" "rg_f_$f" kd/rg "$(ratio "$(val "kd_f_$f")" "$(val "rg_f_$f")")" "<=" 1.0
done
echo
printf '%-36s %10s %9s %9s  %s\n' "corpus" "peak RSS" "events" "planted" "count check"
for c in a b c d; do
    case $c in a) l="(a) app text" ;; b) l="(b) CloudTrail NDJSON" ;; c) l="(c) mixed dir" ;; d) l="(d) Records .json.gz dir" ;; esac
    printf '%-36s %10s %9s %9s  %s\n' "$l" "${RSS[$c]}" "${EVENTS[$c]}" "${PLANTED[$c]}" "${CHECK[$c]}"
done
echo "peak RSS target: under 64 MiB"
for n in "${NOTES[@]}"; do echo "note: $n"; done
if ((FAILED)); then
    echo "FAIL: keydeny's event count differs from the planted count"
    exit 1
fi
echo "PASS: keydeny found exactly the planted events in every corpus"
