use std::path::PathBuf;

use bulletin_core::CoreError;
use bulletin_segmenter::SegmenterError;

/// Everything that can go wrong while training, merging, saving, loading or applying a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifierError {
    /// A core error: taxonomy, labels, or the model envelope (magic, version, checksum, truncation).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The text pipeline could not be built (bad lexicon, bad settings).
    #[error(transparent)]
    Segmenter(#[from] SegmenterError),
    /// The plugin does not implement this operation (the linfa backends answer merge, update
    /// and explain this way).
    #[error("the `{plugin}` classifier does not support {operation}")]
    Unsupported {
        /// Plugin name.
        plugin: String,
        /// What was asked of it.
        operation: &'static str,
    },
    /// No plugin of that name is registered.
    #[error("unknown classifier `{name}` (available: {})", available.join(", "))]
    UnknownPlugin {
        /// The name asked for.
        name: String,
        /// Registered names.
        available: Vec<String>,
    },
    /// A hyper-parameter value that makes no sense.
    #[error("invalid value `{value}` for parameter `{name}`: {reason}")]
    InvalidParam {
        /// Parameter name.
        name: String,
        /// The value given.
        value: String,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A hyper-parameter the plugin does not know.
    #[error("unknown parameter `{name}` (valid: {})", valid.join(", "))]
    UnknownParam {
        /// Parameter name.
        name: String,
        /// Valid names.
        valid: Vec<String>,
    },
    /// Two models that cannot be combined (different plugin, taxonomy, pipeline or parameters).
    #[error("cannot merge models: {what} differ ({left} vs {right})")]
    MergeMismatch {
        /// Which part differs.
        what: &'static str,
        /// The first model's value.
        left: String,
        /// The second model's value.
        right: String,
    },
    /// The model's pipeline settings do not reproduce with this build (other pipeline rules,
    /// other jieba-rs version, other stopword list).
    #[error(
        "the model was trained with a text pipeline this build cannot reproduce (pipeline version {model_version}, this build {build_version}; fingerprint {model_fingerprint} vs {build_fingerprint}); retrain it with this version of bulletin"
    )]
    PipelineMismatch {
        /// `pipeline_version` stored in the model.
        model_version: u32,
        /// This build's `PIPELINE_VERSION`.
        build_version: u32,
        /// Fingerprint stored in the model (hex, first 16 digits).
        model_fingerprint: String,
        /// Fingerprint this build computes for the same settings (hex, first 16 digits).
        build_fingerprint: String,
    },
    /// The model payload passed its checksum but does not decode (written by a different build).
    #[error("the model payload does not decode: {reason}")]
    Payload {
        /// The decoder's message.
        reason: String,
    },
    /// No training example survived (empty input, or everything filtered out).
    #[error("no training data: {reason}")]
    NoTrainingData {
        /// Why.
        reason: String,
    },
    /// A feature vector or label outside the model's dimensions.
    #[error("{what} {index} is out of range (the model has {len})")]
    OutOfRange {
        /// `theme` or `feature`.
        what: &'static str,
        /// The offending index.
        index: usize,
        /// The valid size.
        len: usize,
    },
    /// linfa-bayes reported an error (`linfa` cargo feature).
    #[cfg(feature = "linfa")]
    #[error("linfa-bayes: {0}")]
    Linfa(#[from] linfa_bayes::NaiveBayesError),
    /// Reading or writing a model file failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
