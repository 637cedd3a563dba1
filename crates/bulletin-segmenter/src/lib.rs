//! The text stages of `bulletin`: bytes → text → pieces → tokens → features.
//!
//! ```text
//! bytes ──decode──▶ String ──split_page──▶ Vec<Piece> ──Pipeline──▶ features ──▶ bulletin-classifier
//! ```
//!
//! - [`decode`] turns a page file into text: BOM, BOM-less UTF-16, UTF-8 (a few bad bytes
//!   tolerated), then GB18030/GBK or Big5 — never a Latin encoding unless forced; binary input,
//!   text that does not decode and text that does not look Chinese (mojibake) are typed errors.
//! - [`split_page`] / [`split_page_with`] cut a page into articles, photo captions or paragraphs
//!   ([`Piece`](bulletin_core::Piece)), with titles, bylines, credits and char offsets.
//! - [`Pipeline`] is built once from [`PipelineSettings`](bulletin_core::PipelineSettings) and
//!   shared: it normalises text (full width, punctuation, case, traditional → simplified),
//!   segments it with one jieba-rs instance that knows the [domain lexicon](DOMAIN_LEXICON) and
//!   the user lexicon, drops stopwords, and emits features (words, word and char bigrams, number
//!   classes) without allocating per feature. Its [fingerprint](Pipeline::fingerprint) pins
//!   everything that decides the features, so a model refuses a pipeline that would read it
//!   differently.
//!
//! jieba-rs and ferrous-opencc types never leave the crate: tokens are our own [`Token`]s with
//! char and byte offsets into the normalised text.
//!
//! # Example
//!
//! ```
//! use bulletin_segmenter::{decode, split_page, Pipeline, SegmenterError};
//!
//! # fn main() -> Result<(), SegmenterError> {
//! let bytes = "# 高新区: 招商引资“早春行动”喜讯传\n陈丹\n本报讯 2023年，高新区新增高新技术企业52家。\n".as_bytes();
//! let page = decode(bytes, None)?;
//! let pieces = split_page(&page.text);
//! assert_eq!(pieces[0].byline.as_deref(), Some("陈丹"));
//!
//! let pipeline = Pipeline::new(&Default::default())?; // once, then shared
//! let title = pieces[0].title.as_deref().unwrap_or_default();
//! let features = pipeline.features(title, &pieces[0].text);
//! assert!(features.iter().any(|f| f == "招商引资"));
//! assert!(features.iter().any(|f| f == "高新技术企业"));
//! assert!(features.iter().any(|f| f == "<YEAR>"));
//! assert!(!features.iter().any(|f| f == "本报讯")); // a stopword
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod clean;
mod decode;
mod error;
pub mod html;
mod lexicon;
mod normalize;
pub mod page;
mod segment;
mod split;

pub use clean::is_web_boilerplate;
pub use decode::{Decoded, Detection, MAX_REPLACED_PERCENT, check_plausible, decode, detect_encoding, is_utf16, too_damaged};
pub use error::{LexiconProblem, SegmenterError};
pub use html::{MAX_HTML_BYTES, decode_html, html_to_page};
pub use lexicon::{DOMAIN_LEXICON, parse_lexicon};
pub use segment::{
    Analysis, BOILERPLATE_STOPWORDS, DATE, Feature, JIEBA_VERSION, MAX_LEXICON_FREQ, MONEY, NUM, PCT, Pipeline, Token, YEAR,
};
pub use split::{is_blank, split_page, split_page_with};

const fn assert_send_sync<T: Send + Sync>() {}
const _: () = {
    assert_send_sync::<Pipeline>();
    assert_send_sync::<Analysis>();
    assert_send_sync::<Token>();
    assert_send_sync::<Decoded>();
    assert_send_sync::<SegmenterError>();
    assert_send_sync::<LexiconProblem>();
};

/// The README's examples, compiled and run as doctests so they never drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
