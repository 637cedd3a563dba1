//! `bulletin merge`: models trained on different data (shards) → the model of their union.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};

use crate::cli::MergeArgs;
use crate::exit::ExitCode;
use crate::{model, report};

/// Validated `merge` options.
#[derive(Debug)]
pub struct MergeConfig {
    /// The first model.
    pub first: PathBuf,
    /// The others, merged into the first in order.
    pub rest: Vec<PathBuf>,
    /// The merged model file.
    pub out: PathBuf,
}

impl MergeConfig {
    /// Validates the parsed arguments.
    pub fn new(args: MergeArgs) -> Result<Self> {
        let mut models = args.models.into_iter();
        let first = models.next().ok_or_else(|| anyhow!("merge needs two or more models"))?;
        let rest: Vec<PathBuf> = models.collect();
        if rest.is_empty() {
            bail!("merge needs two or more models, got only {}", first.display());
        }
        Ok(Self { first, rest, out: args.out })
    }
}

/// Runs `merge`.
pub fn run(config: &MergeConfig) -> Result<ExitCode> {
    let mut merged = model::load_model(Some(&config.first))?;
    for path in &config.rest {
        let next = model::load_model(Some(path))?;
        // Every model merged so far matches the first, so a mismatch is reported against it.
        merged = merged.merge(next).with_context(|| format!("cannot merge {} with {}", path.display(), config.first.display()))?;
    }
    merged.save(&config.out).with_context(|| format!("cannot save the model to {}", config.out.display()))?;
    let records = merged.summary().records;
    report::info(format_args!("merged {} models ({records} records) into {}", config.rest.len() + 1, config.out.display()));
    Ok(ExitCode::Success)
}
