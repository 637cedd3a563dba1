#!/usr/bin/env bash
# Audit recall on planted label errors in a copy of data/train (bench/audit_recall.py).
# Not part of .ci/run: it trains 5 fold models on the whole training corpus.
#
#   bash bench/audit_recall.sh [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
  cargo build --profile profiling -p bulletin-cli --quiet
  BIN=target/profiling/bulletin
fi
python3 bench/audit_recall.py --bin "$BIN" "$@"
