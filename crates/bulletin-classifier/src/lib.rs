//! Theme classifiers for Chinese high-tech-zone news: a plugin trait, a registry, naive-Bayes
//! backends, the versioned model file and the one-call [`Tagger`].
//!
//! # In three lines
//!
//! With the default model (cargo feature `default-model`, on by default):
//!
//! ```
//! # #[cfg(feature = "default-model")] {
//! let tagger = bulletin_classifier::default_tagger();
//! let p = tagger.predict_text("高新区举行项目集中签约仪式，12个项目总投资86亿元。");
//! assert_eq!((p.theme_id(), p.theme_name()), ("investment", "招商引资"));
//! # }
//! ```
//!
//! [`Tagger::tag_page`] splits a whole bulletin page into articles and captions and tags each;
//! [`Tagger::load`] loads a model file of your own. Two examples run as tests, so they always
//! compile against this version:
//!
//! - `examples/classify_string.rs`: the default model on a string and on a page, with
//!   confidence, secondary tags and an explanation
//!   (`cargo run -p bulletin-classifier --example classify_string`);
//! - `examples/train_and_save.rs`: train a model from JSON Lines records, save it, load it back
//!   and classify (`cargo run -p bulletin-classifier --example train_and_save`).
//!
//! `examples/custom_plugin.rs` registers a classifier of your own and
//! `examples/cross_validate.rs` cross-validates a training configuration.
//!
//! # Design
//!
//! A [`Classifier`] plugin works on sparse feature vectors (`feature id → count`). The native
//! backends (`multinomial`, `complement`, `bernoulli`) keep exact integer [`Counts`] and derive
//! their weights when the model is finalised or loaded, so incremental update and merge are
//! exact: training on `A` then `B`, merging models of `A` and of `B`, and training on `A ∪ B`
//! give byte-identical model files. The `linfa-*` backends delegate to linfa-bayes for parity.
//!
//! A [`Model`] owns the taxonomy, the text-pipeline settings and their fingerprint, the sorted
//! [`Vocabulary`], the plugin and a training summary; it is stored in a file framed by
//! [`bulletin_core::envelope`] (magic `BLTN`, format version, CRC-32). Feature selection
//! ([`Selection`]: minimum count, chi-square top-k) is computed from the counts each time a
//! model is finalised or loaded.
//!
//! [`Trainer`] turns labelled records into a model using all cores; [`Tagger`] joins the page
//! splitter, the text pipeline and a model. [`Registry`] maps plugin names to factories; add
//! your own with [`Registry::register`] (see `examples/custom_plugin.rs`).
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `default-model` | on | [`DEFAULT_MODEL`] (`models/default.bin`, under 1 MB, compiled in) and [`default_tagger`] |
//! | `linfa` | on | the `linfa-multinomial` and `linfa-bernoulli` backends ([`LinfaNb`]), with linfa, linfa-bayes, ndarray and gag |
//!
//! `bulletin-classifier = { version = "0.1", default-features = false }` keeps the three native
//! backends and drops linfa and its dependencies: 102 crates in the dependency tree instead of 127.
//!
//! **The `linfa` feature and stderr.** linfa-bayes 0.8.1 (the latest release) leaves a `dbg!` in
//! `MultinomialNb::fit_with` that prints every class's arrays on each fit. While the
//! `linfa-multinomial` backend fits (training, and loading a model of that backend), it sends
//! the whole process's file descriptor 2 to `/dev/null` with the `gag` crate, one fit at a time
//! behind a process-wide lock. A host program writing to stderr from another thread during
//! such a fit loses those lines. The native backends and `linfa-bernoulli` never touch stderr;
//! without the feature, gag is not even built. (No narrower containment exists short of
//! patching linfa-bayes: the `dbg!` writes to the process's stderr directly.)
//!
//! # Debug builds of your program
//!
//! In a debug build, jieba-rs's dictionary build and the text pipeline's dependencies run
//! many times slower than optimised: building a [`Tagger`] takes seconds instead of tens of
//! milliseconds. This workspace optimises those dependencies in its own `dev` profile, but
//! profile settings of a dependency never reach the crate that depends on it. Copy these lines
//! into your workspace's root `Cargo.toml` to get the same speed while your own code keeps
//! debug assertions:
//!
//! ```toml
//! [profile.dev.package.jieba-rs]
//! opt-level = 3
//! [profile.dev.package.include-flate]
//! opt-level = 3
//! [profile.dev.package.ferrous-opencc]
//! opt-level = 3
//! [profile.dev.package.encoding_rs]
//! opt-level = 3
//! [profile.dev.package.chardetng]
//! opt-level = 3
//! [profile.dev.package.regex-automata]
//! opt-level = 3
//! ```
//!
//! # Example: train, then tag
//!
//! ```
//! use bulletin_classifier::{Registry, Tagger, TrainConfig, Trainer};
//! use bulletin_core::Record;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let lines = [
//!     r#"{"title":"高新区举行项目集中签约仪式","text":"本次签约项目12个，总投资86亿元，招商引资再获突破。","labels":["investment"]}"#,
//!     r#"{"title":"高企认定培训会举行","text":"辅导企业申报高新技术企业，做好研发费用归集。","labels":["hightech"]}"#,
//!     r#"{"title":"知识产权质押融资落地","text":"银行为科技企业发放知识产权质押贷款3000万元。","labels":["financing"]}"#,
//!     r#"{"title":"校企共建联合实验室","text":"高校科研成果在园区实现转化，技术合同成交额增长。","labels":["transfer"]}"#,
//!     r#"{"title":"园区开展安全生产检查","text":"检查组深入企业车间排查消防隐患。","labels":["other"]}"#,
//! ];
//! let records = lines.iter().map(|l| Record::from_json(l)).collect::<Result<Vec<_>, _>>()?;
//! let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default())?;
//! trainer.add_records(&records)?;
//! let bytes = trainer.finish()?.to_bytes()?;
//!
//! let tagger = Tagger::from_bytes(&bytes)?;
//! let p = tagger.predict_text("银行发放知识产权质押贷款");
//! assert_eq!(p.theme_id(), "financing");
//! assert!((p.scores.iter().sum::<f64>() - 1.0).abs() < 1e-9);
//! # Ok(())
//! # }
//! ```

pub mod active;
pub mod backends;
pub mod calibration;
mod counts;
pub mod cv;
#[cfg(feature = "default-model")]
mod default_model;
mod error;
pub mod jsonl;
pub mod metrics;
mod model;
mod params;
mod plugin;
mod registry;
mod scorer;
mod select;
pub mod sketch;
mod sparse;
pub mod summary;
mod tagger;
mod trainer;
mod vote;

#[cfg(feature = "linfa")]
pub use backends::linfa::{LinfaFactory, LinfaKind, LinfaNb};
pub use backends::native::{NativeFactory, NativeNb, NbKind};
pub use calibration::PieceShape;
pub use counts::Counts;
#[cfg(feature = "default-model")]
pub use default_model::{DEFAULT_MODEL, default_tagger};
pub use error::ClassifierError;
pub use model::{Model, TagPolicy, TrainingSummary, short_hex};
pub use params::{NbParams, NbParamsBuilder};
pub use plugin::{Classifier, Contributions, Example, FeatureMask, LinearWeights, ParamMap, argmax, normalize_log};
pub use registry::{DEFAULT_CLASSIFIER, PluginFactory, Registry};
pub use select::{Selection, chi_square, chi_square_table};
pub use sparse::{SparseVec, Vocabulary, remap, to_sparse};
pub use tagger::{Prediction, Reason, TagOptions, Tagged, Tagger};
pub use trainer::{BatchReport, CALIBRATION_SAMPLE, CalibrationMode, TrainConfig, TrainGranularity, Trainer};

#[cfg(test)]
mod tests;

/// The README's examples, compiled and run as doctests so they never drift.
#[cfg(all(doctest, feature = "default-model"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
