//! `bulletin merge`: two models trained on different data → the model of their union.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::MergeArgs;
use crate::exit::ExitCode;
use crate::{model, report};

/// Validated `merge` options.
#[derive(Debug)]
pub struct MergeConfig {
    /// The two models.
    pub inputs: [PathBuf; 2],
    /// The merged model file.
    pub out: PathBuf,
}

impl MergeConfig {
    /// Validates the parsed arguments.
    pub fn new(args: MergeArgs) -> Self {
        Self { inputs: [args.a, args.b], out: args.out }
    }
}

/// Runs `merge`.
pub fn run(config: &MergeConfig) -> Result<ExitCode> {
    let [a, b] = &config.inputs;
    let left = model::load_model(Some(a))?;
    let right = model::load_model(Some(b))?;
    let merged = left.merge(right).with_context(|| format!("cannot merge {} and {}", a.display(), b.display()))?;
    merged.save(&config.out).with_context(|| format!("cannot save the model to {}", config.out.display()))?;
    let records = merged.summary().records;
    report::info(format_args!("merged {} and {} ({records} records) into {}", a.display(), b.display(), config.out.display()));
    Ok(ExitCode::Success)
}
