//! The summary of a model that `bulletin inspect` prints and the workbench's `/api/model`
//! returns: taxonomy, classifier and parameters, pipeline, training summary, calibration (and
//! whether it is stale), corrections folded in, the most indicative features per theme.
//!
//! ```
//! # #[cfg(feature = "default-model")] {
//! use bulletin_classifier::summary::ModelReport;
//!
//! let model = bulletin_classifier::default_tagger().model();
//! let report = ModelReport::new(model, "the embedded default model".into(), 2, 5);
//! assert_eq!(report.classifier, "multinomial");
//! assert!(report.calibration.calibrated && !report.calibration.stale);
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::Model;
use crate::calibration::{CalibrationSource, CalibrationState};
use crate::jsonl::Ordered;

/// What a model file holds, as `bulletin inspect --format json` prints it.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct ModelReport<'a> {
    /// The model's name (file or embedded).
    pub model: String,
    /// The file format version.
    pub format_version: u32,
    /// The themes.
    pub taxonomy: TaxonomyReport<'a>,
    /// The classifier plugin.
    pub classifier: &'a str,
    /// Hyper-parameters by name.
    pub params: BTreeMap<String, String>,
    /// The text-pipeline settings.
    pub pipeline_settings: &'a bulletin_core::PipelineSettings,
    /// The pipeline fingerprint in hex.
    pub fingerprint: String,
    /// What the model was trained on.
    pub summary: SummaryReport<'a>,
    /// Features in the vocabulary.
    pub vocabulary_size: usize,
    /// Features kept by selection.
    pub selected_features: usize,
    /// The calibration.
    pub calibration: CalibrationReport,
    /// Distinct training records in the digest used by `merge` (exact below 4096).
    pub record_digest: usize,
    /// Corrections folded into the counts.
    pub corrections: usize,
    /// The most indicative features per theme.
    pub top_features: Vec<TopFeatures<'a>>,
}

/// The calibration of a model.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct CalibrationReport {
    /// Whether the model has calibration maps.
    pub calibrated: bool,
    /// Why the model has no calibration, or where the maps come from.
    pub detail: String,
    /// Whether the counts changed since the maps were fitted (refit with `bulletin calibrate`).
    pub stale: bool,
    /// `[c0, c1]` of the article map: `β = exp(c0 + o_top + c1·ln(1+n))`.
    pub article_map: Option<[f64; 2]>,
    /// `[c0, c1]` of the passage map.
    pub passage_map: Option<[f64; 2]>,
    /// The article map's offset of `c0` per top theme, in taxonomy order (empty for none).
    pub article_theme_offsets: Vec<f64>,
    /// The passage map's offset of `c0` per top theme, in taxonomy order (empty for none).
    pub passage_theme_offsets: Vec<f64>,
}

impl CalibrationReport {
    /// The report of a calibration state.
    #[must_use]
    pub fn new(state: &CalibrationState) -> Self {
        match state {
            CalibrationState::Calibrated(c) => Self {
                calibrated: true,
                detail: match c.source {
                    CalibrationSource::CrossValidation { folds } => format!(
                        "{folds}-fold out-of-fold scores of the training data ({} articles, {} passages)",
                        c.article_pieces, c.passage_pieces
                    ),
                    _ => format!("held-out data ({} articles, {} passages)", c.article_pieces, c.passage_pieces),
                },
                stale: c.stale,
                article_map: Some([c.article.c0, c.article.c1]),
                passage_map: Some([c.passage.c0, c.passage.c1]),
                article_theme_offsets: c.article.theme_offsets.clone(),
                passage_theme_offsets: c.passage.theme_offsets.clone(),
            },
            CalibrationState::Uncalibrated(why) => Self {
                calibrated: false,
                detail: why.to_string(),
                stale: false,
                article_map: None,
                passage_map: None,
                article_theme_offsets: Vec::new(),
                passage_theme_offsets: Vec::new(),
            },
        }
    }
}

/// The taxonomy of a model.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct TaxonomyReport<'a> {
    /// The taxonomy's name.
    pub name: &'a str,
    /// The taxonomy's version.
    pub version: u32,
    /// The fallback theme's id.
    pub fallback: &'a str,
    /// The themes in order.
    pub themes: Vec<ThemeReport<'a>>,
}

/// One theme.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct ThemeReport<'a> {
    /// Theme id.
    pub id: &'a str,
    /// Chinese name.
    pub name_zh: &'a str,
    /// English name.
    pub name_en: &'a str,
}

/// What the model was trained on.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct SummaryReport<'a> {
    /// Training pieces per theme.
    pub pieces_per_theme: Ordered<&'a str, u64>,
    /// Records read.
    pub records: u64,
    /// Training granularity.
    pub granularity: &'a str,
    /// The version of bulletin that trained it.
    pub tool_version: &'a str,
}

/// The most indicative features of one theme.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct TopFeatures<'a> {
    /// The theme id.
    pub theme: &'a str,
    /// Features, most indicative first.
    pub features: Vec<FeatureScore>,
}

/// A feature and its log-ratio score.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct FeatureScore {
    /// The feature.
    pub feature: String,
    /// Its log-ratio of in-theme to out-of-theme frequency.
    pub score: f64,
}

impl<'a> ModelReport<'a> {
    /// The report of `model`, named `name` in it, read from a file of `format_version`, with the
    /// `top` most indicative features per theme.
    #[must_use]
    pub fn new(model: &'a Model, name: String, format_version: u32, top: usize) -> Self {
        let taxonomy = model.taxonomy();
        let summary = model.summary();
        Self {
            model: name,
            format_version,
            taxonomy: TaxonomyReport {
                name: taxonomy.name(),
                version: taxonomy.version(),
                fallback: taxonomy.theme(taxonomy.fallback()).map_or("", |t| t.id()),
                themes: taxonomy.themes().iter().map(|t| ThemeReport { id: t.id(), name_zh: t.name_zh(), name_en: t.name_en() }).collect(),
            },
            classifier: model.plugin().name(),
            params: model.params(),
            pipeline_settings: model.settings(),
            fingerprint: model.fingerprint().iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            }),
            summary: SummaryReport {
                pieces_per_theme: Ordered(taxonomy.ids().zip(summary.pieces_per_theme.iter().copied()).collect()),
                records: summary.records,
                granularity: &summary.granularity,
                tool_version: &summary.tool_version,
            },
            vocabulary_size: model.vocabulary().len(),
            selected_features: model.selected_features(),
            calibration: CalibrationReport::new(model.calibration_state()),
            record_digest: model.records().len(),
            corrections: model.corrections().len(),
            top_features: (0..taxonomy.len())
                .map(|t| TopFeatures {
                    theme: taxonomy.theme(t).map_or("", |t| t.id()),
                    features: model.top_features(t, top).into_iter().map(|(feature, score)| FeatureScore { feature, score }).collect(),
                })
                .collect(),
        }
    }
}
