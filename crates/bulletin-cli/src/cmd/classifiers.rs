//! `bulletin classifiers`: the registered classifier plugins.

use std::io::Write;

use anyhow::Result;
use bulletin_classifier::{DEFAULT_CLASSIFIER, Registry};

use crate::exit::ExitCode;
use crate::output;

/// Runs `classifiers`.
pub fn run() -> Result<ExitCode> {
    let registry = Registry::default();
    let mut out = output::stdout();
    for factory in registry.factories() {
        let default = if factory.name() == DEFAULT_CLASSIFIER { " (default)" } else { "" };
        writeln!(out, "{}{default}\n    {}", factory.name(), factory.description())?;
        if !factory.params_help().is_empty() {
            writeln!(out, "    params: {}", factory.params_help())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::Success)
}
