//! Loading models: a file given with `--model`, or the default model embedded in the binary.

use std::path::Path;

use anyhow::{Context, Result};
use bulletin_classifier::{DEFAULT_MODEL, Registry, Tagger};

/// A model file's bytes, or the embedded model's; the name for messages.
pub fn model_bytes(path: Option<&Path>) -> Result<(std::borrow::Cow<'static, [u8]>, String)> {
    match path {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
            Ok((bytes.into(), format!("model {}", path.display())))
        }
        // The library's copy of models/default.bin: `classify` works from any directory with
        // nothing else installed.
        None => Ok((DEFAULT_MODEL.into(), "the embedded default model".to_owned())),
    }
}

/// Loads a model and builds its text pipeline (checking that it reproduces the model's).
pub fn load_tagger(path: Option<&Path>) -> Result<Tagger> {
    let (bytes, name) = model_bytes(path)?;
    Tagger::from_bytes_with(&bytes, &Registry::default()).with_context(|| format!("cannot load {name}"))
}
