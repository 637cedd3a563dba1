//! Compares calibration methods on out-of-fold scores (`bench/calibration.sh` runs it).
//!
//! ```text
//! cargo run --release -p bulletin-classifier --example calibration_methods -- data/train [K]
//! ```
//!
//! Each of K stratified folds (the library's [`cv::assign_folds`]) is scored by an uncalibrated
//! model trained on the others, giving every article and every labelled paragraph an
//! out-of-fold score. The methods are then cross-fitted: fitted on the pieces of the even folds
//! and measured on the odd ones, and the other way round, so no method is measured on the
//! pieces it was fitted on. Printed per shape (articles of several paragraphs, passages): ECE
//! over 10 bins, negative log-likelihood of the true theme (vector maps only), Brier score of
//! the confidence, and the share of pieces at ≥ 0.99 with its accuracy.
//!
//! Methods:
//! - `none`: naive Bayes' own probabilities;
//! - `temperature`: one temperature for all lengths;
//! - `length-temperature`: the temperature grows with the piece's length (format 2's map);
//! - `theme-length-temperature`: and shifts with the piece's top theme (the shipped map);
//! - `platt`: logistic regression of "right" on the top log-odds, confidence only;
//! - `isotonic`: pool-adjacent-violators on the confidence, confidence only.

mod common;

use std::path::PathBuf;

use bulletin_classifier::calibration::{Reliability, Scored, TemperatureMap};
use bulletin_classifier::{CalibrationMode, Registry, Tagger, TrainConfig, Trainer, argmax, cv};
use bulletin_core::{Record, Taxonomy};

#[expect(clippy::print_stdout, clippy::print_stderr, reason = "an example that reports figures and progress")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "data/train".into()));
    let k: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let records = common::read_records(&data)?;
    let taxonomy = Taxonomy::builtin();
    let keys: Vec<(&str, usize)> =
        records.iter().map(|r| (r.id.as_str(), r.labels.first().and_then(|l| taxonomy.index_of(l)).unwrap_or(0))).collect();
    let folds = cv::assign_folds(&keys, k, 42);
    // (fold, shape is article, scored)
    let mut pieces: Vec<(usize, bool, Scored)> = Vec::new();
    for fold in 0..k {
        let train: Vec<Record> = records.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let mut config = TrainConfig::default();
        config.calibration = CalibrationMode::None;
        let mut trainer = Trainer::new(config, &Registry::default())?;
        trainer.add_records(&train)?;
        let tagger = Tagger::from_model(trainer.finish()?)?;
        for (r, _) in records.iter().zip(&folds).filter(|(_, f)| **f == fold) {
            let Some(truth) = r.labels.first().and_then(|l| taxonomy.index_of(l)) else { continue };
            let lines = r.paragraphs().count();
            let (log_proba, length) = tagger.uncalibrated(&r.title, &r.text);
            pieces.push((fold, lines > 1, Scored::new(log_proba, length, truth)));
            if let Some(labels) = &r.paragraph_labels {
                for (p, labels) in r.paragraphs().zip(labels) {
                    if let Some(truth) = labels.first().and_then(|l| taxonomy.index_of(l)) {
                        let (log_proba, length) = tagger.uncalibrated("", p);
                        pieces.push((fold, false, Scored::new(log_proba, length, truth)));
                    }
                }
            }
        }
        eprintln!("fold {fold} scored");
    }
    println!("{k}-fold out-of-fold scores of {} ({} records), cross-fitted on even/odd folds", data.display(), records.len());
    for (shape, is_article) in [("articles", true), ("passages", false)] {
        let set: Vec<&(usize, bool, Scored)> = pieces.iter().filter(|p| p.1 == is_article).collect();
        println!("\n{shape}: {} pieces", set.len());
        println!("{:<26} {:>7} {:>7} {:>7} {:>9} {:>9}", "method", "ECE", "NLL", "Brier", "≥0.99 %", "≥0.99 acc");
        for method in ["none", "temperature", "length-temperature", "theme-length-temperature", "platt", "isotonic"] {
            let mut confidences: Vec<(f64, bool)> = Vec::new();
            let mut nll = 0.0;
            for half in 0..2 {
                let fit: Vec<Scored> = set.iter().filter(|p| p.0 % 2 == half).map(|p| p.2.clone()).collect();
                let test: Vec<&Scored> = set.iter().filter(|p| p.0 % 2 != half).map(|p| &p.2).collect();
                let calibrate = Method::fit(method, &fit);
                for s in test {
                    let (confidence, right, log_truth) = calibrate.apply(s);
                    confidences.push((confidence, right));
                    nll -= log_truth.unwrap_or(f64::NAN);
                }
            }
            let r = Reliability::new(&confidences);
            let brier = confidences.iter().map(|&(c, ok)| (c - f64::from(u8::from(ok))).powi(2)).sum::<f64>() / confidences.len() as f64;
            println!(
                "{method:<26} {:>7.4} {:>7.4} {:>7.4} {:>8.1}% {:>9.4}",
                r.ece,
                nll / confidences.len() as f64,
                brier,
                100.0 * r.confident_pieces as f64 / r.pieces as f64,
                r.confident_accuracy
            );
        }
    }
    Ok(())
}

/// A fitted calibration method.
enum Method {
    Vector(TemperatureMap),
    /// `σ(a · top log-odds + b)`.
    Platt(f64, f64),
    /// Confidence thresholds and the calibrated value from each on.
    Isotonic(Vec<(f64, f64)>),
}

impl Method {
    fn fit(name: &str, scored: &[Scored]) -> Self {
        match name {
            "none" => Self::Vector(TemperatureMap::IDENTITY),
            "temperature" => Self::Vector(TemperatureMap::fit_constant(scored)),
            "length-temperature" => Self::Vector(TemperatureMap::fit_length(scored)),
            "theme-length-temperature" => Self::Vector(TemperatureMap::fit(scored)),
            "platt" => {
                let points: Vec<(f64, bool)> =
                    scored.iter().map(|s| (top_log_odds(&s.log_proba), argmax(&s.log_proba) == s.truth)).collect();
                let (a, b) = fit_logistic(&points);
                Self::Platt(a, b)
            }
            _ => {
                let mut points: Vec<(f64, f64)> = scored
                    .iter()
                    .map(|s| {
                        let top = argmax(&s.log_proba);
                        (s.log_proba[top].exp(), f64::from(u8::from(top == s.truth)))
                    })
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Self::Isotonic(pav(&points))
            }
        }
    }

    /// Calibrated confidence, whether the top theme is right, and the log-probability of the
    /// true theme (vector maps only).
    fn apply(&self, s: &Scored) -> (f64, bool, Option<f64>) {
        let top = argmax(&s.log_proba);
        let right = top == s.truth;
        match self {
            Self::Vector(map) => {
                let mut l = s.log_proba.clone();
                map.apply(&mut l, s.length);
                (l[top].exp(), right, Some(l[s.truth].max(-50.0)))
            }
            Self::Platt(a, b) => (sigmoid(a * top_log_odds(&s.log_proba) + b), right, None),
            Self::Isotonic(steps) => {
                let c = s.log_proba[top].exp();
                let value = steps.iter().take_while(|(x, _)| *x <= c).last().map_or(steps.first().map_or(c, |s| s.1), |s| s.1);
                (value, right, None)
            }
        }
    }
}

/// Log-odds of the top theme against the rest, capped so that 1.0 stays finite.
fn top_log_odds(log_proba: &[f64]) -> f64 {
    let top = argmax(log_proba);
    let rest: f64 = log_proba.iter().enumerate().filter(|(i, _)| *i != top).map(|(_, v)| v.exp()).sum();
    (log_proba[top] - rest.max(1e-300).ln()).min(700.0)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Logistic regression of one feature by Newton's method.
#[expect(clippy::many_single_char_names, reason = "the textbook names of Newton's method")]
fn fit_logistic(points: &[(f64, bool)]) -> (f64, f64) {
    let (mut a, mut b) = (0.01, 0.0);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for &(x, y) in points {
            let p = sigmoid(a * x + b);
            let e = p - f64::from(u8::from(y));
            ga += e * x;
            gb += e;
            let w = p * (1.0 - p);
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a, b)
}

/// Pool-adjacent-violators on points sorted by x: steps `(x from, value)`.
fn pav(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    // Blocks of (first x, sum, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for &(x, y) in points {
        blocks.push((x, y, 1.0));
        while blocks.len() > 1 {
            let n = blocks.len();
            if blocks[n - 2].1 / blocks[n - 2].2 <= blocks[n - 1].1 / blocks[n - 1].2 {
                break;
            }
            let last = blocks.pop().unwrap_or_default();
            let prev = blocks.last_mut().expect("two blocks");
            prev.1 += last.1;
            prev.2 += last.2;
        }
    }
    blocks.into_iter().map(|(x, sum, count)| (x, sum / count)).collect()
}
