//! Loading models: a file given with `--model`, or the default model embedded in the binary.

use std::path::Path;

use anyhow::{Context, Result};
use bulletin_classifier::calibration::{CalibrationState, Uncalibrated};
use bulletin_classifier::{DEFAULT_MODEL, Registry, Tagger};
use bulletin_core::envelope;

use crate::report;

/// Whether `--model` came from `BULLETIN_MODEL` rather than the command line (set by `main`):
/// messages about that model then name the variable.
pub static MODEL_FROM_ENV: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A model file's bytes, or the embedded model's; the name for messages.
pub fn model_bytes(path: Option<&Path>) -> Result<(std::borrow::Cow<'static, [u8]>, String)> {
    match path {
        Some(path) => {
            let name = if MODEL_FROM_ENV.load(std::sync::atomic::Ordering::Relaxed) {
                format!("model {} (from BULLETIN_MODEL)", path.display())
            } else {
                format!("model {}", path.display())
            };
            // The header is checked before the payload is read: `/dev/zero` is refused at once.
            let bytes = envelope::read_file(path).with_context(|| format!("cannot load {name}"))?;
            Ok((bytes.into(), name))
        }
        // The library's copy of models/default.bin: `classify` works from any directory with
        // nothing else installed.
        None => Ok((DEFAULT_MODEL.into(), "the embedded default model".to_owned())),
    }
}

/// Loads a model and builds its text pipeline (checking that it reproduces the model's).
pub fn load_tagger(path: Option<&Path>) -> Result<Tagger> {
    let (bytes, name) = model_bytes(path)?;
    let tagger = Tagger::from_bytes_with(&bytes, &Registry::default()).with_context(|| format!("cannot load {name}"))?;
    match tagger.model().calibration_state() {
        CalibrationState::Uncalibrated(Uncalibrated::LegacyFormat) => report::note(format_args!(
            "{name} is a version-1 file: its confidence is not calibrated (retrain it, or run `bulletin calibrate` on held-out data)"
        )),
        CalibrationState::Uncalibrated(Uncalibrated::Merged) => report::note(format_args!(
            "{name} is a merge of shard models: its confidence is not calibrated (run `bulletin calibrate` on held-out data)"
        )),
        _ => {}
    }
    Ok(tagger)
}
