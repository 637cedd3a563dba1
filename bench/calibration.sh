#!/usr/bin/env bash
# Compares calibration methods on out-of-fold scores of the training data (issue: trustworthy
# confidence). Usage: bench/calibration.sh [DATA] [K]   (defaults: data/train 5)
# Prints ECE, NLL, Brier and the share and accuracy of pieces at >= 0.99 per method, cross-fitted
# (fitted on even folds, measured on odd ones and the other way round); see the example's docs.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DATA="${1:-data/train}"
K="${2:-5}"
log "building the example (profiling profile: release speed, thin LTO)"
cargo build -q --profile profiling -p bulletin-classifier --example calibration_methods
"$TARGET_DIR/profiling/examples/calibration_methods" "$DATA" "$K" | tee "$OUT/calibration.txt"
