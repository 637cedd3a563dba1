#!/usr/bin/env bash
# Throughput benchmark for issue 7: bare jieba-rs `cut` vs `bulletin classify` / `bulletin train`,
# all measured in ONE run so the ratios are comparable on shared, noisy machines.
#
#   bench/throughput.sh                 # 50 MB input (a few minutes on 2 cores)
#   SIZE_MB=10 bench/throughput.sh      # quick run
#
# Environment:
#   SIZE_MB        size of the generated page file (default 50)
#   PY_SIZE_MB     size of the file given to the Python peer and to bulletin for target 4 (default: SIZE_MB,
#                  the same large input as target 1; the peer's time excludes its start-up — model fit and
#                  jieba's dictionary — while bulletin's whole-process time includes it)
#   COLD_RUNS      runs of each program for the cold start, alternated, medians taken (default 21)
#   RUNS           runs of each classify and train variant (one thread / all threads), alternated,
#                  medians taken (default 3); RSS is the largest over the runs
#   THREADS        thread count for the parallel run (default: nproc)
#   CARGO_TARGET_DIR  where cargo builds (default: target/)
#   SKIP_BUILD=1   reuse existing release binaries
#   SKIP_PYTHON=1  skip the Python (jieba + scikit-learn) peer
#
# Generated inputs live under bench/out/ (gitignored). MB = 10^6 bytes throughout.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SIZE_MB="${SIZE_MB:-50}"
PY_SIZE_MB="${PY_SIZE_MB:-$SIZE_MB}"
COLD_RUNS="${COLD_RUNS:-21}"
RUNS="${RUNS:-3}"
NPROC="$(nproc)"
THREADS="${THREADS:-$NPROC}"
[ "$THREADS" -lt 2 ] && THREADS=2

# ---------------------------------------------------------------------------------------------- build
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries (bulletin, bare_cut)"
    cargo build --release -p bulletin-cli >&2
    cargo build --release -p bulletin-segmenter --example bare_cut >&2
fi
BULLETIN="$TARGET_DIR/release/bulletin"
BARE="$TARGET_DIR/release/examples/bare_cut"
for b in "$BULLETIN" "$BARE"; do [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }; done

find_gnu_time
[ -n "$GNU_TIME" ] || log "no GNU time: RSS will not be measured"

# ---------------------------------------------------------------------------------------- generation
BIG="$OUT/big.txt"
SMALL="$OUT/big-small.txt"
TRAIN="$OUT/train-big.jsonl"
log "generating inputs: $BIG (${SIZE_MB} MB), $SMALL (${PY_SIZE_MB} MB), $TRAIN (~${SIZE_MB} MB of text)"
python3 - "$ROOT" "$SIZE_MB" "$PY_SIZE_MB" "$BIG" "$SMALL" "$TRAIN" <<'PY'
import glob, json, os, sys
root, size_mb, py_mb, big, small, train = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:]

# Pages: the sample pages plus each test article laid out as a page ("# title" then the text).
pages = []
for p in sorted(glob.glob(os.path.join(root, "data/samples/page-*.txt"))):
    with open(p, encoding="utf-8") as f:
        pages.append(f.read().strip("\n"))
with open(os.path.join(root, "data/test/articles.jsonl"), encoding="utf-8") as f:
    for line in f:
        if line.strip():
            r = json.loads(line)
            pages.append(f"# {r['title']}\n{r['text'].strip()}")
# Pages are separated by two blank lines (compare_sklearn.py splits on "\n\n\n").
unit = ("\n\n\n".join(pages) + "\n\n\n").encode("utf-8")

def write_pages(path, mb):
    target = int(mb * 1e6)
    n = max(1, -(-target // len(unit)))
    with open(path, "wb") as f:
        for _ in range(n):
            f.write(unit)

write_pages(big, size_mb)
write_pages(small, py_mb)

# Training records repeated with fresh ids until their title + text reach the same volume.
records = []
for p in sorted(glob.glob(os.path.join(root, "data/train/*.jsonl"))):
    with open(p, encoding="utf-8") as f:
        records += [json.loads(l) for l in f if l.strip()]
text_bytes = sum(len((r["title"] + "\n" + r["text"]).encode("utf-8")) for r in records)
reps = max(1, -(-int(size_mb * 1e6) // text_bytes))
with open(train, "w", encoding="utf-8") as f:
    for k in range(reps):
        for r in records:
            r2 = dict(r)
            r2["id"] = f"{r['id']}-x{k}"
            f.write(json.dumps(r2, ensure_ascii=False) + "\n")
with open(train + ".textbytes", "w") as f:
    f.write(str(text_bytes * reps))
PY
BIG_BYTES=$(filesize "$BIG")
BIG_MB=$(calc "$BIG_BYTES / 1e6")
TRAIN_TEXT_BYTES=$(cat "$TRAIN.textbytes")
TRAIN_MB=$(calc "$TRAIN_TEXT_BYTES / 1e6")
log "big.txt $BIG_MB MB; train-big.jsonl $(calc "$(filesize "$TRAIN") / 1e6") MB on disk, $TRAIN_MB MB of title+text"

# Run a command with its stdout to $2, recording wall time (seconds) in WALL and peak RSS (KiB) in RSS.
timed() {
    local out="$1"; shift
    local tv="$OUT/time-v.txt" t0 t1
    t0=$(now)
    if [ -n "$GNU_TIME" ]; then
        "$GNU_TIME" -v -o "$tv" "$@" >"$out"
    else
        "$@" >"$out"
    fi
    t1=$(now)
    WALL=$(calc "$t1 - $t0")
    if [ -n "$GNU_TIME" ]; then
        RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
    else
        RSS=0
    fi
}

# ------------------------------------------------------------------------------- (a) bare jieba-rs cut
# HMM on is measured again beside each classify run below (target 1's ratio uses the medians).
log "(a) bare cut, HMM on and off"
read -r _ _ A_MBS A_TOK < <("$BARE" "$BIG")
echo "$A_MBS" >"$OUT/bare-mbs.txt"
read -r _ _ A0_MBS _ < <("$BARE" --no-hmm "$BIG")
log "    HMM on: $A_MBS MB/s ($A_TOK tokens); HMM off: $A0_MBS MB/s"
# Whole-process bare cut (includes read + dictionary load), for reference against classify's wall time.
timed /dev/null "$BARE" "$BIG"
A_WALL=$WALL
A_WALL_MBS=$(calc "$BIG_MB / $A_WALL")

# ------------------------------------------------------------- (b, c) classify, one thread and THREADS
# Bare cut, the one-thread and the THREADS-thread runs alternate, RUNS times each, so a drift of the
# machine's speed (it is shared) hits all alike; medians are taken, RSS is the largest seen.
log "(b, c) bare cut, bulletin classify --threads 1 and --threads $THREADS, $RUNS alternated runs of each (classify: whole-process wall time)"
: >"$OUT/classify-t1.txt"; : >"$OUT/classify-tN.txt"
B_RSS=0; C_RSS=0; C_SAME=identical
for ((i = 0; i < RUNS; i++)); do
    [ "$i" -gt 0 ] && read -r _ _ mbs _ < <("$BARE" "$BIG") && echo "$mbs" >>"$OUT/bare-mbs.txt"
    timed "$OUT/classify-t1.jsonl" "$BULLETIN" classify --threads 1 --format jsonl "$BIG"
    echo "$WALL" >>"$OUT/classify-t1.txt"; [ "$RSS" -gt "$B_RSS" ] && B_RSS=$RSS
    timed "$OUT/classify-tN.jsonl" "$BULLETIN" classify --threads "$THREADS" --format jsonl "$BIG"
    echo "$WALL" >>"$OUT/classify-tN.txt"; [ "$RSS" -gt "$C_RSS" ] && C_RSS=$RSS
    cmp -s "$OUT/classify-t1.jsonl" "$OUT/classify-tN.jsonl" || C_SAME=DIFFERENT
done
A_MBS=$(calc "$(median <"$OUT/bare-mbs.txt")")
log "    bare cut (HMM on): $(paste -sd' ' "$OUT/bare-mbs.txt") MB/s -> median $A_MBS MB/s"
B_WALL=$(median <"$OUT/classify-t1.txt"); C_WALL=$(median <"$OUT/classify-tN.txt")
B_MBS=$(calc "$BIG_MB / $B_WALL"); C_MBS=$(calc "$BIG_MB / $C_WALL")
log "    one thread: $(paste -sd' ' "$OUT/classify-t1.txt") s -> median $B_WALL s, $B_MBS MB/s, RSS $B_RSS KiB, $(wc -l <"$OUT/classify-t1.jsonl") pieces"
log "    $THREADS threads: $(paste -sd' ' "$OUT/classify-tN.txt") s -> median $C_WALL s, $C_MBS MB/s, output $C_SAME to --threads 1"
rm -f "$OUT/classify-tN.jsonl"

# ------------------------------------------------------------------------------------- (d) train
log "(d) bulletin train, pinned to one core (taskset -c 0) and on all cores, $RUNS alternated runs of each"
if command -v taskset >/dev/null; then PIN=(taskset -c 0); else PIN=(); fi
: >"$OUT/train-t1.txt"; : >"$OUT/train-tN.txt"
D_RSS=0; D_SAME=identical
for ((i = 0; i < RUNS; i++)); do
    timed /dev/null "${PIN[@]}" "$BULLETIN" train --data "$TRAIN" --out "$OUT/model-t1.bin" 2>"$OUT/train-t1.log"
    echo "$WALL" >>"$OUT/train-t1.txt"; [ "$RSS" -gt "$D_RSS" ] && D_RSS=$RSS
    timed /dev/null "$BULLETIN" train --data "$TRAIN" --out "$OUT/model-tN.bin" 2>"$OUT/train-tN.log"
    echo "$WALL" >>"$OUT/train-tN.txt"
    cmp -s "$OUT/model-t1.bin" "$OUT/model-tN.bin" || D_SAME=DIFFERENT
done
D_WALL=$(median <"$OUT/train-t1.txt"); DN_WALL=$(median <"$OUT/train-tN.txt")
D_MBS=$(calc "$TRAIN_MB / $D_WALL"); DN_MBS=$(calc "$TRAIN_MB / $DN_WALL")
log "    1 core: $(paste -sd' ' "$OUT/train-t1.txt") s -> median $D_WALL s ($D_MBS MB/s, RSS $D_RSS KiB)"
log "    all cores: $(paste -sd' ' "$OUT/train-tN.txt") s -> median $DN_WALL s; models $D_SAME"

# -------------------------------------------------------------------------------- (e) cold start
PAGE="$ROOT/data/samples/page-1.txt"
log "(e) cold start on $PAGE, $COLD_RUNS alternated runs of each, medians"
# The two programs run alternately, so a drift of the machine's speed (it is shared) hits both
# alike; each side's median is taken.
once() {
    local t0 t1
    t0=$(now); "$@" >/dev/null; t1=$(now)
    awk "BEGIN { printf \"%.6f\\n\", $t1 - $t0 }"
}
"$BULLETIN" classify "$PAGE" >/dev/null; "$BARE" --cold "$PAGE" >/dev/null   # warm the page cache
: >"$OUT/cold-bare.txt"; : >"$OUT/cold-bulletin.txt"
for ((i = 0; i < COLD_RUNS; i++)); do
    once "$BARE" --cold "$PAGE" >>"$OUT/cold-bare.txt"
    once "$BULLETIN" classify "$PAGE" >>"$OUT/cold-bulletin.txt"
done
E_BARE=$(median <"$OUT/cold-bare.txt")
E_CLS=$(median <"$OUT/cold-bulletin.txt")
log "    bare_cut --cold $E_BARE s; bulletin classify $E_CLS s"

# ------------------------------------------------------------------------------------- (f) memory
log "(f) peak RSS of classify on one page"
timed /dev/null "$BULLETIN" classify "$PAGE"
F_RSS_PAGE=$RSS
log "    one page $F_RSS_PAGE KiB; big file (threads 1) $B_RSS KiB, (threads $THREADS) $C_RSS KiB"

# ----------------------------------------------------------------------------- (g) the Python peer
G_STATUS=skipped
if [ "${SKIP_PYTHON:-0}" != 1 ] && python3 -c 'import jieba, sklearn' 2>/dev/null; then
    log "(g) python jieba + scikit-learn on $SMALL, and bulletin classify on the same file"
    python3 bench/compare_sklearn.py --folds 2 --json --throughput "$SMALL" 2>/dev/null >"$OUT/sklearn.json"
    G_PY=$(calc "$(jq -r '.throughput.sklearn_mb_s' "$OUT/sklearn.json")")
    G_PYCUT=$(calc "$(jq -r '.throughput.jieba_cut_mb_s' "$OUT/sklearn.json")")
    SMALL_MB=$(calc "$(filesize "$SMALL") / 1e6")
    timed /dev/null "$BULLETIN" classify --format jsonl "$SMALL"
    G_OURS=$(calc "$SMALL_MB / $WALL")
    timed /dev/null "$BULLETIN" classify --threads 1 --format jsonl "$SMALL"
    G_OURS1=$(calc "$SMALL_MB / $WALL")
    G_STATUS=ok
    log "    jieba+sklearn $G_PY MB/s (jieba.lcut $G_PYCUT MB/s); bulletin classify $G_OURS MB/s ($G_OURS1 on one thread)"
else
    log "(g) python jieba/sklearn not importable (or SKIP_PYTHON=1): peer skipped"
fi

# ------------------------------------------------------------------------------------------ report
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "machine: $NPROC cores ($cpu), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
echo "input: big.txt $BIG_MB MB (sample pages + test articles as pages, repeated); train-big.jsonl $TRAIN_MB MB of title+text"
echo "runs: medians of $RUNS alternated runs (bare cut, classify, train) and of $COLD_RUNS (cold start)"
echo "bare cut (jieba-rs 0.11, one core, cut only): HMM on $A_MBS MB/s, HMM off $A0_MBS MB/s; whole process incl. read + dictionary $A_WALL_MBS MB/s"
echo
pf() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }
row() { printf '| %-46s | %-32s | %-8s | %-9s | %-4s |\n' "$@"; }
row "target" "measured" "ratio" "goal" "pass"
row "----------------------------------------------" "--------------------------------" "--------" "---------" "----"
r=$(calc "$B_MBS / $A_MBS")
row "1 classify --threads 1 vs bare cut (HMM on)" "$B_MBS vs $A_MBS MB/s" "$r" ">= 0.80" "$(pf "$r >= 0.80")"
r=$(calc "$C_MBS / $B_MBS")
row "1 classify --threads $THREADS vs --threads 1" "$C_MBS vs $B_MBS MB/s" "$r" ">= 1.60" "$(pf "$r >= 1.6")"
row "1 output --threads $THREADS == --threads 1" "$C_SAME (cmp)" "-" "identical" "$([ "$C_SAME" = identical ] && echo PASS || echo FAIL)"
r=$(calc "$D_MBS / $A_MBS")
row "2 train (1 core) vs bare cut" "$D_MBS vs $A_MBS MB/s" "$r" ">= 0.70" "$(pf "$r >= 0.70")"
r=$(calc "$DN_MBS / $D_MBS")
row "2 train (all cores) vs train (1 core)" "$DN_MBS vs $D_MBS MB/s" "$r" ">= 1.60" "$(pf "$r >= 1.6")"
row "2 train model all cores == 1 core" "$D_SAME (cmp)" "-" "identical" "$([ "$D_SAME" = identical ] && echo PASS || echo FAIL)"
r=$(calc "$E_CLS / $E_BARE")
row "3 cold start classify page vs bare_cut --cold" "$E_CLS vs $E_BARE s (median)" "$r" "<= 1.25" "$(pf "$r <= 1.25")"
if [ "$G_STATUS" = ok ]; then
    r=$(calc "$G_OURS / $G_PY")
    row "4 classify (all cores, whole process) vs py" "$G_OURS vs $G_PY MB/s" "$r" ">= 30" "$(pf "$r >= 30")"
    r=$(calc "$G_OURS1 / $G_PY")
    row "4 classify --threads 1 vs py (info only)" "$G_OURS1 vs $G_PY MB/s" "$r" "-" "-"
else
    row "4 classify vs jieba+sklearn" "skipped" "-" ">= 30" "-"
fi
if [ -n "$GNU_TIME" ]; then
    m=$(calc "$F_RSS_PAGE / 1024")
    row "5 peak RSS classify one page" "$m MiB" "-" "<= 64 MiB" "$(pf "$m <= 64")"
    m=$(calc "$B_RSS / 1024"); r=$(calc "$B_RSS / 1024 / $BIG_MB")
    row "5 peak RSS classify big.txt (--threads 1)" "$m MiB for $BIG_MB MB" "$r" "bounded" "$(pf "$m <= 64")"
    m=$(calc "$C_RSS / 1024"); r=$(calc "$C_RSS / 1024 / $BIG_MB")
    row "5 peak RSS classify big.txt (--threads $THREADS)" "$m MiB for $BIG_MB MB" "$r" "bounded" "$(pf "$m <= 64")"
    m=$(calc "$D_RSS / 1024")
    row "5 peak RSS train $TRAIN_MB MB (info only)" "$m MiB" "-" "-" "-"
else
    row "5 peak RSS" "not measured (no GNU time)" "-" "<= 64 MiB" "-"
fi
echo
echo "(RSS 'bounded' rows pass when the big-file RSS stays within the one-page budget of 64 MiB; 'ratio' there is MiB per input MB.)"
