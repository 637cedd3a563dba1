//! Theme classifiers for Chinese high-tech-zone news: a plugin trait, a registry, naive-Bayes
//! backends, the versioned model file and the one-call [`Tagger`].
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
//! # Example
//!
//! ```
//! use bulletin_classifier::{Registry, TagOptions, Tagger, TrainConfig, Trainer};
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
//! let p = tagger.predict("", "银行发放知识产权质押贷款", false, TagOptions::default());
//! assert_eq!(tagger.model().taxonomy().theme(p.theme).unwrap().id(), "financing");
//! assert!((p.scores.iter().sum::<f64>() - 1.0).abs() < 1e-9);
//! # Ok(())
//! # }
//! ```

pub mod active;
pub mod backends;
pub mod calibration;
mod counts;
pub mod cv;
mod error;
pub mod metrics;
mod model;
mod params;
mod plugin;
mod registry;
mod scorer;
mod select;
pub mod sketch;
mod sparse;
mod tagger;
mod trainer;

pub use backends::linfa::{LinfaFactory, LinfaKind, LinfaNb};
pub use backends::native::{NativeFactory, NativeNb, NbKind};
pub use counts::Counts;
pub use error::ClassifierError;
pub use model::{Model, TagPolicy, TrainingSummary, short_hex};
pub use params::{NbParams, NbParamsBuilder};
pub use plugin::{Classifier, Contributions, Example, FeatureMask, LinearWeights, ParamMap, argmax, normalize_log};
pub use registry::{DEFAULT_CLASSIFIER, PluginFactory, Registry};
pub use select::{Selection, chi_square};
pub use sparse::{SparseVec, Vocabulary, remap, to_sparse};
pub use tagger::{Prediction, Reason, TagOptions, Tagged, Tagger};
pub use trainer::{BatchReport, CALIBRATION_SAMPLE, CalibrationMode, TrainConfig, TrainGranularity, Trainer};

#[cfg(test)]
mod tests;
