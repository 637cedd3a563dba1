# Shared by bench/throughput.sh and bench/train_scale.sh; source it right after `set -euo pipefail`.
# Sets ROOT (the repository, made the working directory), TARGET_DIR (where cargo builds) and OUT
# (bench/out, created), and defines the helpers below.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.6f\n", a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
filesize() { stat -c %s "$1"; }

# Sets GNU_TIME to /usr/bin/time when GNU time (peak RSS via -v) is there or can be installed,
# else to the empty string.
find_gnu_time() {
    GNU_TIME=/usr/bin/time
    if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then
        return
    fi
    log "/usr/bin/time missing; trying apt-get install time"
    if (apt-get install -y time >/dev/null 2>&1 || sudo -n apt-get install -y time >/dev/null 2>&1) && /usr/bin/time -v true 2>/dev/null; then
        return
    fi
    GNU_TIME=""
}
