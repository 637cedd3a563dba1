//! `bulletin inspect`: what a model file holds.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use bulletin_classifier::summary::ModelReport;
use bulletin_classifier::{Model, Registry};
use bulletin_core::envelope;

use crate::cli::{InspectArgs, ReportFormat};
use crate::exit::ExitCode;
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

/// Runs `inspect`.
pub fn run(config: &InspectConfig) -> Result<ExitCode> {
    let (bytes, name) = model::model_bytes(config.model.as_deref())?;
    let opened = envelope::open(&bytes).with_context(|| format!("cannot load {name}"))?;
    let model = Model::from_bytes(&bytes, &Registry::default()).with_context(|| format!("cannot load {name}"))?;
    // `name` reads "model FILE" in messages; the report names the file alone.
    let shown = config.model.as_deref().map_or(name, |path| path.display().to_string());
    let report = ModelReport::new(&model, shown, opened.version, config.top);
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

fn write_text(out: &mut impl Write, r: &ModelReport<'_>) -> std::io::Result<()> {
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
