#!/usr/bin/env bash
# Simulated labelling on data/train: `bulletin suggest` against random choice (see
# bench/active_learning.py for the protocol). Not part of .ci/run: it trains about 160 models.
#
#   bash bench/active_learning.sh            # build with the profiling profile, then run
#   BIN=target/release/bulletin bash bench/active_learning.sh
#
# Prints the curve (mean ± sd of 5 seeds per round) and whether the target is met, and writes
# bench/active_learning.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
  cargo build --profile profiling -p bulletin-cli --quiet
  BIN=target/profiling/bulletin
fi
python3 bench/active_learning.py --bin "$BIN" "$@"
