#!/usr/bin/env bash
# Measures the default of `bulletin serve --correction-weight`: for each weight, the share of
# corrected pieces that come out as corrected and the change of 5-fold CV macro-F1 on the training
# data (see the example's docs). Usage: bench/corrections.sh [TRAIN] [FIELD] [K]
# (defaults: data/train data/field 5). Figures in bench/RESULTS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TRAIN="${1:-data/train}"
FIELD="${2:-data/field}"
K="${3:-5}"
log "building the example (profiling profile: release speed, thin LTO)"
cargo build -q --profile profiling -p bulletin-classifier --example correction_weight
"$TARGET_DIR/profiling/examples/correction_weight" "$TRAIN" "$FIELD" "$K" | tee "$OUT/corrections.txt"
