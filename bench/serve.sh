#!/usr/bin/env bash
# The workbench's targets, measured in one run (figures in bench/RESULTS.md):
#   1. `bulletin serve` starts and answers /healthz: time from the spawn to the first 200, median;
#   2. classify through the API (POST /api/classify, curl) against `bulletin classify --format jsonl`
#      (the whole process) on the same page: data/samples/page-1.txt and a page of SIZE_MB MB made of
#      the sample pages; runs alternated, medians, ratio API / CLI.
#
#   bench/serve.sh                 # RUNS=7 SIZE_MB=5
#
# Environment: RUNS (default 7), SIZE_MB (default 5), PROFILE (cargo profile, default profiling:
# release speed with thin LTO), SKIP_BUILD=1 to reuse the binary. Needs curl.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS="${RUNS:-7}"
SIZE_MB="${SIZE_MB:-5}"
PROFILE="${PROFILE:-profiling}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building bulletin ($PROFILE profile)"
    cargo build -q --profile "$PROFILE" -p bulletin-cli
fi
BULLETIN="$TARGET_DIR/$PROFILE/bulletin"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The large page: the sample pages repeated until SIZE_MB MB.
BIG="$OUT/serve-page.txt"
: > "$BIG"
while [ "$(filesize "$BIG")" -lt $((SIZE_MB * 1000000)) ]; do
    for page in data/samples/page-*.txt; do cat "$page"; printf '\n\n'; done >> "$BIG"
done

# 1. Start-up: spawn, then poll /healthz every 5 ms. The first run creates the model folder
# (writes model-0.bin); later runs find it.
startups=()
for run in $(seq 1 "$RUNS"); do
    port=$((20000 + RANDOM % 20000))
    start=$(now)
    (cd "$WORK" && exec "$BULLETIN" serve --addr "127.0.0.1:$port" > "$WORK/url.txt" 2> /dev/null) &
    SERVER_PID=$!
    until curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1; do sleep 0.005; done
    startups+=("$(calc "$(now) - $start")")
    if [ "$run" -lt "$RUNS" ]; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi
done
startup=$(printf '%s\n' "${startups[@]}" | median)
URL="$(head -1 "$WORK/url.txt")"
BASE="${URL%%/\?*}"
TOKEN="${URL##*token=}"
log "serving at $BASE"

# 2. classify: API vs CLI, alternated.
time_api() { local s; s=$(now); curl -sf -H "X-Bulletin-Token: $TOKEN" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$1" "$BASE/api/classify" > "$WORK/api.json"; calc "$(now) - $s"; }
time_cli() { local s; s=$(now); "$BULLETIN" classify --format jsonl "$1" > "$WORK/cli.jsonl"; calc "$(now) - $s"; }
report() {
    local name="$1" file="$2" api=() cli=()
    time_api "$file" > /dev/null # warm the page cache and the server's first request
    for _ in $(seq 1 "$RUNS"); do api+=("$(time_api "$file")"); cli+=("$(time_cli "$file")"); done
    local a c
    a=$(printf '%s\n' "${api[@]}" | median)
    c=$(printf '%s\n' "${cli[@]}" | median)
    python3 - "$WORK/api.json" "$WORK/cli.jsonl" <<'PY'
import json, sys
api = json.load(open(sys.argv[1]))["pieces"]
cli = [json.loads(l) for l in open(sys.argv[2])]
for p in api + cli:
    p.pop("source", None)
assert api == cli, "the API and the CLI disagree"
PY
    printf '| %s | %s | %.3f s | %.3f s | %.2f |\n' "$name" "$(filesize "$file") bytes" "$a" "$c" "$(calc "$a / $c")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); date: $(date -u +%FT%RZ); commit: $(git rev-parse --short HEAD); profile: $PROFILE; runs: $RUNS (medians)"
echo
echo "start-up to the first /healthz answer: $(printf '%.0f' "$(calc "$startup * 1000")") ms (median of $RUNS; runs: ${startups[*]})"
echo
echo "| page | size | API (curl, request only) | CLI (whole process) | API / CLI |"
echo "|---|---|---|---|---|"
report "data/samples/page-1.txt" data/samples/page-1.txt
report "sample pages repeated" "$BIG"
