//! Shared plain-data types of `bulletin`, the theme tagger for Chinese high-tech-zone news.
//!
//! `bulletin` is a pipeline of small crates. This one sits at the bottom and knows nothing of
//! word segmentation (jieba-rs) or machine learning (linfa): it holds the vocabulary the other
//! crates speak.
//!
//! - [`Taxonomy`] and [`Theme`]: the themes a model tells apart, loaded from a `themes.toml`
//!   file; [`Taxonomy::builtin`] is the project's own taxonomy (`data/themes.toml`).
//! - [`Piece`] and [`PieceKind`]: what the page splitter cuts a bulletin page into (articles,
//!   photo captions, paragraphs), with their offsets into the decoded page.
//! - [`Record`]: one labelled training or test article, as stored in the corpus' JSON Lines.
//! - [`PipelineSettings`]: the text-pipeline configuration (normalisation, segmentation,
//!   features). It is stored in every model so that classification reproduces training exactly.
//! - [`envelope`]: the model-file framing (magic bytes, format version, checksum) that every
//!   model file shares, whatever classifier plugin produced its payload.
//! - [`outfile`]: writing a result file atomically, never over an input, a device or a link.
//!
//! Data flows `bytes → decode → split_page → Piece → PipelineSettings → features → model`;
//! `bulletin-segmenter` implements the text stages, `bulletin-classifier` the model stages.
//!
//! # Example
//!
//! ```
//! use bulletin_core::{Taxonomy, Record};
//!
//! # fn main() -> Result<(), bulletin_core::CoreError> {
//! let taxonomy = Taxonomy::builtin();
//! assert_eq!(taxonomy.ids().collect::<Vec<_>>(),
//!            ["investment", "hightech", "financing", "transfer", "other"]);
//! assert_eq!(taxonomy.get("financing").map(|t| t.name_zh()), Some("科技金融"));
//!
//! let record: Record = Record::from_json(
//!     r#"{"id":"x-1","title":"签约","text":"本报讯 5个项目签约落地。","labels":["investment"]}"#,
//! )?;
//! let labels = taxonomy.resolve_labels(&record.labels)?;
//! assert_eq!(labels, [0]);
//! # Ok(())
//! # }
//! ```

pub mod envelope;
mod error;
pub mod outfile;
mod piece;
mod record;
mod settings;
mod theme;

pub use error::CoreError;
pub use piece::{Granularity, Piece, PieceKind};
pub use record::{ParagraphRecord, Record, article_text};
pub use settings::{
    ArticleVote, CleanSettings, FeatureSettings, LexiconEntry, NormalizeSettings, PIPELINE_VERSION, PipelineSettings, SegmentSettings,
    StopwordSettings,
};
pub use theme::{Taxonomy, Theme, ThemeIndex};

#[cfg(test)]
mod tests {
    use super::*;

    const fn assert_send_sync<T: Send + Sync>() {}
    const _: () = {
        assert_send_sync::<Taxonomy>();
        assert_send_sync::<Piece>();
        assert_send_sync::<Record>();
        assert_send_sync::<PipelineSettings>();
        assert_send_sync::<CoreError>();
    };
}

/// The README's examples, compiled and run as doctests so they never drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
