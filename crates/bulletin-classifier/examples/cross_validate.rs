//! Cross-validates training configurations on a labelled corpus, the way the project chose its
//! default model: `cargo run --release -p bulletin-classifier --example cross_validate -- data/train
//! [classifier] [granularity] [key=value ...]`, or several configurations in one run:
//! `... -- data/train --grid 'multinomial both title_weight=2' 'complement both alpha=1'`.
//!
//! Prints article-level and paragraph-level macro-F1 for each of 5 stratified folds (the fold
//! assignment of [`bulletin_classifier::cv`], which `bench/compare_sklearn.py` reproduces) and
//! their mean and sample standard deviation (as `bulletin eval --folds` reports them), plus tag
//! precision and recall on mixed-label articles. Keys other than the plugin's and the model's
//! parameters set pipeline settings: `word_bigrams`, `char_bigrams`, `min_token_chars`,
//! `title_weight`, `lead_weight`, `article_vote` (`off` or `weight:fallback_bias_percent`), `hmm`,
//! `number_classes`, `clean` (web boilerplate), and `calibration=none`. `tf=`, `lead=`, `lnorm=`,
//! `agg=`, `soft=`, `pvote=` (with `clip=`, `pw=`, `tw=`, `pcal=`, `obias=`, `skip0=`, `heads=`)
//! try scoring rules before they are built into the tagger (see [`Experiment`]); `artex=` and `multi=` change what an article's training
//! example counts ([`training_records`]); `folds=batch` keeps writing batches whole;
//! `subclass=` (with `pt=`, `sel=`, `emit=`, `seed=`, `mix=`) scores each theme as a mixture of
//! multinomials over sub-classes, on a multinomial rebuilt from counts ([`subclass`]). Each run
//! also prints the articles' calibration (ECE, AUROC, share of errors at ≥ 0.99, accuracy at ≥ 0.99). `--holdout FILE spec…`
//! trains on the whole corpus and scores held-out articles.

mod common;
mod subclass;

use std::path::Path;

use bulletin_classifier::cv::assign_folds;
use bulletin_classifier::metrics::{Confusion, TagCounts};
use bulletin_classifier::{
    CalibrationMode, ParamMap, PieceShape, Registry, TagOptions, Tagger, TrainConfig, TrainGranularity, Trainer, argmax, to_sparse,
};
use bulletin_core::{ArticleVote, Record, Taxonomy};

fn load(dir: &Path) -> Result<Vec<Record>, Box<dyn std::error::Error>> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "jsonl")).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f)?.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Record::from_json(line)?);
        }
    }
    Ok(out)
}

/// Mean and sample standard deviation (n − 1), as `bulletin eval --folds` reports them.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (m, var.sqrt())
}

/// Scoring experiments measured here before they are built into the tagger: `tf=log|sqrt|bin`
/// (a transform of each feature's count in the piece, at scoring time) and `agg=S` (an article
/// whose sum says `other` takes the non-`other` theme whose paragraphs cover a share ≥ S of its
/// characters).
#[derive(Debug, Clone, Copy, Default)]
struct Experiment {
    tf: Option<fn(f64) -> f64>,
    agg: Option<f64>,
    /// `lead=λ`: the title and first paragraph count `1 + λ` times in an article's score.
    lead: Option<f64>,
    /// `lnorm=K`: the data term of a piece of `L` features scaled by `K / L` (pieces shorter than
    /// `K` unchanged), so the prior weighs as much against a long article as against a short one.
    lnorm: Option<f64>,
    /// `soft=μ`: an article's normalised log-probabilities plus μ times the character-weighted
    /// mean of its pieces' (title and each line) normalised log-probabilities.
    soft: Option<f64>,
    /// `pvote=μ`: plus μ times the character-weighted mean of the pieces' probabilities.
    pvote: Option<f64>,
    /// `clip=c`: with `soft`, each piece's log-probabilities are clipped below at −c.
    clip: Option<f64>,
    /// `pw=chars|eq|sqrt`: how a piece weighs in `soft`/`pvote` (default chars).
    pw: u8,
    /// `tw=k`: the title's weight multiplied by k.
    tw: Option<f64>,
    /// `pcal=true`: the pieces' probabilities through the passage calibration map.
    pcal: bool,
    /// `obias=δ`: δ added to the fallback theme's vote (with `pvote`).
    obias: Option<f64>,
    /// `skip0=true`: pieces without a selected feature do not vote.
    skip0: bool,
    /// `heads=true`: section headings vote too.
    heads: bool,
    /// `ttb=q`: between an article's two best themes, the title decides when it gives the
    /// runner-up a probability of at least q and more than the leader's.
    ttb: Option<f64>,
    /// `ftp=q`: between an article's two best themes, the first piece (title, then lines) that
    /// gives one of them a probability of at least q decides.
    ftp: Option<f64>,
    /// `vlead=k`: the first line's weight in `pvote` multiplied by k.
    vlead: Option<f64>,
    /// `decay=γ`: the weight in `pvote` of the line at position i (0 = first) multiplied by γ^i.
    decay: Option<f64>,
    /// `ftpt=false`: `ftp` starts at the first line, not the title.
    ftp_title: bool,
}

fn experiment(words: &[&str]) -> Experiment {
    let mut e = Experiment { ftp_title: true, ..Experiment::default() };
    for kv in words {
        match kv.split_once('=') {
            Some(("tf", "log")) => e.tf = Some(f64::ln_1p),
            Some(("tf", "sqrt")) => e.tf = Some(f64::sqrt),
            Some(("tf", "bin")) => e.tf = Some(|_| 1.0),
            Some(("agg", v)) => e.agg = v.parse().ok(),
            Some(("lead", v)) => e.lead = v.parse().ok(),
            Some(("lnorm", v)) => e.lnorm = v.parse().ok(),
            Some(("soft", v)) => e.soft = v.parse().ok(),
            Some(("pvote", v)) => e.pvote = v.parse().ok(),
            Some(("clip", v)) => e.clip = v.parse().ok(),
            Some(("pw", "eq")) => e.pw = 1,
            Some(("pw", "sqrt")) => e.pw = 2,
            Some(("tw", v)) => e.tw = v.parse().ok(),
            Some(("pcal", v)) => e.pcal = v == "true",
            Some(("obias", v)) => e.obias = v.parse().ok(),
            Some(("skip0", v)) => e.skip0 = v == "true",
            Some(("heads", v)) => e.heads = v == "true",
            Some(("ttb", v)) => e.ttb = v.parse().ok(),
            Some(("ftp", v)) => e.ftp = v.parse().ok(),
            Some(("vlead", v)) => e.vlead = v.parse().ok(),
            Some(("decay", v)) => e.decay = v.parse().ok(),
            Some(("ftpt", v)) => e.ftp_title = v == "true",
            _ => {}
        }
    }
    e
}

/// The joint log-likelihood of a piece with a count transform: `base + Σ tf(n)·w` through the
/// plugin's per-feature contributions (`n·w`).
fn jll(tagger: &Tagger, title: &str, text: &str, tf: fn(f64) -> f64, lnorm: Option<f64>) -> Vec<f64> {
    let vocab = tagger.model().vocabulary();
    let mut ids = Vec::new();
    tagger.pipeline().for_each_feature_ref(title, text, |f| {
        if let Some(id) = vocab.get_feature(f) {
            ids.push(id);
        }
    });
    let x = to_sparse(ids);
    let Ok(c) = tagger.model().plugin().explain(&x) else { return Vec::new() };
    let mut jll = c.base.clone();
    let mut length = 0.0;
    for (f, contribution) in &c.features {
        // `x` is sorted by feature id.
        let Ok(i) = x.binary_search_by_key(f, |&(g, _)| g) else { continue };
        let n = f64::from(x[i].1);
        length += tf(n);
        for (j, v) in jll.iter_mut().zip(contribution) {
            *j += v / n * tf(n);
        }
    }
    if let Some(k) = lnorm {
        if length > k {
            for (j, b) in jll.iter_mut().zip(&c.base) {
                *j = b + (*j - b) * k / length;
            }
        }
    }
    jll
}

/// Normalised log-probabilities (log-sum-exp 0).
fn normalize(j: Vec<f64>) -> Vec<f64> {
    let m = j.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z = m + j.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
    j.into_iter().map(|v| v - z).collect()
}

/// `ttb=` and `ftp=`: the title, or the first piece sure of one of them, choosing between an
/// article's two best themes.
fn tie_break(tagger: &Tagger, title: &str, text: &str, final_scores: &[f64], mut theme: usize, e: Experiment) -> usize {
    let second =
        (0..final_scores.len()).filter(|&t| t != theme).max_by(|&a, &b| final_scores[a].total_cmp(&final_scores[b])).unwrap_or(theme);
    let fb = tagger.model().taxonomy().fallback();
    let both_themes = theme != fb && second != fb;
    let piece_p = |piece: &str| normalize(jll(tagger, "", piece, |n| n, None)).into_iter().map(f64::exp).collect::<Vec<f64>>();
    if let (Some(q), false, true) = (e.ttb, title.is_empty(), both_themes) {
        let t = piece_p(title);
        if t[second] >= q && t[second] > t[theme] {
            theme = second;
        }
    }
    if let (Some(q), true) = (e.ftp, both_themes) {
        let lines = std::iter::once(if e.ftp_title { title } else { "" })
            .chain(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("##")));
        for piece in lines.filter(|p| !p.is_empty()) {
            let t = piece_p(piece);
            if t[theme] >= q {
                break;
            }
            if t[second] >= q {
                theme = second;
                break;
            }
        }
    }
    theme
}

/// The theme of a piece under the experiment.
fn theme(tagger: &Tagger, title: &str, text: &str, article: bool, e: Experiment) -> usize {
    let shape = if article { PieceShape::Article } else { PieceShape::Passage };
    let p = tagger.predict(title, text, shape, TagOptions::default());
    let mut final_scores = p.scores.clone();
    let mut theme = match (e.tf, e.lead.or(e.lnorm.map(|_| 0.0))) {
        (None, None) => p.theme,
        (tf, lead) => {
            let tf = tf.unwrap_or(|n| n);
            let mut j = jll(tagger, title, text, tf, e.lnorm);
            if let (Some(lambda), true) = (lead, article) {
                let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("##")).unwrap_or("");
                let base = jll(tagger, "", "", tf, e.lnorm);
                for ((a, l), b) in j.iter_mut().zip(jll(tagger, title, first, tf, e.lnorm)).zip(base) {
                    *a += lambda * (l - b);
                }
            }
            argmax(&j)
        }
    };
    if article && (e.soft.is_some() || e.pvote.is_some()) {
        let norm = |j: Vec<f64>| {
            let m = j.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z = m + j.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            j.into_iter().map(|v| v - z).collect::<Vec<f64>>()
        };
        let mut score = norm(jll(tagger, title, text, |n| n, None));
        let pieces = std::iter::once(title).chain(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("##")));
        let mut soft = vec![0.0; score.len()];
        let mut vote = vec![0.0; score.len()];
        let mut total = 0.0;
        let pieces: Vec<&str> = if e.heads {
            std::iter::once(title).chain(text.lines().map(str::trim).filter(|l| !l.is_empty())).collect()
        } else {
            pieces.collect()
        };
        for (i, p) in pieces.into_iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            let c = p.chars().count() as f64;
            let w = match e.pw {
                1 => 1.0,
                2 => c.sqrt(),
                _ => c,
            } * if i == 0 { e.tw.unwrap_or(1.0) } else { 1.0 }
                * if i == 1 { e.vlead.unwrap_or(1.0) } else { 1.0 }
                * if i >= 1 { e.decay.unwrap_or(1.0).powi(i32::try_from(i - 1).unwrap_or(i32::MAX)) } else { 1.0 };
            total += w;
            if e.skip0 && jll(tagger, "", p, |n| n, None) == jll(tagger, "", "", |n| n, None) {
                continue;
            }
            let lp = if e.pcal {
                tagger.predict("", p, PieceShape::Passage, TagOptions::default()).scores.iter().map(|v| v.ln()).collect()
            } else {
                norm(jll(tagger, "", p, |n| n, None))
            };
            for ((s, v), l) in soft.iter_mut().zip(&mut vote).zip(&lp) {
                *s += w * e.clip.map_or(*l, |c| l.max(-c));
                *v += w * l.exp();
            }
        }
        if let Some(d) = e.obias {
            vote[tagger.model().taxonomy().fallback()] += d * total;
        }
        if total > 0.0 {
            for ((a, s), v) in score.iter_mut().zip(&soft).zip(&vote) {
                *a += e.soft.unwrap_or(0.0) * s / total + e.pvote.unwrap_or(0.0) * v / total;
            }
        }
        theme = argmax(&score);
        final_scores.clone_from(&score);
    }
    if article {
        theme = tie_break(tagger, title, text, &final_scores, theme, e);
    }
    let fallback = tagger.model().taxonomy().fallback();
    if let (Some(share), true, true) = (e.agg, article, theme == fallback) {
        let n = tagger.model().taxonomy().len();
        let mut chars = vec![0usize; n];
        let mut total = 0;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let len = line.chars().count();
            total += len;
            let q = tagger.predict("", line, PieceShape::Passage, TagOptions::default());
            if q.confidence >= tagger.model().policy().tag_min_confidence {
                chars[q.theme] += len;
            }
        }
        let best = (0..n).filter(|&t| t != fallback).max_by_key(|&t| chars[t]).unwrap_or(fallback);
        if total > 0 && chars[best] as f64 >= share * total as f64 {
            theme = best;
        }
    }
    theme
}

/// What an article's training example counts (`artex=`): `whole` (today's rule, split into an
/// article-only record plus one record per paragraph, to check the split changes nothing),
/// `primary` (only the paragraphs whose labels include the primary label, plus title and
/// headings), `nosec` (drops only the paragraphs labelled with another non-`other` theme and not
/// the primary), `primaryN` (primary paragraphs counted N times, the others once). With
/// `multi=true` each secondary label of a mixed article also gets an example of its paragraphs.
fn training_records(records: &[Record], words: &[&str]) -> Vec<Record> {
    let mode = words.iter().find_map(|w| w.strip_prefix("artex=")).unwrap_or("");
    let multi = words.contains(&"multi=true");
    if mode.is_empty() {
        return records.to_vec();
    }
    let mut out = Vec::new();
    for r in records {
        let Some(pl) = r.paragraph_labels.as_ref() else {
            out.push(r.clone());
            continue;
        };
        let primary = &r.labels[0];
        let mut lines = Vec::new();
        let mut secondary: Vec<(String, Vec<String>)> = r.labels.iter().skip(1).map(|l| (l.clone(), Vec::new())).collect();
        let mut labels = pl.iter();
        for (line, is_paragraph) in r.lines() {
            if !is_paragraph {
                lines.push(line.to_owned());
                continue;
            }
            let Some(l) = labels.next() else { continue };
            let mut p = Record::new(format!("{}#{}", r.id, out.len()), "", line, vec![l[0].clone()]);
            p.batch.clone_from(&r.batch);
            out.push(p);
            let has = l.contains(primary);
            let n = match mode {
                "whole" => 1,
                "primary" => usize::from(has),
                "nosec" => usize::from(has || l[0] == "other"),
                m => match m.strip_prefix("primary").and_then(|n| n.parse().ok()) {
                    Some(k) if has => k,
                    _ => 1,
                },
            };
            for _ in 0..n {
                lines.push(line.to_owned());
            }
            for (s, v) in &mut secondary {
                if l.contains(s) {
                    v.push(line.to_owned());
                }
            }
        }
        let mut a = r.clone();
        a.text = lines.join("\n");
        a.paragraph_labels = None;
        out.push(a);
        if multi {
            for (s, v) in secondary.into_iter().filter(|(_, v)| !v.is_empty()) {
                out.push(Record::new(format!("{}#{s}", r.id), "", v.join("\n"), vec![s]));
            }
        }
    }
    out
}

/// `folds=batch`: folds that keep each writing batch whole (largest batch first into the fold
/// with the fewest records), so every article is scored by a model that never saw its writers,
/// as the field batch is.
fn batch_folds(records: &[Record], k: usize) -> Vec<usize> {
    let mut sizes: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in records {
        *sizes.entry(r.batch.as_deref().unwrap_or("")).or_default() += 1;
    }
    let mut batches: Vec<(usize, &str)> = sizes.into_iter().map(|(b, n)| (n, b)).collect();
    batches.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut load = vec![0usize; k];
    let mut fold_of = std::collections::BTreeMap::new();
    for (n, b) in batches {
        let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[f] += n;
        fold_of.insert(b, f);
    }
    records.iter().map(|r| fold_of[r.batch.as_deref().unwrap_or("")]).collect()
}

/// A training configuration from `classifier granularity key=value...` words.
fn config(words: &[&str]) -> Result<TrainConfig, Box<dyn std::error::Error>> {
    let mut config = TrainConfig::default();
    if let Some(c) = words.first() {
        (*c).clone_into(&mut config.classifier);
    }
    config.granularity = match words.get(1).copied() {
        Some("article") => TrainGranularity::Article,
        Some("paragraph") => TrainGranularity::Paragraph,
        _ => TrainGranularity::Both,
    };
    let mut params = ParamMap::new();
    let settings = &mut config.settings;
    for kv in words.iter().skip(2) {
        let (k, v) = kv.split_once('=').ok_or("parameters are key=value")?;
        match k {
            "word_bigrams" => settings.features.word_bigrams = v == "true",
            "char_bigrams" => settings.features.char_bigrams = v == "true",
            "min_token_chars" => settings.features.min_token_chars = v.parse()?,
            "title_weight" => settings.features.title_weight = v.parse()?,
            "lead_weight" => settings.features.lead_weight = v.parse()?,
            "article_vote" => {
                settings.features.article_vote = match v.split_once(':') {
                    Some((w, b)) => Some(ArticleVote::new(w.parse()?, b.parse()?)),
                    None if v == "off" => None,
                    None => return Err("article_vote is off or weight:fallback_bias_percent".into()),
                };
            }
            "hmm" => settings.segment.hmm = v == "true",
            "number_classes" => settings.features.number_classes = v == "true",
            "clean" => settings.clean.web_boilerplate = v == "true",
            "calibration" => config.calibration = if v == "none" { CalibrationMode::None } else { CalibrationMode::Auto },
            "tf" | "agg" | "lead" | "lnorm" | "artex" | "multi" | "soft" | "pvote" | "clip" | "pw" | "tw" | "pcal" | "folds" | "obias"
            | "skip0" | "heads" | "subclass" | "pt" | "sel" | "emit" | "seed" | "mix" | "ttb" | "ftp" | "ftpt" | "vlead" | "decay" => {}
            _ => {
                params.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    config.params = params;
    Ok(config)
}

#[expect(clippy::print_stdout, reason = "an example that reports figures")]
fn run(records: &[Record], words: &[&str], verbose: bool) -> Result<(), Box<dyn std::error::Error>> {
    let taxonomy = Taxonomy::builtin();
    let keys: Vec<(&str, usize)> = records.iter().map(|r| (r.id.as_str(), taxonomy.resolve(&r.labels[0]).unwrap_or(0))).collect();
    let k = 5;
    let folds = if words.contains(&"folds=batch") { batch_folds(records, k) } else { assign_folds(&keys, k, 42) };
    let registry = Registry::default();
    let e = experiment(words);
    let (mut art, mut par) = (Vec::new(), Vec::new());
    let mut tags = TagCounts::default();
    let mut confidences = Vec::new();
    for fold in 0..k {
        let train: Vec<Record> = records.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let test: Vec<&Record> = records.iter().zip(&folds).filter(|(_, f)| **f == fold).map(|(r, _)| r).collect();
        let mut trainer = Trainer::new(config(words)?, &registry)?;
        trainer.add_records(&training_records(&train, words))?;
        let tagger = Tagger::from_model(trainer.finish()?)?;
        let (mut ca, mut cp) = (Confusion::new(taxonomy.len()), Confusion::new(taxonomy.len()));
        for r in test {
            let truth = taxonomy.resolve_labels(&r.labels)?;
            let p = tagger.predict(&r.title, &r.text, PieceShape::Article, TagOptions::default());
            let article = theme(&tagger, &r.title, &r.text, true, e);
            ca.add(truth[0], article);
            confidences.push((p.confidence, p.theme == truth[0]));
            if verbose && article != truth[0] {
                println!("  miss {} {:?} → {} ({:.4})", r.id, r.labels, taxonomy.theme(article).map_or("?", |t| t.id()), p.confidence);
            }
            if truth.len() > 1 {
                tags.add(&p.tags, &truth);
            }
            for (text, labels) in r.paragraphs().zip(r.paragraph_labels.iter().flatten()) {
                let t = taxonomy.resolve(&labels[0])?;
                cp.add(t, theme(&tagger, "", text, false, e));
            }
        }
        if verbose {
            println!("fold {fold}: article macro-F1 {:.4}  paragraph macro-F1 {:.4}", ca.macro_f1(), cp.macro_f1());
        }
        art.push(ca.macro_f1());
        par.push(cp.macro_f1());
    }
    let ((am, asd), (pm, psd)) = (mean_std(&art), mean_std(&par));
    let r = bulletin_classifier::calibration::Reliability::new(&confidences);
    println!(
        "{:60} article {am:.4}±{asd:.4} paragraph {pm:.4}±{psd:.4} tags P {:.3} R {:.3} | articles ECE {:.4} AUROC {:.3} errors at ≥ 0.99 {:.1} % accuracy at ≥ 0.99 {:.4} ({} articles)",
        words.join(" "),
        tags.precision(),
        tags.recall(),
        r.ece,
        r.auroc,
        100.0 * r.confident_error_share,
        r.confident_accuracy,
        r.confident_pieces
    );
    Ok(())
}

/// `--holdout FILE spec...`: trains on the whole corpus and scores the held-out articles (the
/// field batch, looked at once for a configuration chosen by cross-validation).
#[expect(clippy::print_stdout, reason = "an example that reports figures")]
fn holdout(records: &[Record], held: &[Record], words: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let taxonomy = Taxonomy::builtin();
    let mut trainer = Trainer::new(config(words)?, &Registry::default())?;
    trainer.add_records(&training_records(records, words))?;
    let tagger = Tagger::from_model(trainer.finish()?)?;
    let e = experiment(words);
    let mut ca = Confusion::new(taxonomy.len());
    for r in held {
        let truth = taxonomy.resolve_labels(&r.labels)?;
        ca.add(truth[0], theme(&tagger, &r.title, &r.text, true, e));
    }
    println!("{:60} held-out article macro-F1 {:.4} accuracy {:.4}", words.join(" "), ca.macro_f1(), ca.accuracy());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or("data/train", String::as_str);
    let records = load(Path::new(dir))?;
    if args.get(1).is_some_and(|a| a == "--holdout") {
        let held = common::read_records(Path::new(&args[2]))?;
        for spec in &args[3..] {
            holdout(&records, &held, &spec.split_whitespace().collect::<Vec<_>>())?;
        }
        return Ok(());
    }
    // `subclass=` runs share one featurisation of the corpus (the pipeline of the first of them).
    let mut featurised = None;
    let mut one = |words: &[&str], verbose: bool| -> Result<(), Box<dyn std::error::Error>> {
        if !words.iter().any(|w| w.starts_with("subclass=")) {
            return run(&records, words, verbose);
        }
        if featurised.is_none() {
            featurised = Some(subclass::featurise(&records, &config(words)?.settings)?);
        }
        let (docs, nf) = featurised.as_ref().ok_or("featurised above")?;
        subclass::run(&records, docs, *nf, words, verbose);
        Ok(())
    };
    if args.get(1).is_some_and(|a| a == "--grid") {
        for spec in &args[2..] {
            one(&spec.split_whitespace().collect::<Vec<_>>(), false)?;
        }
        return Ok(());
    }
    let words: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    one(&words, true)
}
