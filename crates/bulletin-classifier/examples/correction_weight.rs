//! Measures how many times a correction should count when the workbench folds it into the model
//! (`bulletin serve --correction-weight`; `bench/corrections.sh` runs it).
//!
//! ```text
//! cargo run --release -p bulletin-classifier --example correction_weight -- data/train data/field [K]
//! ```
//!
//! The corrections are what an editor would correct: every article and paragraph of the field
//! batch (`data/field`) that a model trained on `data/train` gets wrong, with its true labels
//! (articles as they are, paragraphs as one-paragraph records). For each weight w:
//!
//! - **fixed**: the share of those pieces that the base model with the corrections folded in
//!   ([`Model::fold_corrections`], w times each) now gives their corrected theme;
//! - **CV macro-F1**: K-fold cross-validation on `data/train` (the library's
//!   [`cv::assign_folds`], seed 42) where each fold's model also holds the corrections w times,
//!   against the same folds without them: what the corrections cost the themes' general accuracy.
//!
//! Decisions are the argmax of the scores (calibration, which is monotone, is left out to save time).

mod common;

use std::path::PathBuf;

use bulletin_classifier::calibration::PieceShape;
use bulletin_classifier::metrics::Confusion;
use bulletin_classifier::{CalibrationMode, Model, Registry, TagOptions, Tagger, TrainConfig, Trainer, cv};
use bulletin_core::{Record, Taxonomy};

const WEIGHTS: [u32; 8] = [1, 2, 3, 4, 6, 8, 12, 16];

#[expect(clippy::print_stdout, clippy::print_stderr, reason = "an example that reports figures and progress")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let train_dir = PathBuf::from(args.next().unwrap_or_else(|| "data/train".into()));
    let field_dir = PathBuf::from(args.next().unwrap_or_else(|| "data/field".into()));
    let k: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let taxonomy = Taxonomy::builtin();
    let records = common::read_records(&train_dir)?;

    eprintln!("training the base model on {} records", records.len());
    let base = train(&records)?;
    let base_bytes = base.to_bytes()?;
    let tagger = Tagger::from_model(base)?;
    let mut corrections = Vec::new();
    for r in common::read_records(&field_dir.join("articles.jsonl"))? {
        if theme(&tagger, &r.title, &body(&r), PieceShape::of_text(&body(&r))) != r.labels[0] {
            corrections.push(r);
        }
    }
    let articles = corrections.len();
    for r in common::read_records(&field_dir.join("paragraphs.jsonl"))? {
        if theme(&tagger, "", &r.text, PieceShape::Passage) != r.labels[0] {
            let labels = r.labels.clone();
            corrections.push(Record::new(r.id, "", r.text, labels.clone()).with_paragraph_labels(vec![labels]));
        }
    }
    let ids: Vec<String> = corrections.iter().map(|r| r.id.clone()).collect();
    // A piece whose every line the pipeline drops (web boilerplate such as a date or a view count
    // on the paragraph's only line) emits no feature: no correction can change its theme.
    let featureless: Vec<bool> = corrections.iter().map(|r| tagger.uncalibrated(&r.title, &body(r)).1 == 0).collect();
    let learnable = featureless.iter().filter(|&&f| !f).count();
    eprintln!(
        "{} corrections: {articles} field articles and {} field paragraphs the base model gets wrong",
        ids.len(),
        ids.len() - articles
    );

    // Cross-validation folds: one model per fold without corrections, kept as bytes.
    let keys: Vec<(&str, usize)> =
        records.iter().map(|r| (r.id.as_str(), r.labels.first().and_then(|l| taxonomy.index_of(l)).unwrap_or(0))).collect();
    let folds = cv::assign_folds(&keys, k, 42);
    let mut fold_models = Vec::new();
    // `CORRECTIONS_ONLY=1` skips the cross-validation (quick runs while debugging).
    let k = if std::env::var_os("CORRECTIONS_ONLY").is_some() { 0 } else { k };
    for fold in 0..k {
        eprintln!("training fold {fold}");
        let part: Vec<Record> = records.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        fold_models.push(train(&part)?.to_bytes()?);
    }
    let cv_macro_f1 = |weight: u32| -> Result<f64, Box<dyn std::error::Error>> {
        let mut confusion = Confusion::new(taxonomy.len());
        for (fold, bytes) in fold_models.iter().enumerate() {
            let mut model = Model::from_bytes(bytes, &Registry::default())?;
            if weight > 0 {
                model = model.fold_corrections(&corrections, &ids, weight)?;
            }
            let tagger = Tagger::from_model(model)?;
            for (r, _) in records.iter().zip(&folds).filter(|(_, f)| **f == fold) {
                let predicted = tagger.predict(&r.title, &body(r), PieceShape::of_text(&body(r)), TagOptions::default()).theme;
                confusion.add(taxonomy.index_of(&r.labels[0]).unwrap_or(0), predicted);
            }
        }
        Ok(confusion.macro_f1())
    };
    let without = cv_macro_f1(0)?;
    println!(
        "corrections: {} ({articles} articles, {} paragraphs of data/field the base model got wrong)",
        ids.len(),
        ids.len() - articles
    );
    println!("{} of them emit no feature (their only line is dropped as web boilerplate): no weight can fix those", ids.len() - learnable);
    println!("{k}-fold CV macro-F1 of data/train without corrections: {without:.4}");
    println!();
    println!("| weight | corrections fixed | of those with features | {k}-fold CV macro-F1 | change (points) |");
    println!("|---|---|---|---|---|");
    for weight in WEIGHTS {
        let model = Model::from_bytes(&base_bytes, &Registry::default())?.fold_corrections(&corrections, &ids, weight)?;
        let tagger = Tagger::from_model(model)?;
        let (mut fixed, mut fixed_learnable) = (0usize, 0usize);
        for (r, &no_feature) in corrections.iter().zip(&featureless) {
            let shape = if r.title.is_empty() && r.paragraphs().count() == 1 { PieceShape::Passage } else { PieceShape::of_text(&body(r)) };
            let now = theme(&tagger, &r.title, &body(r), shape);
            if now == r.labels[0] {
                fixed += 1;
                fixed_learnable += usize::from(!no_feature);
            } else if weight == WEIGHTS[WEIGHTS.len() - 1] && !no_feature {
                eprintln!("not fixed at weight {weight}: {} {:?} -> {now} ({} chars)", r.id, r.labels, r.text.chars().count());
            }
        }
        let f1 = cv_macro_f1(weight)?;
        println!(
            "| {weight} | {fixed}/{} ({:.1} %) | {fixed_learnable}/{learnable} ({:.1} %) | {f1:.4} | {:+.2} |",
            ids.len(),
            100.0 * fixed as f64 / ids.len() as f64,
            100.0 * fixed_learnable as f64 / learnable.max(1) as f64,
            100.0 * (f1 - without)
        );
    }
    Ok(())
}

/// A record's body as the page splitter gives an article: section lines without their `## `.
fn body(r: &Record) -> String {
    r.lines().map(|(line, _)| line.trim_start_matches('#').trim()).collect::<Vec<_>>().join("\n")
}

fn theme(tagger: &Tagger, title: &str, text: &str, shape: PieceShape) -> String {
    tagger.predict(title, text, shape, TagOptions::default()).theme_id().to_owned()
}

fn train(records: &[Record]) -> Result<Model, Box<dyn std::error::Error>> {
    let mut config = TrainConfig::default();
    config.calibration = CalibrationMode::None;
    let mut trainer = Trainer::new(config, &Registry::default())?;
    trainer.add_records(records)?;
    Ok(trainer.finish()?)
}
