//! `bulletin calibrate`: refit a model's calibration maps on the user's own held-out labelled
//! data, leaving the counts alone.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bulletin_classifier::calibration::{
    Calibration, CalibrationSource, CalibrationState, PieceShape, Reliability, Scored, TemperatureMap, Uncalibrated,
};
use bulletin_classifier::{Model, argmax};
use bulletin_core::outfile::OutFile;
use rayon::prelude::*;

use crate::cli::CalibrateArgs;
use crate::data::{self, Item, RecordReader};
use crate::exit::ExitCode;
use crate::walk::Source;
use crate::{model, report};

/// Validated `calibrate` options.
#[derive(Debug)]
pub struct CalibrateConfig {
    /// The model; `None` for the embedded one.
    pub model: Option<PathBuf>,
    /// Held-out labelled inputs.
    pub files: Vec<Source>,
    /// Where to write the recalibrated model, checked against the inputs.
    pub out: OutFile,
    /// Remove the calibration instead of fitting one.
    pub none: bool,
}

impl CalibrateConfig {
    /// Validates the parsed arguments.
    pub fn new(args: CalibrateArgs) -> Result<Self> {
        if args.none != args.data.is_empty() {
            bail!("give either --data (held-out labelled records to fit on) or --none (remove the calibration)");
        }
        // The model and the data are refused as the output (`--out` equal to `--model` would
        // replace the input before a failure could be reported; write elsewhere, then rename).
        let inputs: Vec<&Path> = args.model.iter().chain(&args.data).map(PathBuf::as_path).collect();
        let out = OutFile::new(&args.out, &inputs).context("invalid --out")?;
        Ok(Self { model: args.model, files: data::expand_paths(&args.data, &args.glob)?, out, none: args.none })
    }
}

/// One held-out piece: its shape, raw scores and true primary theme.
struct Piece {
    shape: PieceShape,
    scored: Scored,
}

/// Runs `calibrate`.
pub fn run(config: &CalibrateConfig) -> Result<ExitCode> {
    let tagger = model::load_tagger(config.model.as_deref())?;
    if config.none {
        let mut model = tagger.into_model();
        model.set_calibration(CalibrationState::Uncalibrated(Uncalibrated::Disabled));
        save(&model, config)?;
        report::info(format_args!("removed the calibration; wrote {}", config.out.path().display()));
        return Ok(ExitCode::Success);
    }
    let taxonomy = tagger.model().taxonomy().clone();
    // (title, text, shape, truth) of every held-out piece: articles and their labelled
    // paragraphs, and paragraph records.
    let mut inputs: Vec<(String, String, PieceShape, usize)> = Vec::new();
    let mut reader = RecordReader::new(&taxonomy, false, true);
    reader.read_sources(&config.files, |item, _, _| {
        match item {
            Item::Article(r) => {
                let shape = if r.paragraphs().count() > 1 { PieceShape::Article } else { PieceShape::Passage };
                if let Some(truth) = r.labels.first().and_then(|l| taxonomy.index_of(l)) {
                    inputs.push((r.title.clone(), r.text.clone(), shape, truth));
                }
                if let Some(labels) = &r.paragraph_labels {
                    for (p, labels) in r.paragraphs().zip(labels) {
                        if let Some(truth) = labels.first().and_then(|l| taxonomy.index_of(l)) {
                            inputs.push((String::new(), p.to_owned(), PieceShape::Passage, truth));
                        }
                    }
                }
            }
            Item::Paragraph(r) => {
                if let Some(truth) = r.labels.first().and_then(|l| taxonomy.index_of(l)) {
                    inputs.push((String::new(), r.text, PieceShape::Passage, truth));
                }
            }
        }
        Ok(())
    })?;
    let code = reader.finish();
    if inputs.is_empty() {
        bail!("no labelled piece to calibrate on in the data");
    }
    let pieces: Vec<Piece> = inputs
        .par_iter()
        .map(|(title, text, shape, truth)| {
            let (log_proba, length) = tagger.uncalibrated_as(title, text, *shape);
            Piece { shape: *shape, scored: Scored::new(log_proba, length, *truth) }
        })
        .collect();
    let of_shape = |shape| pieces.iter().filter(|p| p.shape == shape).map(|p| p.scored.clone()).collect::<Vec<_>>();
    let calibration = Calibration::fit(&of_shape(PieceShape::Article), &of_shape(PieceShape::Passage), CalibrationSource::HeldOut);
    let before = reliability(&pieces, tagger.model().calibration());
    let after = reliability(&pieces, Some(&calibration));
    let mut model = tagger.into_model();
    model.set_calibration(CalibrationState::Calibrated(calibration.clone()));
    save(&model, config)?;
    report::info(format_args!(
        "calibrated on {} articles and {} passages of held-out data",
        calibration.article_pieces, calibration.passage_pieces
    ));
    report::info(format_args!(
        "ECE on that data: {:.4} before, {:.4} after (accuracy {:.4}, unchanged); wrote {}",
        before.ece,
        after.ece,
        after.accuracy,
        config.out.path().display()
    ));
    if calibration.article_pieces + calibration.passage_pieces < 200 {
        report::note(format_args!("fewer than 200 labelled pieces: the maps are rough; add held-out data and run calibrate again"));
    }
    Ok(code)
}

/// Reliability of `pieces` under `calibration` (the model's own scores without one).
fn reliability(pieces: &[Piece], calibration: Option<&Calibration>) -> Reliability {
    let predictions: Vec<(f64, bool)> = pieces
        .iter()
        .map(|p| {
            let mut l = p.scored.log_proba.clone();
            calibration.map_or(&TemperatureMap::IDENTITY, |c| c.map(p.shape)).apply(&mut l, p.scored.length);
            let top = argmax(&l);
            (l[top].exp(), top == p.scored.truth)
        })
        .collect();
    Reliability::new(&predictions)
}

fn save(model: &Model, config: &CalibrateConfig) -> Result<()> {
    let bytes = model.to_bytes().context("cannot serialise the model")?;
    config.out.write(&bytes).with_context(|| format!("cannot save the model to {}", config.out.path().display()))
}
