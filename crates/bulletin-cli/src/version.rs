//! `bulletin --version`: the version, the git commit of the build and what the embedded default
//! model was trained on.

use bulletin_classifier::calibration::CalibrationState;
use bulletin_classifier::{DEFAULT_MODEL, Model, Registry};

/// `0.1.0 (commit 0123456789ab)`: `-V` and the first line of `--version`.
pub const SHORT: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("BULLETIN_COMMIT"), ")");

/// `--version`: [`SHORT`], then the embedded model's training summary.
pub fn long() -> String {
    let model = match Model::from_bytes(DEFAULT_MODEL, &Registry::default()) {
        Ok(model) => model,
        Err(err) => return format!("{SHORT}\nembedded model: cannot be read ({err})"),
    };
    let summary = model.summary();
    let per_theme: Vec<String> =
        model.taxonomy().themes().iter().zip(&summary.pieces_per_theme).map(|(t, n)| format!("{} {n}", t.id())).collect();
    let calibration = match model.calibration_state() {
        CalibrationState::Calibrated(c) => format!("calibrated on {} articles and {} passages", c.article_pieces, c.passage_pieces),
        CalibrationState::Uncalibrated(why) => format!("not calibrated ({why})"),
        _ => "calibration of a kind this build does not describe".to_owned(),
    };
    format!(
        "{SHORT}\nembedded model: {} trained by bulletin {} on {} records ({} granularity), {calibration}\ntraining pieces per theme: {}",
        model.plugin().name(),
        summary.tool_version,
        summary.records,
        summary.granularity,
        per_theme.join(", ")
    )
}
