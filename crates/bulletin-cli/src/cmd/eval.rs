//! `bulletin eval`: a model measured on labelled records, or a training configuration measured by
//! stratified K-fold cross-validation.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bulletin_classifier::calibration::Reliability;
use bulletin_classifier::metrics::{Confusion, TagCounts, ThemeScores};
use bulletin_classifier::{PieceShape, Registry, TagOptions, Tagger, TrainConfig, Trainer};
use bulletin_core::{Granularity, Record, Taxonomy};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{EvalArgs, ReportFormat};
use crate::data::{self, Item, RecordReader};
use crate::exit::{ExitCode, UsageError};
use crate::jsonl::Ordered;
use crate::walk::Source;
use crate::{model, output, plot, report};

/// Misclassified pieces listed in the table format (JSON lists all).
const TABLE_MISSES: usize = 20;

/// Validated `eval` options.
#[derive(Debug)]
pub struct EvalConfig {
    /// Labelled inputs, in order.
    pub files: Vec<Source>,
    /// The model file; `None` for the embedded model.
    pub model: Option<PathBuf>,
    /// Evaluate articles or paragraphs.
    pub granularity: Granularity,
    /// Output format.
    pub format: ReportFormat,
    /// Cross-validation: folds, seed and the training configuration.
    pub folds: Option<(usize, u64, TrainConfig)>,
    /// Where to write the SVG plots.
    pub plot: Option<PathBuf>,
    /// The longest JSON line accepted.
    pub max_record_bytes: usize,
}

impl EvalConfig {
    /// Validates the parsed arguments.
    pub fn new(args: EvalArgs) -> Result<Self> {
        // A BULLETIN_MODEL default is no model given: `--folds` trains its own fold models.
        let from_env = |model: &PathBuf| std::env::var_os("BULLETIN_MODEL").is_some_and(|env| *model == env);
        let model = args.model.filter(|model| args.folds.is_none() || !from_env(model));
        if args.folds.is_some() && model.is_some() {
            return Err(UsageError("--folds cross-validates a training configuration and cannot evaluate --model".to_owned()).into());
        }
        let folds = match args.folds {
            Some(k) => {
                let config = super::train::training_config(&args.training, args.granularity_train)?;
                Some((usize::try_from(k).unwrap_or(usize::MAX), args.training.seed, config))
            }
            None => None,
        };
        Ok(Self {
            files: data::expand_paths(&args.data.data, &args.data.glob)?,
            model,
            granularity: super::granularity(args.granularity),
            format: args.format,
            folds,
            plot: args.plot,
            max_record_bytes: usize::try_from(args.max_record_bytes).unwrap_or(usize::MAX),
        })
    }
}

/// One piece to score.
pub(crate) struct Unit<'a> {
    pub(crate) id: String,
    form: &'a str,
    /// `simplified` or `traditional`.
    script: &'a str,
    /// `clean` or `web`.
    noise: &'a str,
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    /// An article scored by its paragraphs, or one passage.
    pub(crate) shape: PieceShape,
    pub(crate) truth: Vec<usize>,
}

/// The pieces of `items` at `granularity`.
pub(crate) fn units<'a>(items: &'a [Item], granularity: Granularity, taxonomy: &Taxonomy) -> Vec<Unit<'a>> {
    let resolve = |labels: &[String]| labels.iter().filter_map(|l| taxonomy.index_of(l)).collect::<Vec<_>>();
    let script = |s: &Option<String>| if s.as_deref() == Some("traditional") { "traditional" } else { "simplified" };
    let noise = |n: &'a Option<String>| n.as_deref().unwrap_or("clean");
    let mut out = Vec::new();
    for item in items {
        match (item, granularity) {
            (Item::Article(r), Granularity::Article) => out.push(Unit {
                id: r.id.clone(),
                form: r.form.as_deref().unwrap_or("unknown"),
                script: script(&r.script),
                noise: noise(&r.noise),
                title: &r.title,
                text: &r.text,
                shape: PieceShape::Article,
                truth: resolve(&r.labels),
            }),
            (Item::Article(r), Granularity::Paragraph) => {
                let Some(labels) = &r.paragraph_labels else { continue };
                for (i, (p, labels)) in r.paragraphs().zip(labels).enumerate() {
                    out.push(Unit {
                        id: format!("{}#{i}", r.id),
                        form: r.form.as_deref().unwrap_or("unknown"),
                        script: script(&r.script),
                        noise: noise(&r.noise),
                        title: "",
                        text: p,
                        shape: PieceShape::Passage,
                        truth: resolve(labels),
                    });
                }
            }
            (Item::Paragraph(r), Granularity::Paragraph) => out.push(Unit {
                id: r.id.clone(),
                form: r.form.as_deref().unwrap_or("unknown"),
                script: script(&r.script),
                noise: noise(&r.noise),
                title: "",
                text: &r.text,
                shape: PieceShape::Passage,
                truth: resolve(&r.labels),
            }),
            (Item::Paragraph(_), Granularity::Article) => {}
        }
    }
    out
}

/// A misclassified piece.
#[derive(Debug, Serialize)]
struct Miss {
    id: String,
    truth: String,
    predicted: String,
    top_scores: Ordered<String, f64>,
}

/// Everything measured on one set of pieces.
#[derive(Debug)]
struct Tally {
    confusion: Confusion,
    tags_all: TagCounts,
    tags_mixed: TagCounts,
    mixed: u64,
    forms: BTreeMap<String, Confusion>,
    scripts: BTreeMap<String, Confusion>,
    noises: BTreeMap<String, Confusion>,
    /// `(confidence, right)` of every scored piece.
    confidence: Vec<(f64, bool)>,
    misses: Vec<Miss>,
}

impl Tally {
    fn new(n: usize) -> Self {
        Self {
            confusion: Confusion::new(n),
            tags_all: TagCounts::default(),
            tags_mixed: TagCounts::default(),
            mixed: 0,
            forms: BTreeMap::new(),
            scripts: BTreeMap::new(),
            noises: BTreeMap::new(),
            confidence: Vec::new(),
            misses: Vec::new(),
        }
    }

    /// Adds another set's counts (the folds of a cross-validation).
    fn merge(&mut self, other: Self) {
        self.confusion.merge(&other.confusion);
        self.tags_all.merge(&other.tags_all);
        self.tags_mixed.merge(&other.tags_mixed);
        self.mixed += other.mixed;
        for (mine, theirs) in [(&mut self.forms, other.forms), (&mut self.scripts, other.scripts), (&mut self.noises, other.noises)] {
            for (k, c) in theirs {
                match mine.get_mut(&k) {
                    Some(m) => m.merge(&c),
                    None => {
                        mine.insert(k, c);
                    }
                }
            }
        }
        self.confidence.extend(other.confidence);
        self.misses.extend(other.misses);
    }
}

fn evaluate(tagger: &Tagger, units: &[Unit<'_>]) -> Tally {
    let taxonomy = tagger.model().taxonomy();
    let n = taxonomy.len();
    let predictions: Vec<_> = units.par_iter().map(|u| tagger.predict(u.title, u.text, u.shape, TagOptions::default())).collect();
    let id = |t: usize| taxonomy.theme(t).map_or("?", |t| t.id()).to_owned();
    let mut tally = Tally::new(n);
    for (unit, p) in units.iter().zip(&predictions) {
        let Some(&truth) = unit.truth.first() else { continue };
        tally.confusion.add(truth, p.theme);
        tally.confidence.push((p.confidence, p.theme == truth));
        tally.forms.entry(unit.form.to_owned()).or_insert_with(|| Confusion::new(n)).add(truth, p.theme);
        tally.scripts.entry(unit.script.to_owned()).or_insert_with(|| Confusion::new(n)).add(truth, p.theme);
        tally.noises.entry(unit.noise.to_owned()).or_insert_with(|| Confusion::new(n)).add(truth, p.theme);
        tally.tags_all.add(&p.tags, &unit.truth);
        if unit.truth.len() >= 2 {
            tally.tags_mixed.add(&p.tags, &unit.truth);
            tally.mixed += 1;
        }
        if p.theme != truth {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| p.scores[b].total_cmp(&p.scores[a]).then(a.cmp(&b)));
            let top_scores = Ordered(order.into_iter().take(3).map(|t| (id(t), p.scores[t])).collect());
            tally.misses.push(Miss { id: unit.id.clone(), truth: id(truth), predicted: id(p.theme), top_scores });
        }
    }
    tally
}

#[derive(Serialize)]
struct ThemeRow<'a> {
    theme: &'a str,
    name: &'a str,
    #[serde(flatten)]
    scores: ThemeScores,
}

#[derive(Serialize)]
struct TagReport {
    precision: f64,
    recall: f64,
    pieces: u64,
}

#[derive(Serialize)]
struct FormRow<'a> {
    form: &'a str,
    pieces: u64,
    accuracy: f64,
    macro_f1: f64,
}

#[derive(Serialize)]
struct ConfusionReport<'a> {
    themes: Vec<&'a str>,
    /// `matrix[truth][predicted]`.
    matrix: &'a [Vec<u64>],
}

#[derive(Serialize)]
struct EvalReport<'a> {
    model: &'a str,
    granularity: &'a str,
    pieces: u64,
    accuracy: f64,
    macro_f1: f64,
    per_theme: Vec<ThemeRow<'a>>,
    confusion: ConfusionReport<'a>,
    tags_mixed: TagReport,
    tags_all: TagReport,
    per_form: Vec<FormRow<'a>>,
    per_script: Vec<FormRow<'a>>,
    per_noise: Vec<FormRow<'a>>,
    confidence: Reliability,
    misclassified_count: usize,
    misclassified: &'a [Miss],
}

/// Accuracy and macro-F1 per value of a piece attribute (form, script, noise).
fn breakdown(groups: &BTreeMap<String, Confusion>) -> Vec<FormRow<'_>> {
    groups.iter().map(|(form, c)| FormRow { form, pieces: c.total(), accuracy: c.accuracy(), macro_f1: c.macro_f1() }).collect()
}

impl<'a> EvalReport<'a> {
    fn new(model: &'a str, granularity: &'a str, tally: &'a Tally, taxonomy: &'a Taxonomy) -> Self {
        Self {
            model,
            granularity,
            pieces: tally.confusion.total(),
            accuracy: tally.confusion.accuracy(),
            macro_f1: tally.confusion.macro_f1(),
            per_theme: taxonomy
                .themes()
                .iter()
                .zip(tally.confusion.themes())
                .map(|(t, scores)| ThemeRow { theme: t.id(), name: t.name_zh(), scores })
                .collect(),
            confusion: ConfusionReport { themes: taxonomy.ids().collect(), matrix: tally.confusion.rows() },
            tags_mixed: TagReport { precision: tally.tags_mixed.precision(), recall: tally.tags_mixed.recall(), pieces: tally.mixed },
            tags_all: TagReport { precision: tally.tags_all.precision(), recall: tally.tags_all.recall(), pieces: tally.confusion.total() },
            per_form: breakdown(&tally.forms),
            per_script: breakdown(&tally.scripts),
            per_noise: breakdown(&tally.noises),
            confidence: Reliability::new(&tally.confidence),
            misclassified_count: tally.misses.len(),
            misclassified: &tally.misses,
        }
    }
}

/// Runs `eval`.
pub fn run(config: &EvalConfig) -> Result<ExitCode> {
    match &config.folds {
        Some((k, seed, train)) => cross_validate(config, *k, *seed, train),
        None => evaluate_model(config),
    }
}

/// The items of the data, and the exit code of reading them (3 when some input failed).
fn read_items(config: &EvalConfig, taxonomy: &Taxonomy) -> Result<(Vec<Item>, ExitCode)> {
    let mut items = Vec::new();
    let mut reader = RecordReader::new(taxonomy, false, true).with_max_record_bytes(config.max_record_bytes);
    reader.read_sources(&config.files, |item, _, _| {
        items.push(item);
        Ok(())
    })?;
    Ok((items, reader.finish()))
}

fn evaluate_model(config: &EvalConfig) -> Result<ExitCode> {
    let tagger = model::load_tagger(config.model.as_deref())?;
    let taxonomy = tagger.model().taxonomy();
    let (items, code) = read_items(config, taxonomy)?;
    let units = units(&items, config.granularity, taxonomy);
    if units.is_empty() {
        bail!(
            "no {} to evaluate in the data",
            if config.granularity == Granularity::Article { "article record" } else { "labelled paragraph" }
        );
    }
    let tally = evaluate(&tagger, &units);
    let model_name = config.model.as_ref().map_or_else(|| "embedded default".to_owned(), |p| p.display().to_string());
    if let bulletin_classifier::calibration::CalibrationState::Uncalibrated(why) = tagger.model().calibration_state() {
        report::note(format_args!("the model is not calibrated ({why}): its confidence overstates how often it is right"));
    }
    let report = EvalReport::new(&model_name, config.granularity.as_str(), &tally, taxonomy);
    if let Some(dir) = &config.plot {
        plot::write_all(dir, &tally.confidence, tally.confusion.rows(), taxonomy)?;
    }
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => {
            let mut text = Vec::new();
            write_table(&mut text, &report, taxonomy)?;
            output::write_human(&mut out, &String::from_utf8_lossy(&text))?;
        }
    }
    out.flush()?;
    Ok(code)
}

fn write_table(out: &mut impl Write, r: &EvalReport<'_>, taxonomy: &Taxonomy) -> std::io::Result<()> {
    writeln!(out, "model {} at {} granularity: {}", r.model, r.granularity, output::count(r.pieces, "piece", "pieces"))?;
    writeln!(out, "accuracy {:.4}   macro-F1 {:.4}", r.accuracy, r.macro_f1)?;
    let mut table = output::table(&["theme", "precision", "recall", "F1", "support"]);
    for row in &r.per_theme {
        let s = row.scores;
        table.add_row([
            format!("{} {}", row.theme, row.name),
            format!("{:.4}", s.precision),
            format!("{:.4}", s.recall),
            format!("{:.4}", s.f1),
            s.support.to_string(),
        ]);
    }
    writeln!(out, "{}", output::render(&table))?;
    let names: Vec<&str> = taxonomy.themes().iter().map(bulletin_core::Theme::name_zh).collect();
    let mut header = vec!["truth \\ predicted"];
    header.extend(&names);
    let mut table = output::table(&header);
    for (name, row) in names.iter().zip(r.confusion.matrix) {
        let mut cells = vec![(*name).to_owned()];
        cells.extend(row.iter().map(ToString::to_string));
        table.add_row(cells);
    }
    writeln!(out, "confusion matrix (rows: truth, columns: predicted)\n{}", output::render(&table))?;
    writeln!(
        out,
        "tags, mixed pieces (≥ 2 labels, {}): precision {:.4}, recall {:.4}",
        r.tags_mixed.pieces, r.tags_mixed.precision, r.tags_mixed.recall
    )?;
    writeln!(out, "tags, all pieces ({}): precision {:.4}, recall {:.4}", r.tags_all.pieces, r.tags_all.precision, r.tags_all.recall)?;
    for (what, rows) in [("form", &r.per_form), ("script", &r.per_script), ("noise", &r.per_noise)] {
        let mut table = output::table(&[what, "pieces", "accuracy", "macro-F1"]);
        for f in rows {
            table.add_row([f.form.to_owned(), f.pieces.to_string(), format!("{:.4}", f.accuracy), format!("{:.4}", f.macro_f1)]);
        }
        writeln!(out, "per {what}\n{}", output::render(&table))?;
    }
    write_reliability(out, &r.confidence)?;
    writeln!(out, "misclassified: {}", r.misclassified_count)?;
    for m in r.misclassified.iter().take(TABLE_MISSES) {
        let scores: Vec<String> = m.top_scores.0.iter().map(|(t, s)| format!("{t} {s:.3}")).collect();
        writeln!(out, "  {}: truth {}, predicted {} ({})", m.id, m.truth, m.predicted, scores.join(", "))?;
    }
    if r.misclassified_count > TABLE_MISSES {
        writeln!(out, "  … and {} more (--format json lists all)", r.misclassified_count - TABLE_MISSES)?;
    }
    Ok(())
}

/// The confidence section of the table report.
fn write_reliability(out: &mut impl Write, r: &Reliability) -> std::io::Result<()> {
    let pct = |v: f64| if v.is_nan() { "–".to_owned() } else { format!("{:.1} %", 100.0 * v) };
    let num = |v: f64| if v.is_nan() { "–".to_owned() } else { format!("{v:.4}") };
    writeln!(
        out,
        "confidence: ECE {} (10 bins)   AUROC right vs wrong {}   at ≥ 0.99: {}, accuracy {}, {} of all errors",
        num(r.ece),
        num(r.auroc),
        output::count(r.confident_pieces, "piece", "pieces"),
        num(r.confident_accuracy),
        pct(r.confident_error_share)
    )?;
    let mut table = output::table(&["confidence bin", "pieces", "mean confidence", "accuracy"]);
    for b in r.bins.iter().filter(|b| b.pieces > 0) {
        table.add_row([format!("{:.1}–{:.1}", b.lower, b.upper), b.pieces.to_string(), num(b.confidence), num(b.accuracy)]);
    }
    writeln!(out, "reliability\n{}", output::render(&table))?;
    let coverage: Vec<String> = r.risk_coverage.iter().map(|(c, a)| format!("{:.0} % → {}", 100.0 * c, num(*a))).collect();
    writeln!(out, "accuracy when keeping the most confident: {}", coverage.join(", "))?;
    let least: Vec<String> = r
        .errors_in_least_confident
        .iter()
        .map(|(s, e)| format!("{} of errors in the least confident {:.0} %", pct(*e), 100.0 * s))
        .collect();
    writeln!(out, "{}", least.join("; "))
}

#[derive(Serialize)]
struct FoldRow {
    fold: usize,
    train_records: usize,
    test_pieces: u64,
    accuracy: f64,
    macro_f1: f64,
}

#[derive(Serialize)]
struct Spread {
    mean: f64,
    std_dev: f64,
}

#[derive(Serialize)]
struct CvReport<'a> {
    folds: usize,
    seed: u64,
    classifier: &'a str,
    train_granularity: &'a str,
    granularity: &'a str,
    records: usize,
    accuracy: Spread,
    macro_f1: Spread,
    per_fold: Vec<FoldRow>,
    /// Out-of-fold predictions of all folds, pooled.
    per_form: Vec<FormRow<'a>>,
    per_script: Vec<FormRow<'a>>,
    per_noise: Vec<FormRow<'a>>,
    confidence: Reliability,
}

/// Mean and sample standard deviation (n − 1).
fn spread(values: &[f64]) -> Spread {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    Spread { mean, std_dev: var.sqrt() }
}

/// Stratified, seeded assignment of records to `k` folds: the library's
/// [`bulletin_classifier::cv::assign_folds`], which `bench/compare_sklearn.py` reproduces, so the
/// peer comparison runs on the very same folds. Records with an unknown primary label (already
/// rejected when reading) would go with the first theme.
fn assign_folds(records: &[&Record], taxonomy: &Taxonomy, k: usize, seed: u64) -> Vec<usize> {
    let keys: Vec<(&str, usize)> =
        records.iter().map(|r| (r.id.as_str(), r.labels.first().and_then(|l| taxonomy.index_of(l)).unwrap_or(0))).collect();
    bulletin_classifier::cv::assign_folds(&keys, k, seed)
}

/// The records of `fold` (to score) and those of the other folds (to train on).
fn split_fold(records: &[&Record], fold_of: &[usize], fold: usize) -> (Vec<Item>, Vec<Record>) {
    let (test, train): (Vec<(&&Record, &usize)>, _) = records.iter().zip(fold_of).partition(|(_, f)| **f == fold);
    (test.into_iter().map(|(r, _)| Item::Article((*r).clone())).collect(), train.into_iter().map(|(r, _)| (*r).clone()).collect())
}

fn cross_validate(config: &EvalConfig, k: usize, seed: u64, train: &TrainConfig) -> Result<ExitCode> {
    let taxonomy = &train.taxonomy;
    let (items, code) = read_items(config, taxonomy)?;
    let records: Vec<&Record> = items.iter().filter_map(|i| if let Item::Article(r) = i { Some(r) } else { None }).collect();
    let skipped = items.len() - records.len();
    if skipped > 0 {
        report::note(format_args!("{skipped} paragraph record(s) are not used in cross-validation (folds hold whole articles)"));
    }
    if records.len() < k {
        bail!("{} article records cannot be split into {k} folds", records.len());
    }
    let fold_of = assign_folds(&records, taxonomy, k, seed);
    let mut rows = Vec::new();
    let mut pooled = Tally::new(taxonomy.len());
    // Each fold trains on the other folds' records and scores its own: every record once per fold.
    let progress = report::progress("cross-validating", (k * records.len()) as u64, "records");
    for fold in 0..k {
        let (test_items, owned) = split_fold(&records, &fold_of, fold);
        let mut trainer = Trainer::new(train.clone(), &Registry::default()).context("cannot start training")?;
        for batch in owned.chunks(512) {
            trainer.add_records(batch).with_context(|| format!("fold {fold}: training failed"))?;
            progress.inc(batch.len() as u64);
        }
        let tagger = Tagger::from_model(trainer.finish().with_context(|| format!("fold {fold}: training failed"))?)?;
        let tally = evaluate(&tagger, &units(&test_items, config.granularity, taxonomy));
        progress.inc(test_items.len() as u64);
        rows.push(FoldRow {
            fold,
            train_records: owned.len(),
            test_pieces: tally.confusion.total(),
            accuracy: tally.confusion.accuracy(),
            macro_f1: tally.confusion.macro_f1(),
        });
        pooled.merge(tally);
    }
    drop(progress);
    let confidence = Reliability::new(&pooled.confidence);
    if let Some(dir) = &config.plot {
        plot::write_all(dir, &pooled.confidence, pooled.confusion.rows(), taxonomy)?;
    }
    let accuracy: Vec<f64> = rows.iter().map(|r| r.accuracy).collect();
    let macro_f1: Vec<f64> = rows.iter().map(|r| r.macro_f1).collect();
    let report = CvReport {
        folds: k,
        seed,
        classifier: &train.classifier,
        train_granularity: train.granularity.as_str(),
        granularity: config.granularity.as_str(),
        records: records.len(),
        accuracy: spread(&accuracy),
        macro_f1: spread(&macro_f1),
        per_fold: rows,
        per_form: breakdown(&pooled.forms),
        per_script: breakdown(&pooled.scripts),
        per_noise: breakdown(&pooled.noises),
        confidence,
    };
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => {
            // The classifier name comes from the command line: escaped like every report.
            let classifier = output::escape(report.classifier, false);
            writeln!(
                out,
                "{k}-fold cross-validation (seed {seed}) of `{}` trained at {} granularity, evaluated at {} granularity on {} records",
                classifier, report.train_granularity, report.granularity, report.records
            )?;
            writeln!(
                out,
                "accuracy {:.4} ± {:.4}   macro-F1 {:.4} ± {:.4}",
                report.accuracy.mean, report.accuracy.std_dev, report.macro_f1.mean, report.macro_f1.std_dev
            )?;
            let mut table = output::table(&["fold", "train records", "test pieces", "accuracy", "macro-F1"]);
            for r in &report.per_fold {
                table.add_row([
                    r.fold.to_string(),
                    r.train_records.to_string(),
                    r.test_pieces.to_string(),
                    format!("{:.4}", r.accuracy),
                    format!("{:.4}", r.macro_f1),
                ]);
            }
            writeln!(out, "{}", output::render(&table))?;
            for (what, rows) in [("form", &report.per_form), ("script", &report.per_script), ("noise", &report.per_noise)] {
                let mut table = output::table(&[what, "pieces", "accuracy", "macro-F1"]);
                for f in rows {
                    table.add_row([f.form.to_owned(), f.pieces.to_string(), format!("{:.4}", f.accuracy), format!("{:.4}", f.macro_f1)]);
                }
                writeln!(out, "per {what} (all folds' predictions)\n{}", output::render(&table))?;
            }
            write_reliability(&mut out, &report.confidence)?;
        }
    }
    out.flush()?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: usize, label: &str) -> Record {
        Record::from_json(&format!(r#"{{"id":"r{id}","text":"正文。","labels":["{label}"]}}"#)).unwrap()
    }

    #[test]
    fn folds_are_stratified_seeded_and_balanced() {
        let taxonomy = Taxonomy::builtin();
        let records: Vec<Record> = (0..30).map(|i| record(i, ["investment", "other", "financing"][i % 3])).collect();
        let refs: Vec<&Record> = records.iter().collect();
        let folds = assign_folds(&refs, &taxonomy, 5, 42);
        for fold in 0..5 {
            for label in ["investment", "other", "financing"] {
                let n = refs.iter().zip(&folds).filter(|(r, f)| **f == fold && r.labels[0] == label).count();
                assert_eq!(n, 2, "fold {fold}, {label}");
            }
        }
        assert_eq!(folds, assign_folds(&refs, &taxonomy, 5, 42));
        assert_ne!(folds, assign_folds(&refs, &taxonomy, 5, 7));
    }

    #[test]
    fn spread_is_mean_and_sample_standard_deviation() {
        let s = spread(&[1.0, 3.0]);
        assert!((s.mean - 2.0).abs() < 1e-12 && (s.std_dev - 2f64.sqrt()).abs() < 1e-12);
        assert!(spread(&[0.5]).std_dev.abs() < f64::EPSILON);
    }
}
