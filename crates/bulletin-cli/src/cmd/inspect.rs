//! `bulletin inspect`: what a model file holds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use bulletin_classifier::calibration::{CalibrationSource, CalibrationState};
use bulletin_classifier::{Model, Registry};
use bulletin_core::envelope;
use serde::Serialize;

use crate::cli::{InspectArgs, ReportFormat};
use crate::exit::ExitCode;
use crate::jsonl::Ordered;
use crate::{model, output};

/// Validated `inspect` options.
#[derive(Debug)]
pub struct InspectConfig {
    /// The model file; `None` for the embedded model.
    pub model: Option<PathBuf>,
    /// Output format.
    pub format: ReportFormat,
    /// Features listed per theme.
    pub top: usize,
}

impl InspectConfig {
    /// Validates the parsed arguments.
    pub fn new(args: InspectArgs) -> Self {
        let format = if args.json { ReportFormat::Json } else { args.format };
        Self { model: args.model, format, top: args.top }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    model: String,
    format_version: u32,
    taxonomy: TaxonomyReport<'a>,
    classifier: &'a str,
    params: BTreeMap<String, String>,
    pipeline_settings: &'a bulletin_core::PipelineSettings,
    fingerprint: String,
    summary: SummaryReport<'a>,
    vocabulary_size: usize,
    selected_features: usize,
    calibration: CalibrationReport,
    /// Distinct training records in the digest used by `merge` (exact below 4096).
    record_digest: usize,
    corrections: usize,
    top_features: Vec<TopFeatures<'a>>,
}

#[derive(Serialize)]
struct CalibrationReport {
    calibrated: bool,
    /// Why the model has no calibration, or where the maps come from.
    detail: String,
    stale: bool,
    /// `[c0, c1]` of the article and passage maps: β(n) = exp(c0 + c1·ln(1+n)).
    article_map: Option<[f64; 2]>,
    passage_map: Option<[f64; 2]>,
}

impl CalibrationReport {
    fn new(state: &CalibrationState) -> Self {
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
            },
            CalibrationState::Uncalibrated(why) => {
                Self { calibrated: false, detail: why.to_string(), stale: false, article_map: None, passage_map: None }
            }
            _ => Self { calibrated: false, detail: "unknown".into(), stale: false, article_map: None, passage_map: None },
        }
    }
}

#[derive(Serialize)]
struct TaxonomyReport<'a> {
    name: &'a str,
    version: u32,
    fallback: &'a str,
    themes: Vec<ThemeReport<'a>>,
}

#[derive(Serialize)]
struct ThemeReport<'a> {
    id: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
}

#[derive(Serialize)]
struct SummaryReport<'a> {
    pieces_per_theme: Ordered<&'a str, u64>,
    records: u64,
    granularity: &'a str,
    tool_version: &'a str,
}

#[derive(Serialize)]
struct TopFeatures<'a> {
    theme: &'a str,
    features: Vec<FeatureScore>,
}

#[derive(Serialize)]
struct FeatureScore {
    feature: String,
    score: f64,
}

/// Runs `inspect`.
pub fn run(config: &InspectConfig) -> Result<ExitCode> {
    let (bytes, name) = model::model_bytes(config.model.as_deref())?;
    let opened = envelope::open(&bytes).with_context(|| format!("cannot load {name}"))?;
    let model = Model::from_bytes(&bytes, &Registry::default()).with_context(|| format!("cannot load {name}"))?;
    let report = build(&model, name, opened.version, config.top);
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => {
            let mut text = Vec::new();
            write_text(&mut text, &report)?;
            output::write_human(&mut out, &String::from_utf8_lossy(&text))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::Success)
}

fn build(model: &Model, name: String, format_version: u32, top: usize) -> Report<'_> {
    let taxonomy = model.taxonomy();
    let summary = model.summary();
    Report {
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

fn write_text(out: &mut impl Write, r: &Report<'_>) -> std::io::Result<()> {
    writeln!(out, "model:             {}", r.model)?;
    writeln!(out, "format version:    {}", r.format_version)?;
    let c = &r.calibration;
    if c.calibrated {
        writeln!(out, "calibration:       {}{}", c.detail, if c.stale { " (stale: refit with `bulletin calibrate`)" } else { "" })?;
    } else {
        writeln!(out, "calibration:       none ({})", c.detail)?;
    }
    writeln!(out, "taxonomy:          {} v{} (fallback {})", r.taxonomy.name, r.taxonomy.version, r.taxonomy.fallback)?;
    for t in &r.taxonomy.themes {
        writeln!(out, "  {:<12} {}  {}", t.id, t.name_zh, t.name_en)?;
    }
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    writeln!(out, "classifier:        {} ({})", r.classifier, params.join(" "))?;
    let settings = serde_json::to_string(r.pipeline_settings).unwrap_or_default();
    writeln!(out, "pipeline settings: {settings}")?;
    writeln!(out, "fingerprint:       {}", r.fingerprint)?;
    let pieces: Vec<String> = r.summary.pieces_per_theme.0.iter().map(|(t, n)| format!("{t} {n}")).collect();
    writeln!(
        out,
        "trained on:        {} records, {} granularity, bulletin {}",
        r.summary.records, r.summary.granularity, r.summary.tool_version
    )?;
    writeln!(out, "pieces per theme:  {}", pieces.join(", "))?;
    writeln!(out, "vocabulary:        {} features, {} selected", r.vocabulary_size, r.selected_features)?;
    let mut table = output::table(&["theme", "most indicative features"]);
    for (top, theme) in r.top_features.iter().zip(&r.taxonomy.themes) {
        let features: Vec<&str> = top.features.iter().map(|f| f.feature.as_str()).collect();
        table.add_row([format!("{} {}", theme.id, theme.name_zh), features.join(" ")]);
    }
    writeln!(out, "{}", output::render(&table))
}
