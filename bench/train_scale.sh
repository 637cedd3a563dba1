#!/usr/bin/env bash
# Training at scale for issue 7, targets 5 and 6:
#   5. `bulletin train` memory grows with the vocabulary, not with the corpus: a 1 GB training
#      input trains in <= 512 MB peak RSS;
#   6. two shards trained in parallel, then `bulletin merge`d, give the same model as one run.
#
#   bench/train_scale.sh                  # 1 GB input (about 10-15 minutes on 2 cores)
#   TRAIN_GB=0.05 bench/train_scale.sh    # quick run (~50 MB)
#
# Environment:
#   TRAIN_GB          size of the generated JSONL file in GB (10^9 bytes; default 1)
#   SMALL_FRACTION    the second, smaller point is this fraction of the records (default 0.25)
#   SEED              generator seed (default 7)
#   HEAPS_BETA        Heaps'-law exponent of the synthetic names (default 0.7, see below)
#   CARGO_TARGET_DIR  where cargo builds (default: target/)
#   SKIP_BUILD=1      reuse the existing release binary
#   KEEP_DATA=1       keep the generated JSONL files (deleted at the end by default)
#
# The input is NOT the training corpus repeated (that would only prove that duplicates are cheap):
# every record has a fresh id, and is a new article recombined from sentences (split on 。) of
# data/train paragraphs with the same single label, into which synthetic company, zone and person
# names are substituted. New names are minted so that the number of distinct names follows Heaps'
# law, distinct(n) = K * n^HEAPS_BETA in the number n of name occurrences, like the vocabulary of a
# real news stream: it keeps rising with the input, but sub-linearly. Names are built from
# characters of the corpus, so they also create new words, word bigrams and character pairs.
#
# Everything generated lives under bench/out/ (gitignored). MB = 10^6 bytes, MiB = 2^20 bytes.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TRAIN_GB="${TRAIN_GB:-1}"
SMALL_FRACTION="${SMALL_FRACTION:-0.25}"
SEED="${SEED:-7}"
HEAPS_BETA="${HEAPS_BETA:-0.7}"

load() { awk '{ print $1, $2, $3 }' /proc/loadavg; }

START_LOAD="$(load)"
START_UPTIME="$(uptime)"
log "start: $START_UPTIME"

# ---------------------------------------------------------------------------------------------- build
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building the release binary"
    cargo build --release -p bulletin-cli >&2
fi
BULLETIN="$TARGET_DIR/release/bulletin"
[ -x "$BULLETIN" ] || { echo "missing $BULLETIN" >&2; exit 1; }

find_gnu_time
[ -n "$GNU_TIME" ] || { echo "GNU time (/usr/bin/time -v) is required" >&2; exit 1; }

# ---------------------------------------------------------------------------------------- generation
BIG="$OUT/scale-big.jsonl"
SMALL="$OUT/scale-small.jsonl"
SHARD_A="$OUT/scale-shard-a.jsonl"
SHARD_B="$OUT/scale-shard-b.jsonl"
cleanup_data() { rm -f "$BIG" "$SMALL" "$SHARD_A" "$SHARD_B"; }
if [ "${KEEP_DATA:-0}" != 1 ]; then trap cleanup_data EXIT; fi

log "generating $BIG (${TRAIN_GB} GB, seed $SEED, Heaps beta $HEAPS_BETA)"
t0=$(now)
python3 - "$ROOT" "$TRAIN_GB" "$SEED" "$HEAPS_BETA" "$BIG" >"$OUT/scale-gen.txt" <<'PY'
import glob, json, os, random, re, sys

root, gb, seed, beta, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rng = random.Random(seed)
target = int(gb * 1e9)

records = []
for p in sorted(glob.glob(os.path.join(root, "data/train/*.jsonl"))):
    with open(p, encoding="utf-8") as f:
        records += [json.loads(l) for l in f if l.strip()]

# Placeholders: \x01 company, \x02 zone, \x03 person. Existing names in the corpus sentences are
# replaced by placeholders, so every use gets a (possibly new) synthetic name.
COMPANY = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:科技|智能|精密|新材料|生物|医药|光电|装备|电子|能源|材料|技术)?(?:股份)?有限公司")
ZONE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:高新区|开发区|经开区|高新技术产业开发区)")

def template(s):
    s = COMPANY.sub("\x01", s)
    s = ZONE.sub("\x02", s)
    return s

# Sentence pools per label, from paragraphs labelled with exactly that one label in records whose
# primary label is the same: recombined articles then keep consistent article and paragraph labels.
pools, titles, weights = {}, {}, {}
chars = set()
for r in records:
    primary = r["labels"][0]
    weights[primary] = weights.get(primary, 0) + 1
    if r.get("title"):
        titles.setdefault(primary, []).append(template(r["title"]))
    paragraphs = [l for l in r["text"].split("\n") if l.strip() and not l.startswith("## ")]
    for para, labels in zip(paragraphs, r["paragraph_labels"]):
        chars.update(c for c in para if "\u4e00" <= c <= "\u9fff")
        if labels != [primary]:
            continue
        for s in para.split("。"):
            s = s.strip()
            if len(s) >= 6:
                pools.setdefault(primary, []).append(template(s) + "。")
labels = sorted(pools)
label_weights = [weights[l] for l in labels]
syll = sorted(chars)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
CO_SUFFIX = ["科技", "智能", "新材料", "生物", "光电", "精密", "电子", "医药", "装备", "能源", "半导体", "数控"]
ZONE_SUFFIX = ["高新区", "开发区", "经开区", "科技城"]
CONTEXT = ["{p}介绍，{c}目前有员工{n}人。", "{c}负责人{p}也参加了活动。", "{c}位于{z}，成立于{y}年。",
           "记者在{z}见到了{c}的{p}。", "{p}是{c}的创始人之一。"]

class Names:
    """Mints names so that distinct(n) ~ K * n^beta (Heaps' law); otherwise reuses one, favouring early names."""
    def __init__(self, k, make):
        self.k, self.make, self.n, self.names, self.seen = k, make, 0, [], set()
    def get(self):
        self.n += 1
        if len(self.names) < self.k * self.n ** beta:
            for _ in range(20):
                name = self.make()
                if name not in self.seen:
                    break
            self.seen.add(name)
            self.names.append(name)
            return name
        return self.names[int(len(self.names) * rng.random() ** 2)]

choice = rng.choice
companies = Names(10, lambda: choice(syll) + choice(syll) + choice(CO_SUFFIX) + "有限公司")
zones = Names(1, lambda: choice(syll) + choice(syll) + choice(ZONE_SUFFIX))
persons = Names(6, lambda: choice(SURNAMES) + choice(syll) + (choice(syll) if rng.random() < 0.7 else ""))

def fill(t, zone):
    if "\x01" in t:
        first, *rest = t.split("\x01")
        t = first + "".join(companies.get() + part for part in rest)
    if "\x02" in t:
        t = t.replace("\x02", zone)
    return t

written = 0
count = 0
text_bytes = 0
with open(out, "w", encoding="utf-8", buffering=1 << 22) as f:
    while written < target:
        count += 1
        label = rng.choices(labels, label_weights)[0]
        pool = pools[label]
        zone = zones.get()
        n_par = rng.randint(1, 6)
        paragraphs = []
        for i in range(n_par):
            sentences = [fill(choice(pool), zone) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.5:
                ctx = choice(CONTEXT).format(p=persons.get(), c=companies.get(), z=zone, n=rng.randint(12, 3000), y=rng.randint(1995, 2024))
                sentences.insert(rng.randint(0, len(sentences)), ctx)
            paragraphs.append("".join(sentences))
        title = fill(choice(titles[label]), zone) if rng.random() < 0.9 else ""
        text = "\n".join(paragraphs)
        rec = {"id": f"scale-{count:09d}", "batch": "scale", "form": "news", "zone": zone, "title": title,
               "text": text, "labels": [label], "paragraph_labels": [[label]] * n_par}
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        written += len(line.encode("utf-8"))
        text_bytes += len(title.encode("utf-8")) + 1 + len(text.encode("utf-8"))
        f.write(line)
print(count, text_bytes, len(companies.names), len(zones.names), len(persons.names))
PY
GEN_WALL=$(calc "$(now) - $t0")
read -r BIG_RECORDS BIG_TEXT_BYTES N_COMPANIES N_ZONES N_PERSONS <"$OUT/scale-gen.txt"
BIG_BYTES=$(filesize "$BIG")
log "    $BIG_RECORDS records, $(calc "$BIG_BYTES / 1e6") MB on disk, $(calc "$BIG_TEXT_BYTES / 1e6") MB of title+text; synthetic names: $N_COMPANIES companies, $N_ZONES zones, $N_PERSONS persons ($GEN_WALL s)"

# The smaller point is a prefix of the big file (the generator is sequential, so the prefix is
# exactly what a smaller TRAIN_GB would have generated); the shards are the two halves.
SMALL_RECORDS=$(awk "BEGIN { printf \"%d\", $BIG_RECORDS * $SMALL_FRACTION }")
head -n "$SMALL_RECORDS" "$BIG" >"$SMALL"
HALF=$((BIG_RECORDS / 2))
head -n "$HALF" "$BIG" >"$SHARD_A"
tail -n +"$((HALF + 1))" "$BIG" >"$SHARD_B"

# Runs `bulletin train`/`merge` under GNU time; sets WALL (s), RSS (KiB), VOCAB (features).
TV="$OUT/scale-time-v"
timed() {
    local name="$1"; shift
    local t0 t1
    t0=$(now)
    /usr/bin/time -v -o "$TV-$name.txt" "$@" 2>"$OUT/scale-$name.log" >/dev/null
    t1=$(now)
    WALL=$(calc "$t1 - $t0")
    RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TV-$name.txt")
    VOCAB=$(sed -n 's/.*vocabulary: \([0-9]*\) features.*/\1/p' "$OUT/scale-$name.log")
}
mib() { calc "$1 / 1024"; }

# ----------------------------------------------------------------------------- (a) smaller, whole
log "(a) bulletin train on the ${SMALL_FRACTION} prefix ($SMALL_RECORDS records)"
SMALL_BYTES=$(filesize "$SMALL")
timed small "$BULLETIN" train --data "$SMALL" --out "$OUT/scale-small.bin"
S_WALL=$WALL; S_RSS=$RSS; S_VOCAB=$VOCAB
log "    $S_WALL s, RSS $(mib "$S_RSS") MiB, vocabulary $S_VOCAB"

# ------------------------------------------------------------------------------- (b) big, whole
log "(b) bulletin train on the whole input ($BIG_RECORDS records)"
timed whole "$BULLETIN" train --data "$BIG" --out "$OUT/scale-whole.bin"
W_WALL=$WALL; W_RSS=$RSS; W_VOCAB=$VOCAB
log "    $W_WALL s, RSS $(mib "$W_RSS") MiB, vocabulary $W_VOCAB"

# -------------------------------------------------------------- (c) two shards in parallel, merge
log "(c) two shards trained in parallel, then merged"
t0=$(now)
/usr/bin/time -v -o "$TV-shard-a.txt" "$BULLETIN" train --data "$SHARD_A" --out "$OUT/scale-shard-a.bin" 2>"$OUT/scale-shard-a.log" >/dev/null &
PID_A=$!
/usr/bin/time -v -o "$TV-shard-b.txt" "$BULLETIN" train --data "$SHARD_B" --out "$OUT/scale-shard-b.bin" 2>"$OUT/scale-shard-b.log" >/dev/null &
PID_B=$!
wait "$PID_A"
wait "$PID_B"
P_WALL=$(calc "$(now) - $t0")
PA_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TV-shard-a.txt")
PB_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TV-shard-b.txt")
PA_VOCAB=$(sed -n 's/.*vocabulary: \([0-9]*\) features.*/\1/p' "$OUT/scale-shard-a.log")
PB_VOCAB=$(sed -n 's/.*vocabulary: \([0-9]*\) features.*/\1/p' "$OUT/scale-shard-b.log")
log "    pair $P_WALL s; RSS $(mib "$PA_RSS") / $(mib "$PB_RSS") MiB; vocabulary $PA_VOCAB / $PB_VOCAB"
timed merge "$BULLETIN" merge "$OUT/scale-shard-a.bin" "$OUT/scale-shard-b.bin" --out "$OUT/scale-merged.bin"
M_WALL=$WALL; M_RSS=$RSS
if cmp -s "$OUT/scale-merged.bin" "$OUT/scale-whole.bin"; then SAME=yes; else SAME=no; fi
log "    merge $M_WALL s, RSS $(mib "$M_RSS") MiB; merged == whole: $SAME"
MODEL_BYTES=$(filesize "$OUT/scale-whole.bin")

# ------------------------------------------------------------------------------------------ report
END_LOAD="$(load)"
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr); shared with other jobs"
echo "load average (1/5/15 min): start $START_LOAD, end $END_LOAD"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- crates 2>/dev/null || echo ' (crates/ dirty)')"
echo "input: TRAIN_GB=$TRAIN_GB, seed $SEED, Heaps beta $HEAPS_BETA; generated in $GEN_WALL s; synthetic names in the full input: $N_COMPANIES companies, $N_ZONES zones, $N_PERSONS persons"
echo "whole model file: $(calc "$MODEL_BYTES / 1e6") MB"
echo
row() { printf '| %-22s | %9s | %9s | %9s | %10s | %8s | %7s | %13s |\n' "$@"; }
row "run" "input MB" "text MB" "records" "vocabulary" "wall s" "MB/s" "peak RSS MiB"
row "----------------------" "---------" "---------" "---------" "----------" "--------" "-------" "-------------"
S_TEXT=$(awk -v n="$SMALL_RECORDS" -v N="$BIG_RECORDS" -v t="$BIG_TEXT_BYTES" 'BEGIN { printf "%.3f", t * n / N / 1e6 }')
row "train ${SMALL_FRACTION} prefix" "$(calc "$SMALL_BYTES / 1e6")" "~$S_TEXT" "$SMALL_RECORDS" "$S_VOCAB" "$S_WALL" "$(calc "$SMALL_BYTES / 1e6 / $S_WALL")" "$(mib "$S_RSS")"
row "train whole" "$(calc "$BIG_BYTES / 1e6")" "$(calc "$BIG_TEXT_BYTES / 1e6")" "$BIG_RECORDS" "$W_VOCAB" "$W_WALL" "$(calc "$BIG_BYTES / 1e6 / $W_WALL")" "$(mib "$W_RSS")"
row "shard a (parallel)" "$(calc "$(filesize "$SHARD_A") / 1e6")" "-" "$HALF" "$PA_VOCAB" "-" "-" "$(mib "$PA_RSS")"
row "shard b (parallel)" "$(calc "$(filesize "$SHARD_B") / 1e6")" "-" "$((BIG_RECORDS - HALF))" "$PB_VOCAB" "-" "-" "$(mib "$PB_RSS")"
row "shards a+b, wall" "$(calc "$BIG_BYTES / 1e6")" "-" "$BIG_RECORDS" "-" "$P_WALL" "$(calc "$BIG_BYTES / 1e6 / $P_WALL")" "-"
row "merge a+b" "-" "-" "-" "-" "$M_WALL" "-" "$(mib "$M_RSS")"
row "shards + merge" "$(calc "$BIG_BYTES / 1e6")" "-" "-" "-" "$(calc "$P_WALL + $M_WALL")" "$(calc "$BIG_BYTES / 1e6 / ($P_WALL + $M_WALL)")" "-"
echo
pf() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }
echo "growth from the ${SMALL_FRACTION} prefix to the whole input: input x$(calc "$BIG_BYTES / $SMALL_BYTES"), vocabulary x$(calc "$W_VOCAB / $S_VOCAB"), peak RSS x$(calc "$W_RSS / $S_RSS")"
echo "target 5, peak RSS of train on $(calc "$BIG_BYTES / 1e6") MB <= 512 MiB: $(mib "$W_RSS") MiB -> $(pf "$W_RSS <= 512 * 1024")$(awk "BEGIN { if ($BIG_BYTES < 0.99e9) print \" (input below 1 GB: not the target size)\" }")"
echo "target 6, merged shard models byte-identical to the whole-input model (cmp): $SAME -> $([ "$SAME" = yes ] && echo PASS || echo FAIL)"
echo "MB/s are JSONL bytes on disk per wall second (whole process); 'text MB' is title + text only."
