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
//! `title_weight`, `lead_weight`, `hmm`, `number_classes`, `clean` (web boilerplate), and
//! `calibration=none`. `tf=`, `lead=`, `lnorm=` and `agg=` try scoring rules before they are built
//! into the tagger (see [`Experiment`]).

use std::path::Path;

use bulletin_classifier::cv::assign_folds;
use bulletin_classifier::metrics::{Confusion, TagCounts};
use bulletin_classifier::{
    CalibrationMode, ParamMap, PieceShape, Registry, TagOptions, Tagger, TrainConfig, TrainGranularity, Trainer, argmax, to_sparse,
};
use bulletin_core::{Record, Taxonomy};

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
}

fn experiment(words: &[&str]) -> Experiment {
    let mut e = Experiment::default();
    for kv in words {
        match kv.split_once('=') {
            Some(("tf", "log")) => e.tf = Some(f64::ln_1p),
            Some(("tf", "sqrt")) => e.tf = Some(f64::sqrt),
            Some(("tf", "bin")) => e.tf = Some(|_| 1.0),
            Some(("agg", v)) => e.agg = v.parse().ok(),
            Some(("lead", v)) => e.lead = v.parse().ok(),
            Some(("lnorm", v)) => e.lnorm = v.parse().ok(),
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

/// The theme of a piece under the experiment.
fn theme(tagger: &Tagger, title: &str, text: &str, article: bool, e: Experiment) -> usize {
    let shape = if article { PieceShape::Article } else { PieceShape::Passage };
    let p = tagger.predict(title, text, shape, TagOptions::default());
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
            "hmm" => settings.segment.hmm = v == "true",
            "number_classes" => settings.features.number_classes = v == "true",
            "clean" => settings.clean.web_boilerplate = v == "true",
            "calibration" => config.calibration = if v == "none" { CalibrationMode::None } else { CalibrationMode::Auto },
            "tf" | "agg" | "lead" | "lnorm" => {}
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
    let folds = assign_folds(&keys, k, 42);
    let registry = Registry::default();
    let e = experiment(words);
    let (mut art, mut par) = (Vec::new(), Vec::new());
    let mut tags = TagCounts::default();
    for fold in 0..k {
        let train: Vec<Record> = records.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let test: Vec<&Record> = records.iter().zip(&folds).filter(|(_, f)| **f == fold).map(|(r, _)| r).collect();
        let mut trainer = Trainer::new(config(words)?, &registry)?;
        trainer.add_records(&train)?;
        let tagger = Tagger::from_model(trainer.finish()?)?;
        let (mut ca, mut cp) = (Confusion::new(taxonomy.len()), Confusion::new(taxonomy.len()));
        for r in test {
            let truth = taxonomy.resolve_labels(&r.labels)?;
            let p = tagger.predict(&r.title, &r.text, PieceShape::Article, TagOptions::default());
            let article = theme(&tagger, &r.title, &r.text, true, e);
            ca.add(truth[0], article);
            if verbose && article != truth[0] {
                println!("  miss {} {:?} → {}", r.id, r.labels, taxonomy.theme(article).map_or("?", |t| t.id()));
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
    println!(
        "{:60} article {am:.4}±{asd:.4} paragraph {pm:.4}±{psd:.4} tags P {:.3} R {:.3}",
        words.join(" "),
        tags.precision(),
        tags.recall()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or("data/train", String::as_str);
    let records = load(Path::new(dir))?;
    if args.get(1).is_some_and(|a| a == "--grid") {
        for spec in &args[2..] {
            run(&records, &spec.split_whitespace().collect::<Vec<_>>(), false)?;
        }
        return Ok(());
    }
    let words: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    run(&records, &words, true)
}
