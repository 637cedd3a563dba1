//! Text stages of `bulletin` (WIP).
#![deny(missing_docs)]

mod decode;
mod error;
mod split;

pub use decode::{decode, Decoded};
pub use error::{LexiconProblem, SegmenterError};
pub use split::{split_page, split_page_with};
