#!/usr/bin/env bash
# Where single-threaded `bulletin classify` spends its time, in the categories that decide issue 7's
# target 1 (>= 0.80x the throughput of bare jieba-rs `cut`): jieba's own cutting, jieba's dictionary
# build, OpenCC's traditional-to-simplified conversion, the model's lookup tables, and everything
# else. Shares are of all CPU samples (perf record) of one run over the input of bench/throughput.sh.
#
#   bench/profile.sh                 # bench/out/big.txt, made by bench/throughput.sh (SIZE_MB=50)
#   INPUT=some/pages.txt bench/profile.sh
#
# Needs perf (Debian's linux-perf). Builds the `profiling` profile (release with symbols).
# The last line prints the budget of target 1: at 0.80x, everything but jieba's cutting may cost at
# most a quarter of jieba's cutting.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
INPUT="${INPUT:-$OUT/big.txt}"
[ -f "$INPUT" ] || { echo "missing $INPUT: run bench/throughput.sh first, or set INPUT" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building the profiling binary"
    cargo build --profile profiling -p bulletin-cli >&2
fi
BULLETIN="$TARGET_DIR/profiling/bulletin"

log "perf record: bulletin classify --threads 1 --format jsonl $INPUT"
perf record -q -F 4000 -o "$OUT/perf.data" "$BULLETIN" classify --threads 1 --format jsonl "$INPUT" >/dev/null 2>"$OUT/perf.err"
perf report -i "$OUT/perf.data" --no-children --percent-limit 0 --stdio -g none 2>/dev/null >"$OUT/perf.txt"

python3 - "$OUT/perf.txt" <<'PY'
import re, sys

# Symbol fragments of each category; the first category that matches a symbol takes it.
CATEGORIES = [
    ("jieba: cutting", ["jieba_rs::Jieba::dag", "jieba_rs::Jieba::calc", "jieba_rs::Jieba::cut", "jieba_rs::hmm", "HmmSkipSplitter", "bytecount"]),
    ("jieba: dictionary build (start-up)", ["CharTrie::insert", "load_default_dict", "push_record", "ZSTD", "Jieba::new", "finish_load"]),
    ("OpenCC t2s (traditional text)", ["ferrous_opencc", "fst::"]),
    ("model lookup tables (scoring)", ["LinearScorer", "HashMap<K,V,S,A>::get", "score_linear"]),
]
shares = {name: 0.0 for name, _ in CATEGORIES}
rest = 0.0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"\s+([0-9.]+)%\s+\S+\s+\S+\s+\[.\]\s+(.*)", line)
    if not m:
        continue
    share, symbol = float(m.group(1)), m.group(2)
    for name, fragments in CATEGORIES:
        if any(f in symbol for f in fragments):
            shares[name] += share
            break
    else:
        rest += share
cut = shares["jieba: cutting"]
for name, _ in CATEGORIES:
    print(f"{name:40} {shares[name]:6.1f} %")
print(f"{'everything else':40} {rest:6.1f} %")
others = 100.0 - cut
print(f"\neverything but jieba's cutting costs {others / cut:.2f}x jieba's cutting; "
      f"target 1 (0.80x bare cut) allows at most 0.25x")
PY
