//! `subclass=`: each theme as a mixture of multinomials over sub-classes (session 7). A piece's
//! theme log-probability is the log-sum-exp of its sub-classes' joint log-likelihoods; the article
//! vote (`article_vote=W:B`, default 1000:20) uses those theme probabilities, as the tagger does.
//!
//! The multinomial is rebuilt here from counts (the trainer's examples: each record's article —
//! title and every line — and each labelled paragraph), so that sub-classes can be anything:
//! `subclass=theme` (one sub-class per theme: reproduces the built model's decisions),
//! `subclass=topic` (a record's `topic` code of `data/COVERAGE.md`, `<theme>-none` without one),
//! `subclass=em:K` (each theme's article examples in K clusters: spherical k-means on tf-idf
//! vectors of the theme-selected features, then `emit=N` rounds of hard EM under the multinomial)
//! and `subclass=em:other:K` (only `other` split). A paragraph labelled with its record's primary
//! theme takes the record's sub-class; the others follow `pt=`: `para` (`<label>-para`, default),
//! `none` (`<label>-none`), `all` (every paragraph `<label>-para`: only articles are split).
//! `sel=sub|theme` ranks features by χ² against sub-classes (what the trainer would do with a
//! sub-class taxonomy; default) or against themes (the built model's selection); `alpha=`,
//! `top_k=` as the model's.

use std::collections::BTreeMap;

use bulletin_classifier::cv::assign_folds;
use bulletin_classifier::metrics::Confusion;
use bulletin_classifier::{PieceShape, SparseVec, Vocabulary, argmax, normalize_log, remap, to_sparse};
use bulletin_core::{PipelineSettings, Record, Taxonomy};
use bulletin_segmenter::Pipeline;

/// One non-blank line of a record, featurised.
struct Line {
    x: SparseVec,
    /// Features the pipeline emits (the tagger's line length).
    length: u64,
    chars: usize,
    /// The paragraph's primary label, for labelled paragraphs (not headings).
    label: Option<usize>,
}

/// A record, featurised once for every run.
pub struct Doc {
    title: SparseVec,
    title_length: u64,
    title_chars: usize,
    lines: Vec<Line>,
    article: SparseVec,
    labels: Vec<usize>,
    topic: Option<String>,
    one_line: bool,
}

/// Every record featurised with the pipeline of `settings`, in a canonical (sorted) vocabulary as
/// a model's, so χ² ties break as the trainer breaks them. Returns the documents and the number
/// of features.
pub fn featurise(records: &[Record], settings: &PipelineSettings) -> Result<(Vec<Doc>, usize), Box<dyn std::error::Error>> {
    let taxonomy = Taxonomy::builtin();
    let pipeline = Pipeline::new(settings)?;
    let mut vocab = Vocabulary::new();
    let mut docs = Vec::new();
    for r in records {
        let mut ids = Vec::new();
        pipeline.for_each_feature_ref(&r.title, "", |f| ids.push(vocab.intern_feature(f)));
        let title_length = ids.len() as u64;
        let title = to_sparse(ids);
        let mut labels = r.paragraph_labels.iter().flatten();
        let mut lines = Vec::new();
        for line in r.text.split('\n') {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let label = if trimmed.starts_with("##") {
                None
            } else {
                labels.next().and_then(|l| l.first()).map(|l| taxonomy.resolve(l)).transpose()?
            };
            let mut ids = Vec::new();
            pipeline.for_each_feature_ref("", line, |f| ids.push(vocab.intern_feature(f)));
            lines.push(Line { length: ids.len() as u64, x: to_sparse(ids), chars: trimmed.chars().count(), label });
        }
        docs.push(Doc {
            title,
            title_length,
            title_chars: r.title.trim().chars().count(),
            lines,
            article: SparseVec::new(),
            labels: taxonomy.resolve_labels(&r.labels)?,
            topic: r.topic.clone(),
            one_line: PieceShape::of_text(&r.text) == PieceShape::Passage,
        });
    }
    let mapping = vocab.canonicalize();
    for d in &mut docs {
        d.title = remap(&d.title, &mapping);
        for l in &mut d.lines {
            l.x = remap(&l.x, &mapping);
        }
        d.article = sum_sparse(d.title.iter().copied().chain(d.lines.iter().flat_map(|l| l.x.iter().copied())).collect());
    }
    Ok((docs, vocab.len()))
}

/// Sums sparse pairs into a sparse vector (sorted, ids unique).
fn sum_sparse(mut pairs: Vec<(u32, u32)>) -> SparseVec {
    pairs.sort_unstable_by_key(|&(id, _)| id);
    let mut out: SparseVec = Vec::with_capacity(pairs.len());
    for (id, n) in pairs {
        match out.last_mut() {
            Some(last) if last.0 == id => last.1 += n,
            _ => out.push((id, n)),
        }
    }
    out
}

/// Sub-classes of a fold: names, their theme, and the index of each name.
#[derive(Default)]
struct Subs {
    names: Vec<String>,
    theme: Vec<usize>,
    index: BTreeMap<String, usize>,
}

impl Subs {
    fn of(&mut self, name: String, theme: usize) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        self.names.push(name.clone());
        self.theme.push(theme);
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }
}

/// Dense token and presence counts per (feature, class).
struct Counts {
    c: usize,
    tokens: Vec<u32>,
    presence: Vec<u32>,
    docs: Vec<u64>,
}

impl Counts {
    fn new(nf: usize, c: usize) -> Self {
        Self { c, tokens: vec![0; nf * c], presence: vec![0; nf * c], docs: vec![0; c] }
    }

    fn add(&mut self, x: &SparseVec, k: usize) {
        self.docs[k] += 1;
        for &(f, n) in x {
            let i = f as usize * self.c + k;
            self.tokens[i] += n;
            self.presence[i] += 1;
        }
    }

    /// The same counts over `classes` groups (`group[k]` of each class).
    fn grouped(&self, group: &[usize], classes: usize) -> Self {
        let nf = self.tokens.len() / self.c;
        let mut g = Self::new(nf, classes);
        for f in 0..nf {
            for (k, &to) in group.iter().enumerate() {
                g.tokens[f * classes + to] += self.tokens[f * self.c + k];
                g.presence[f * classes + to] += self.presence[f * self.c + k];
            }
        }
        for (k, &to) in group.iter().enumerate() {
            g.docs[to] += self.docs[k];
        }
        g
    }

    /// [`bulletin_classifier::chi_square`] of feature `f`, over these classes.
    fn chi_square(&self, f: usize) -> f64 {
        let row: Vec<u64> = self.presence[f * self.c..(f + 1) * self.c].iter().map(|&v| u64::from(v)).collect();
        bulletin_classifier::chi_square_table(&row, &self.docs)
    }

    /// [`bulletin_classifier::Selection::select`] with `min_count` 1: selected flags.
    fn select(&self, top_k: usize) -> Vec<bool> {
        let nf = self.tokens.len() / self.c;
        let mut candidates: Vec<usize> = (0..nf).filter(|&f| self.tokens[f * self.c..(f + 1) * self.c].iter().any(|&n| n > 0)).collect();
        if top_k > 0 && candidates.len() > top_k {
            let mut scored: Vec<(f64, usize)> = candidates.iter().map(|&f| (self.chi_square(f), f)).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            candidates = scored.into_iter().take(top_k).map(|(_, f)| f).collect();
        }
        let mut flags = vec![false; nf];
        for f in candidates {
            flags[f] = true;
        }
        flags
    }
}

/// A multinomial naive Bayes over classes, on the selected features (the native plugin's rule).
struct Nb {
    c: usize,
    base: Vec<f64>,
    /// Row of each feature in `weights` (`u32::MAX`: not selected).
    row: Vec<u32>,
    weights: Vec<f64>,
}

impl Nb {
    fn fit(counts: &Counts, selected: &[bool], alpha: f64) -> Self {
        let c = counts.c;
        let total: u64 = counts.docs.iter().sum();
        let base = counts.docs.iter().map(|&d| (d as f64).max(0.5).ln() - (total as f64).ln()).collect();
        let ids: Vec<usize> = (0..selected.len()).filter(|&f| selected[f]).collect();
        let n_sel = ids.len() as f64;
        let mut totals = vec![0u64; c];
        for &f in &ids {
            for (t, &n) in totals.iter_mut().zip(&counts.tokens[f * c..(f + 1) * c]) {
                *t += u64::from(n);
            }
        }
        let denom: Vec<f64> = totals.iter().map(|&t| (t as f64 + alpha * n_sel).ln()).collect();
        let mut row = vec![u32::MAX; selected.len()];
        let mut weights = Vec::with_capacity(ids.len() * c);
        for (r, &f) in ids.iter().enumerate() {
            row[f] = u32::try_from(r).unwrap_or(u32::MAX);
            for (k, &n) in counts.tokens[f * c..(f + 1) * c].iter().enumerate() {
                weights.push((f64::from(n) + alpha).ln() - denom[k]);
            }
        }
        Self { c, base, row, weights }
    }

    /// Joint log-likelihoods of a vector.
    fn jll(&self, x: &SparseVec) -> Vec<f64> {
        let mut j = self.base.clone();
        for &(f, n) in x {
            let r = self.row.get(f as usize).copied().unwrap_or(u32::MAX);
            if r == u32::MAX {
                continue;
            }
            let w = &self.weights[r as usize * self.c..(r as usize + 1) * self.c];
            for (a, v) in j.iter_mut().zip(w) {
                *a += f64::from(n) * v;
            }
        }
        j
    }
}

/// Theme log-probabilities from sub-class joint log-likelihoods: log-sum-exp within each theme,
/// normalised.
fn themes_of(jll: &[f64], theme_of: &[usize], n: usize) -> Vec<f64> {
    let mut max = vec![f64::NEG_INFINITY; n];
    for (&j, &t) in jll.iter().zip(theme_of) {
        max[t] = max[t].max(j);
    }
    let mut sum = vec![0.0; n];
    for (&j, &t) in jll.iter().zip(theme_of) {
        sum[t] += (j - max[t]).exp();
    }
    normalize_log(max.iter().zip(&sum).map(|(m, s)| if m.is_finite() { m + s.ln() } else { f64::NEG_INFINITY }).collect())
}

/// A deterministic xorshift generator (cluster seeds).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Clusters `xs` (article vectors of one theme) into `k` groups: spherical k-means on
/// L2-normalised `ln(1+n)·idf` vectors over the features with a row in `dims`, k-means++ seeds,
/// then `emit` rounds of hard EM under a multinomial (α `alpha`) on the same features.
#[expect(clippy::too_many_lines, reason = "seeds, k-means and hard EM in one place")]
fn cluster(xs: &[&SparseVec], k: usize, dims: &[u32], idf: &[f64], seed: u64, emit: usize, alpha: f64) -> Vec<usize> {
    let n = xs.len();
    if k <= 1 || n <= k {
        return (0..n).map(|i| if k <= 1 { 0 } else { i % k.max(1) }).collect();
    }
    let d = dims.iter().filter(|&&r| r != u32::MAX).count();
    let vecs: Vec<Vec<(usize, f64)>> = xs
        .iter()
        .map(|x| {
            let mut v: Vec<(usize, f64)> = x
                .iter()
                .filter_map(|&(f, c)| {
                    dims.get(f as usize).filter(|&&r| r != u32::MAX).map(|&r| (r as usize, (1.0 + f64::from(c)).ln() * idf[f as usize]))
                })
                .collect();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v
        })
        .collect();
    let dot = |v: &[(usize, f64)], c: &[f64]| v.iter().map(|&(i, w)| w * c[i]).sum::<f64>();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // k-means++ seeds (distance 1 − cos).
    let mut centers: Vec<Vec<f64>> = Vec::new();
    let dense = |v: &[(usize, f64)]| {
        let mut c = vec![0.0; d];
        for &(i, w) in v {
            c[i] = w;
        }
        c
    };
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a draw in [0, n)")]
    let first = ((rng.next() * n as f64) as usize).min(n - 1);
    centers.push(dense(&vecs[first]));
    let mut dist: Vec<f64> = vecs.iter().map(|v| (1.0 - dot(v, &centers[0])).max(0.0)).collect();
    while centers.len() < k {
        let total: f64 = dist.iter().sum();
        let mut target = rng.next() * total;
        let mut pick = n - 1;
        for (i, &w) in dist.iter().enumerate() {
            if target < w {
                pick = i;
                break;
            }
            target -= w;
        }
        centers.push(dense(&vecs[pick]));
        let c = centers.last().expect("just pushed");
        for (dv, v) in dist.iter_mut().zip(&vecs) {
            *dv = dv.min((1.0 - dot(v, c)).max(0.0));
        }
    }
    let mut assign = vec![usize::MAX; n];
    for _ in 0..30 {
        let mut changed = false;
        for (i, v) in vecs.iter().enumerate() {
            let best = (0..k)
                .map(|j| dot(v, &centers[j]))
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |b, (j, s)| if s > b.1 { (j, s) } else { b })
                .0;
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        for (j, c) in centers.iter_mut().enumerate() {
            c.fill(0.0);
            let mut members = 0;
            for (v, _) in vecs.iter().zip(&assign).filter(|(_, a)| **a == j) {
                members += 1;
                for &(i, w) in v {
                    c[i] += w;
                }
            }
            if members == 0 {
                continue;
            }
            let norm = c.iter().map(|w| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                for w in c.iter_mut() {
                    *w /= norm;
                }
            }
        }
    }
    // Hard EM under the multinomial, on the same features (raw counts).
    for _ in 0..emit {
        let mut tokens = vec![vec![0.0f64; d]; k];
        let mut docs = vec![0.0f64; k];
        for (x, &a) in xs.iter().zip(&assign) {
            docs[a] += 1.0;
            for &(f, c) in *x {
                if let Some(&r) = dims.get(f as usize).filter(|&&r| r != u32::MAX) {
                    tokens[a][r as usize] += f64::from(c);
                }
            }
        }
        let logw: Vec<Vec<f64>> = tokens
            .iter()
            .map(|t| {
                let z = (t.iter().sum::<f64>() + alpha * d as f64).ln();
                t.iter().map(|v| (v + alpha).ln() - z).collect()
            })
            .collect();
        let mut changed = false;
        for (i, x) in xs.iter().enumerate() {
            let score = |j: usize| {
                docs[j].max(0.5).ln()
                    + x.iter()
                        .filter_map(|&(f, c)| dims.get(f as usize).filter(|&&r| r != u32::MAX).map(|&r| f64::from(c) * logw[j][r as usize]))
                        .sum::<f64>()
            };
            let best = (0..k).map(score).enumerate().fold((0, f64::NEG_INFINITY), |b, (j, s)| if s > b.1 { (j, s) } else { b }).0;
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    assign
}

/// Theme log-probabilities of a vector.
type Scores<'a> = dyn Fn(&SparseVec) -> Vec<f64> + 'a;

/// The options of a `subclass=` run.
struct Options {
    mode: String,
    pt: String,
    sel_theme: bool,
    alpha: f64,
    top_k: usize,
    vote: Option<(f64, f64)>,
    emit: usize,
    /// `seed=`: added to the clusters' seeds.
    seed: u64,
    mix: Option<String>,
}

fn options(words: &[&str]) -> Options {
    let get = |k: &str| words.iter().rev().find_map(|w| w.strip_prefix(k).and_then(|v| v.strip_prefix('=')));
    Options {
        mode: get("subclass").unwrap_or("theme").to_owned(),
        pt: get("pt").unwrap_or("para").to_owned(),
        sel_theme: get("sel") == Some("theme"),
        alpha: get("alpha").and_then(|v| v.parse().ok()).unwrap_or(0.3),
        top_k: get("top_k").and_then(|v| v.parse().ok()).unwrap_or(20_000),
        vote: match get("article_vote") {
            Some("off") => None,
            Some(v) => v.split_once(':').and_then(|(w, b)| Some((w.parse().ok()?, b.parse::<f64>().ok()? / 100.0))),
            None => Some((1000.0, 0.2)),
        },
        emit: get("emit").and_then(|v| v.parse().ok()).unwrap_or(0),
        seed: get("seed").and_then(|v| v.parse().ok()).unwrap_or(0),
        mix: get("mix").map(str::to_owned),
    }
}

/// Clusters per theme from `subclass=em:K` or `em:other:K` (1 for themes not split).
fn clusters_per_theme(mode: &str, n: usize, fallback: usize) -> Option<Vec<usize>> {
    let rest = mode.strip_prefix("em:")?;
    Some(match rest.strip_prefix("other:") {
        Some(k) => (0..n).map(|t| if t == fallback { k.parse().unwrap_or(1) } else { 1 }).collect(),
        None => vec![rest.parse().unwrap_or(1); n],
    })
}

/// Runs 5-fold CV of a `subclass=` configuration and prints a line as the harness does, with the
/// article errors by kind.
#[expect(clippy::print_stdout, reason = "an example that reports figures")]
#[expect(clippy::too_many_lines, reason = "one fold loop: sub-classes, counts, selection, scoring")]
#[expect(clippy::many_single_char_names, reason = "n themes, o options, k folds, c sub-classes, d documents")]
pub fn run(records: &[Record], docs: &[Doc], nf: usize, words: &[&str], verbose: bool) {
    let taxonomy = Taxonomy::builtin();
    let n = taxonomy.len();
    let fallback = taxonomy.fallback();
    let o = options(words);
    let keys: Vec<(&str, usize)> = records.iter().map(|r| (r.id.as_str(), taxonomy.resolve(&r.labels[0]).unwrap_or(0))).collect();
    let k = 5;
    let folds = assign_folds(&keys, k, 42);
    let (mut art, mut par) = (Vec::new(), Vec::new());
    let theme_name = |t: usize| taxonomy.theme(t).map_or("?", |t| t.id()).to_owned();
    let (mut other_to_theme, mut mixed_secondary, mut mixed_other, mut single) = (0, 0, 0, 0);
    let mut n_subs = Vec::new();
    for fold in 0..k {
        let train: Vec<&Doc> = docs.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(d, _)| d).collect();
        // Article sub-class names.
        let mut article_sub: Vec<String> = train
            .iter()
            .map(|d| {
                let t = d.labels[0];
                match o.mode.as_str() {
                    "topic" => d.topic.clone().unwrap_or_else(|| format!("{}-none", theme_name(t))),
                    _ => theme_name(t),
                }
            })
            .collect();
        if let Some(per_theme) = clusters_per_theme(&o.mode, n, fallback) {
            // Features and idf for clustering: the theme-level selection.
            let mut tc = Counts::new(nf, n);
            for d in &train {
                tc.add(&d.article, d.labels[0]);
                for l in &d.lines {
                    if let Some(t) = l.label {
                        tc.add(&l.x, t);
                    }
                }
            }
            let flags = tc.select(o.top_k);
            let mut dims = vec![u32::MAX; nf];
            let mut r = 0;
            for (f, &s) in flags.iter().enumerate() {
                if s {
                    dims[f] = r;
                    r += 1;
                }
            }
            let mut df = vec![0u32; nf];
            for d in &train {
                for &(f, _) in &d.article {
                    df[f as usize] += 1;
                }
            }
            let idf: Vec<f64> = df.iter().map(|&v| ((train.len() as f64 + 1.0) / (f64::from(v) + 1.0)).ln() + 1.0).collect();
            for (t, &kt) in per_theme.iter().enumerate() {
                let members: Vec<usize> = (0..train.len()).filter(|&i| train[i].labels[0] == t).collect();
                let xs: Vec<&SparseVec> = members.iter().map(|&i| &train[i].article).collect();
                let assign = cluster(&xs, kt, &dims, &idf, 42 + t as u64 + 100 * fold as u64 + 1000 * o.seed, o.emit, o.alpha);
                for (&i, a) in members.iter().zip(assign) {
                    article_sub[i] = format!("{}-c{a}", theme_name(t));
                }
            }
        }
        let mut subs = Subs::default();
        let mut examples: Vec<(&SparseVec, usize)> = Vec::new();
        for (d, name) in train.iter().zip(&article_sub) {
            let primary = d.labels[0];
            let a = subs.of(name.clone(), primary);
            examples.push((&d.article, a));
            for l in &d.lines {
                let Some(t) = l.label else { continue };
                let s = if o.mode == "theme" {
                    subs.of(theme_name(t), t)
                } else if t == primary && o.pt != "all" {
                    a
                } else if o.pt == "none" {
                    subs.of(format!("{}-none", theme_name(t)), t)
                } else {
                    subs.of(format!("{}-para", theme_name(t)), t)
                };
                examples.push((&l.x, s));
            }
        }
        let c = subs.names.len();
        n_subs.push(c);
        let mut counts = Counts::new(nf, c);
        for (x, s) in &examples {
            counts.add(x, *s);
        }
        let selected = if o.sel_theme { counts.grouped(&subs.theme, n).select(o.top_k) } else { counts.select(o.top_k) };
        let nb = Nb::fit(&counts, &selected, o.alpha);
        // `mix=sum|vote`: the sub-class mixture for the article's sum only (or its pieces' vote
        // only), the theme model (same features, α 0.3) for the rest.
        let identity: Vec<usize> = (0..n).collect();
        let themes = o.mix.is_some().then(|| Nb::fit(&counts.grouped(&subs.theme, n), &selected, 0.3));
        drop(counts);
        let probs = |x: &SparseVec| themes_of(&nb.jll(x), &subs.theme, n);
        let plain = |x: &SparseVec| themes.as_ref().map_or_else(|| probs(x), |t| themes_of(&t.jll(x), &identity, n));
        let (sum_probs, vote_probs): (&Scores<'_>, &Scores<'_>) = match o.mix.as_deref() {
            Some("sum") => (&probs, &plain),
            Some("vote") => (&plain, &probs),
            _ => (&probs, &probs),
        };
        let (mut ca, mut cp) = (Confusion::new(n), Confusion::new(n));
        for (d, _) in docs.iter().zip(&folds).filter(|(_, f)| **f == fold) {
            let mut score = sum_probs(&d.article);
            if let (Some((weight, bias)), false) = (o.vote, d.one_line) {
                let mut vote = vec![0.0; n];
                let mut chars = 0.0;
                let pieces =
                    std::iter::once((&d.title, d.title_length, d.title_chars)).chain(d.lines.iter().map(|l| (&l.x, l.length, l.chars)));
                for (x, length, ch) in pieces {
                    if length == 0 {
                        continue;
                    }
                    for (v, p) in vote.iter_mut().zip(vote_probs(x)) {
                        *v += ch as f64 * p.exp();
                    }
                    chars += ch as f64;
                }
                if chars > 0.0 {
                    for (t, (s, v)) in score.iter_mut().zip(&vote).enumerate() {
                        *s += weight * (v / chars + if t == fallback { bias } else { 0.0 });
                    }
                }
            }
            let predicted = argmax(&score);
            let truth = d.labels[0];
            ca.add(truth, predicted);
            if predicted != truth {
                if d.labels.len() > 1 {
                    if d.labels.contains(&predicted) {
                        mixed_secondary += 1;
                    } else {
                        mixed_other += 1;
                    }
                } else if truth == fallback {
                    other_to_theme += 1;
                } else {
                    single += 1;
                }
            }
            for l in &d.lines {
                if let Some(t) = l.label {
                    cp.add(t, argmax(&probs(&l.x)));
                }
            }
        }
        if verbose {
            println!("fold {fold}: {c} sub-classes, article macro-F1 {:.4}  paragraph macro-F1 {:.4}", ca.macro_f1(), cp.macro_f1());
        }
        art.push(ca.macro_f1());
        par.push(cp.macro_f1());
    }
    let ((am, asd), (pm, psd)) = (crate::mean_std(&art), crate::mean_std(&par));
    println!(
        "{:60} article {am:.4}±{asd:.4} paragraph {pm:.4}±{psd:.4} | errors: other→theme {other_to_theme}, mixed→secondary {mixed_secondary}, mixed→other theme {mixed_other}, single {single} | sub-classes {n_subs:?}",
        words.join(" "),
    );
}
