//! `bulletin merge`: models trained on different data (shards) → the model of their union.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use bulletin_classifier::{Model, Registry};
use bulletin_core::outfile::OutFile;

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
    /// The merged model file, checked against the inputs.
    pub out: OutFile,
    /// Merge even when the record digests show shared training records.
    pub allow_overlap: bool,
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
        let inputs: Vec<&Path> = std::iter::once(&first).chain(&rest).map(PathBuf::as_path).collect();
        let out = OutFile::new(&args.out, &inputs).context("invalid --out")?;
        Ok(Self { first, rest, out, allow_overlap: args.allow_overlap })
    }
}

/// Runs `merge`.
pub fn run(config: &MergeConfig) -> Result<ExitCode> {
    let mut seen = Vec::with_capacity(config.rest.len() + 1);
    // In bytes of model files, as loading and merging take time in proportion to them.
    let sizes: Vec<u64> = std::iter::once(&config.first).chain(&config.rest).map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).collect();
    let progress = report::progress("merging", sizes.iter().sum(), "bytes");
    let mut merged = load_once(&config.first, &mut seen)?;
    progress.inc(sizes[0]);
    for (path, size) in config.rest.iter().zip(&sizes[1..]) {
        let next = load_once(path, &mut seen)?;
        let shared = merged.shared_records(&next);
        if shared > 0 {
            let problem = format!(
                "{} shares at least {shared} training record(s) with the models before it (by their record digests): \
                 merging would count them twice",
                path.display()
            );
            if !config.allow_overlap {
                bail!("{problem}; train the shards on disjoint data, or pass --allow-overlap to merge anyway");
            }
            report::warn(format_args!("{problem} (merging anyway: --allow-overlap)"));
        }
        // Every model merged so far matches the first, so a mismatch is reported against it.
        merged = merged.merge(next).with_context(|| format!("cannot merge {} with {}", path.display(), config.first.display()))?;
        progress.inc(*size);
    }
    drop(progress);
    let out = config.out.path().display();
    let bytes = merged.to_bytes().context("cannot serialise the model")?;
    config.out.write(&bytes).with_context(|| format!("cannot save the model to {out}"))?;
    let records = merged.summary().records;
    report::info(format_args!("merged {} models ({records} records) into {out}", config.rest.len() + 1));
    report::note(format_args!(
        "the merged model is not calibrated (each shard's maps fit that shard only): run `bulletin calibrate` on held-out labelled data"
    ));
    Ok(ExitCode::Success)
}

/// Loads the model at `path`, refusing one whose bytes are those of a model in `seen` (by a
/// 64-bit hash): the same file given twice, or a copy, would count its training data twice.
fn load_once<'a>(path: &'a Path, seen: &mut Vec<(u64, &'a Path)>) -> Result<Model> {
    let (bytes, name) = model::model_bytes(Some(path))?;
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let digest = hasher.finish();
    if let Some((_, earlier)) = seen.iter().find(|(d, _)| *d == digest) {
        bail!("{} is the same model as {}: merging it would count the same training data twice", path.display(), earlier.display());
    }
    seen.push((digest, path));
    Model::from_bytes(&bytes, &Registry::default()).with_context(|| format!("cannot load {name}"))
}
