#!/usr/bin/env python3
"""Simulated labelling: does `bulletin suggest` spend labels better than random choice?

Run through bench/active_learning.sh (which builds the binary). On a fixed 80/20 split of
data/train (stratified by primary label, by the SHA-256 of each id, the same for every seed):

- start from 50 labelled records of the 80 % pool, 10 per theme, chosen by the seed;
- each round, train a model on the labelled records (`bulletin train`), score it on the held-out
  20 % (`bulletin eval`, article macro-F1), then label 50 more records, chosen by
  `bulletin suggest --input-format records` on the rest of the pool with that model, or at
  random (the seed's);
- rounds go on until half of the pool is labelled; the whole pool is trained on once.

Averaged over 5 seeds, it prints the curve, writes it as an SVG plot, and checks the target:
with at most 50 % of the pool labelled, suggest reaches the macro-F1 that random reaches with the
whole pool, and it is ahead of random at every round up to 50 %.
"""

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def read_records(data_dir):
    records = []
    for path in sorted(Path(data_dir).rglob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    records.append(json.loads(line))
    return records


def split(records):
    """Fixed stratified 80/20 split: within each primary label, by hash, every fifth to test."""
    by_label = {}
    for r in records:
        by_label.setdefault(r["labels"][0], []).append(r)
    pool, test = [], []
    for label in sorted(by_label):
        for i, r in enumerate(sorted(by_label[label], key=lambda r: sha("split:" + r["id"]))):
            (test if i % 5 == 0 else pool).append(r)
    return pool, test


def write(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return out.stdout


def train_eval(binary, work, name, labelled, test_path):
    data = work / f"{name}.jsonl"
    model = work / f"{name}.bin"
    write(data, labelled)
    run([binary, "train", "--data", str(data), "--out", str(model)])
    report = json.loads(run([binary, "eval", "--data", str(test_path), "--model", str(model), "--format", "json"]))
    return report["macro_f1"], model


def suggest(binary, work, model, unlabelled, n, seed):
    pool = work / "unlabelled.jsonl"
    drafts = work / "drafts.jsonl"
    # Only what a user would have: no labels.
    write(pool, [{"id": r["id"], "title": r.get("title", ""), "text": r["text"]} for r in unlabelled])
    run([binary, "suggest", "--input-format", "records", str(pool), "--model", str(model), "-n", str(n),
         "--seed", str(seed), "--out", str(drafts), "--format", "json"])
    with open(drafts, encoding="utf-8") as f:
        return [json.loads(line)["id"] for line in f if line.strip()]


def initial(pool, seed, per_theme):
    by_label = {}
    for r in pool:
        by_label.setdefault(r["labels"][0], []).append(r)
    chosen = []
    for label in sorted(by_label):
        chosen += sorted(by_label[label], key=lambda r: sha(f"{seed}:{r['id']}"))[:per_theme]
    return chosen


def simulate(binary, work, pool, test_path, seed, start, step, stop):
    """Both strategies round by round (so that a run cut short still compares them)."""
    themes = len({r["labels"][0] for r in pool})
    first = initial(pool, seed, start // themes)
    rng = random.Random(seed)
    state = {s: (list(first), {r["id"] for r in first}) for s in ("suggest", "random")}
    curves = {"suggest": [], "random": []}
    while True:
        models = {}
        for strategy in ("suggest", "random"):
            labelled, _ = state[strategy]
            if strategy == "random" and len(labelled) == len(first):
                f1, model = curves["suggest"][-1][1], models["suggest"]  # the same start
            else:
                f1, model = train_eval(binary, work, f"s{seed}-{strategy}", labelled, test_path)
            models[strategy] = model
            curves[strategy].append((len(labelled), f1))
            print(f"  seed {seed} {strategy:7} {len(labelled):5} labelled: macro-F1 {f1:.4f}", file=sys.stderr, flush=True)
        if len(state["suggest"][0]) + step > stop:
            return curves
        for strategy in ("suggest", "random"):
            labelled, ids = state[strategy]
            rest = [r for r in pool if r["id"] not in ids]
            if strategy == "suggest":
                picked = set(suggest(binary, work, models[strategy], rest, step, seed))
                new = [r for r in rest if r["id"] in picked]
            else:
                new = rng.sample(rest, step)
            labelled += new
            ids |= {r["id"] for r in new}


def svg(path, rounds, mean, full, pool_size):
    width, height, left, bottom, top, right = 640, 400, 60, 50, 20, 20
    xs = [n for n in rounds]
    lo = min(min(mean["suggest"]), min(mean["random"]), full) - 0.01
    hi = max(max(mean["suggest"]), max(mean["random"]), full) + 0.005
    x = lambda n: left + (n - xs[0]) / (xs[-1] - xs[0]) * (width - left - right)
    y = lambda v: top + (hi - v) / (hi - lo) * (height - top - bottom)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<line x1="{left}" y1="{height-bottom}" x2="{width-right}" y2="{height-bottom}" stroke="black"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height-bottom}" stroke="black"/>']
    for i in range(6):
        v = lo + (hi - lo) * i / 5
        parts.append(f'<text x="{left-6}" y="{y(v)+4:.1f}" text-anchor="end">{v:.3f}</text>')
    for n in xs[:: max(1, len(xs) // 8)]:
        parts.append(f'<text x="{x(n):.1f}" y="{height-bottom+16}" text-anchor="middle">{n}</text>')
    parts.append(f'<text x="{(left+width-right)/2}" y="{height-8}" text-anchor="middle">labelled records (pool of {pool_size})</text>')
    parts.append(f'<text x="14" y="{(top+height-bottom)/2}" transform="rotate(-90 14 {(top+height-bottom)/2})" text-anchor="middle">held-out macro-F1 (mean of 5 seeds)</text>')
    parts.append(f'<line x1="{left}" y1="{y(full):.1f}" x2="{width-right}" y2="{y(full):.1f}" stroke="gray" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{width-right-4}" y="{y(full)-4:.1f}" text-anchor="end" fill="gray">whole pool {full:.4f}</text>')
    for strategy, colour in (("suggest", "#1f77b4"), ("random", "#d62728")):
        points = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in zip(xs, mean[strategy]))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append(f'<text x="{left+10}" y="{height-bottom-30}" fill="#1f77b4">bulletin suggest</text>')
    parts.append(f'<text x="{left+10}" y="{height-bottom-14}" fill="#d62728">random</text>')
    parts.append("</svg>")
    Path(path).write_text("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", default="data/train")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--start", type=int, default=50)
    ap.add_argument("--step", type=int, default=50)
    ap.add_argument("--svg", default="bench/active_learning.svg")
    ap.add_argument("--full", type=float, help="the whole-pool macro-F1 of an earlier run (skips that training)")
    args = ap.parse_args()
    pool, test = split(read_records(args.data))
    stop = len(pool) // 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        test_path = work / "test.jsonl"
        write(test_path, test)
        full = args.full if args.full is not None else train_eval(args.bin, work, "full", pool, test_path)[0]
        print(f"pool {len(pool)}, held out {len(test)}, whole pool macro-F1 {full:.4f}", file=sys.stderr)
        runs = [simulate(args.bin, work, pool, test_path, seed, args.start, args.step, stop) for seed in range(1, args.seeds + 1)]
    rounds = [n for n, _ in runs[0]["suggest"]]
    mean, sd = {}, {}
    for strategy in ("suggest", "random"):
        per_round = list(zip(*[[f1 for _, f1 in r[strategy]] for r in runs]))
        mean[strategy] = [statistics.mean(v) for v in per_round]
        sd[strategy] = [statistics.stdev(v) if len(v) > 1 else 0.0 for v in per_round]
    print(f"pool {len(pool)} records, held out {len(test)}; whole pool (random at 100 %): macro-F1 {full:.4f}")
    print(f"{'labelled':>8} {'% pool':>7} {'suggest':>15} {'random':>15}")
    for i, n in enumerate(rounds):
        print(f"{n:8} {100*n/len(pool):6.1f}% {mean['suggest'][i]:.4f} ± {sd['suggest'][i]:.4f} {mean['random'][i]:.4f} ± {sd['random'][i]:.4f}")
    reached = next((n for n, v in zip(rounds, mean["suggest"]) if v >= full), None)
    ahead = [n for n, s, r in zip(rounds, mean["suggest"], mean["random"]) if n > rounds[0] and s <= r]
    print(f"suggest reaches the whole-pool macro-F1 at: {reached if reached else 'not within 50 %'}"
          + (f" ({100*reached/len(pool):.1f} % of the pool)" if reached else ""))
    print("suggest ahead of random at every round after the first: " + ("yes" if not ahead else f"no (not at {ahead})"))
    svg(args.svg, rounds, mean, full, len(pool))
    print(f"plot: {args.svg}")
    ok = reached is not None and not ahead
    print("target met" if ok else "target NOT met")


if __name__ == "__main__":
    main()
