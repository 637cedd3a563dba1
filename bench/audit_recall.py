#!/usr/bin/env python3
"""Audit recall on planted label errors (run through bench/audit_recall.sh).

Copies data/train, flips the primary label of 5 % of the single-label records to another theme
(chosen by the seed) and drops their paragraph_labels, runs `bulletin audit -n 0 --format json`
on the copy, and counts how many flipped records appear among the audit's top 2 × (number
flipped) entries. Target: at least 70 %.
"""

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

THEMES = ["investment", "hightech", "financing", "transfer", "other"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", default="data/train")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--share", type=float, default=0.05)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    files = sorted(Path(args.data).rglob("*.jsonl"))
    records = {f: [json.loads(l) for l in f.read_text(encoding="utf-8").splitlines() if l.strip()] for f in files}
    single = [(f, i) for f, rs in records.items() for i, r in enumerate(rs) if len(r["labels"]) == 1]
    flipped = rng.sample(single, round(args.share * len(single)))
    ids = set()
    for f, i in flipped:
        r = records[f][i]
        r["labels"] = [rng.choice([t for t in THEMES if t != r["labels"][0]])]
        r.pop("paragraph_labels", None)
        ids.add(r["id"])
    with tempfile.TemporaryDirectory() as tmp:
        for f, rs in records.items():
            out = Path(tmp) / f.name
            out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rs), encoding="utf-8")
        run = subprocess.run([args.bin, "audit", "--data", tmp, "-n", "0", "--format", "json"], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(run.stderr)
        report = json.loads(run.stdout)
    top = report["entries"][: 2 * len(ids)]
    found = {e["id"] for e in top} & ids
    all_found = {e["id"] for e in report["entries"]} & ids
    print(f"records {report['records']}, single-label {len(single)}, flipped {len(ids)} (seed {args.seed})")
    print(f"label issues listed: {report['issues']}")
    print(f"flipped records among the top {len(top)} entries: {len(found)} of {len(ids)} = {100*len(found)/len(ids):.1f} %")
    print(f"flipped records anywhere in the list: {len(all_found)} ({100*len(all_found)/len(ids):.1f} %)")
    print("target met (>= 70 %)" if len(found) >= 0.7 * len(ids) else "target NOT met")


if __name__ == "__main__":
    main()
