//! The default model, compiled in (`default-model` cargo feature, on by default).

use std::sync::LazyLock;

use crate::Tagger;

/// The bytes of the default model: `models/default.bin` of the workspace at build time (under a
/// megabyte), trained by the project on its own labelled corpus (`data/train`).
///
/// The library embeds the file from where the README says it lives, so there is one copy to
/// retrain; a test checks that these bytes equal the file.
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/default.bin");

static DEFAULT_TAGGER: LazyLock<Tagger> =
    LazyLock::new(|| Tagger::from_bytes(DEFAULT_MODEL).expect("the embedded default model loads (checked by the crate's tests)"));

/// The tagger of the [`DEFAULT_MODEL`], built on first use (jieba's dictionary and the model's
/// tables: tens of milliseconds) and shared by every later call and thread.
///
/// ```
/// let tagger = bulletin_classifier::default_tagger();
/// let p = tagger.predict_text("银行为科技企业发放知识产权质押贷款3000万元。");
/// assert_eq!(p.theme_id(), "financing");
/// ```
///
/// # Panics
///
/// Never in a released build: the embedded model is loaded by this crate's tests. (It would
/// panic if the embedded file did not load, e.g. a model retrained with another pipeline and not
/// rebuilt.)
#[must_use]
pub fn default_tagger() -> &'static Tagger {
    &DEFAULT_TAGGER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_bytes_are_models_default_bin() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/default.bin");
        let file = std::fs::read(path).unwrap();
        assert!(file == DEFAULT_MODEL, "the embedded default model differs from {path}: rebuild the crate");
    }

    #[test]
    fn the_default_tagger_loads_and_is_built_once() {
        let a = default_tagger();
        assert!(std::ptr::eq(a, default_tagger()));
        assert_eq!(a.model().taxonomy().ids().collect::<Vec<_>>(), ["investment", "hightech", "financing", "transfer", "other"]);
    }
}
