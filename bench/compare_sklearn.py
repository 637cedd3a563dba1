#!/usr/bin/env python3
"""Peer comparison: jieba + scikit-learn naive Bayes on the same data, folds and granularity as bulletin.

Install:  pip install jieba scikit-learn
Run:      python3 bench/compare_sklearn.py [--folds 5] [--seed 42] [--json]
          [--bulletin target/release/bulletin]   # also run bulletin on the same splits

It trains scikit-learn's MultinomialNB and ComplementNB on CountVectorizer(tokenizer=jieba.lcut,
token_pattern=None) features, on the same training pieces as `bulletin train --granularity both`
(each article with its primary label, plus each paragraph with its primary paragraph label), and
scores them exactly as `bulletin eval` does:
  * article level:   every test article (title + text), truth = labels[0];
  * paragraph level: every paragraph of every test article (truth = paragraph_labels[i][0]) plus
                     every record of data/test/paragraphs.jsonl.
Cross-validation uses bulletin's fold assignment (bulletin_classifier::cv::assign_folds): within each
primary label, records sorted by sha256(f"{seed}:{id}") hex; position i of the whole sorted list goes
to fold i % k.
With --throughput FILE it also times jieba + CountVectorizer + MultinomialNB prediction over a
large page file (see bench/throughput.sh).
"""
import argparse, glob, hashlib, json, os, statistics, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THEMES = ["investment", "hightech", "financing", "transfer", "other"]


def load(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    out.append(json.loads(line))
    return out


def paragraphs(rec):
    return [l.strip() for l in rec["text"].split("\n") if l.strip() and not l.strip().startswith("##")]


def training_pieces(records):
    X, y = [], []
    for r in records:
        X.append((r.get("title", "") + "\n" + r["text"]))
        y.append(r["labels"][0])
        for p, pl in zip(paragraphs(r), r.get("paragraph_labels") or []):
            X.append(p)
            y.append(pl[0])
    return X, y


def article_eval_set(records):
    return [(r.get("title", "") + "\n" + r["text"], r["labels"][0]) for r in records if "paragraph_labels" in r or "title" in r]


def paragraph_eval_set(records):
    out = []
    for r in records:
        if "paragraph_labels" in r:
            out += [(p, pl[0]) for p, pl in zip(paragraphs(r), r["paragraph_labels"])]
        else:
            out.append((r["text"], r["labels"][0]))
    return out


def macro_f1(truth, pred):
    from sklearn.metrics import f1_score
    labels = sorted(set(truth) | set(pred))
    return f1_score(truth, pred, labels=labels, average="macro", zero_division=0)


def folds(records, k, seed):
    keyed = sorted((THEMES.index(r["labels"][0]), hashlib.sha256(f"{seed}:{r['id']}".encode()).hexdigest(), i) for i, r in enumerate(records))
    out = [0] * len(records)
    for pos, (_, _, i) in enumerate(keyed):
        out[i] = pos % k
    return out


def models():
    import jieba
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import ComplementNB, MultinomialNB
    from sklearn.pipeline import make_pipeline
    jieba.setLogLevel(60)
    vec = lambda: CountVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=True)
    return {"MultinomialNB": lambda: make_pipeline(vec(), MultinomialNB()), "ComplementNB": lambda: make_pipeline(vec(), ComplementNB())}


def score(model_factory, train_records, test_records):
    X, y = training_pieces(train_records)
    m = model_factory().fit(X, y)
    res = {}
    for level, data in (("article", article_eval_set(test_records)), ("paragraph", paragraph_eval_set(test_records))):
        if data:
            texts, truth = zip(*data)
            res[level] = macro_f1(list(truth), list(m.predict(list(texts))))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--throughput", metavar="FILE", help="time end-to-end classification of a large page file")
    args = ap.parse_args()

    train = load(sorted(glob.glob(os.path.join(ROOT, "data/train/*.jsonl"))))
    test = load(sorted(glob.glob(os.path.join(ROOT, "data/test/*.jsonl"))))
    report = {}
    for name, factory in models().items():
        entry = {"test": score(factory, train, test)}
        fa = folds(train, args.folds, args.seed)
        per = {"article": [], "paragraph": []}
        for k in range(args.folds):
            tr = [r for r, f in zip(train, fa) if f != k]
            te = [r for r, f in zip(train, fa) if f == k]
            s = score(factory, tr, te)
            for level in per:
                per[level].append(s[level])
        entry["cv"] = {level: {"mean": statistics.mean(v), "std": statistics.pstdev(v), "folds": v} for level, v in per.items()}
        report[name] = entry

    if args.throughput:
        import jieba
        X, y = training_pieces(train)
        m = models()["MultinomialNB"]().fit(X, y)
        with open(args.throughput, encoding="utf-8") as f:
            text = f.read()
        pieces = [p for p in text.split("\n\n\n") if p.strip()]
        t0 = time.perf_counter()
        m.predict(pieces)
        dt = time.perf_counter() - t0
        mb = len(text.encode("utf-8")) / 1e6
        t0 = time.perf_counter()
        for p in pieces:
            jieba.lcut(p)
        dj = time.perf_counter() - t0
        report["throughput"] = {"mb": mb, "sklearn_seconds": dt, "sklearn_mb_s": mb / dt, "jieba_cut_mb_s": mb / dj}

    if args.json:
        print(json.dumps(report, indent=2))
        return
    for name, e in report.items():
        if name == "throughput":
            print(f"throughput: jieba+sklearn {e['sklearn_mb_s']:.2f} MB/s over {e['mb']:.1f} MB (python jieba.lcut alone {e['jieba_cut_mb_s']:.2f} MB/s)")
            continue
        t, cv = e["test"], e["cv"]
        print(f"{name:14} test macro-F1 article {t['article']:.4f} paragraph {t['paragraph']:.4f} | "
              f"{args.folds}-fold CV article {cv['article']['mean']:.4f}±{cv['article']['std']:.4f} "
              f"paragraph {cv['paragraph']['mean']:.4f}±{cv['paragraph']['std']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
