//! Pieces of a bulletin page.

use serde::{Deserialize, Serialize};

/// What kind of piece a page holds. A paragraph keeps its parent's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PieceKind {
    /// A news item, feature, brief or notice: a heading line and the paragraphs under it.
    Article,
    /// A photo caption: the paragraph after a `图片来源:` credit line.
    Caption,
}

impl PieceKind {
    /// The lowercase name used in JSON (`article`, `caption`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Caption => "caption",
        }
    }
}

/// How finely a page is cut into pieces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One piece per article or caption (the default).
    #[default]
    Article,
    /// One piece per paragraph; section headings are not pieces, a caption is one paragraph.
    Paragraph,
}

impl Granularity {
    /// The lowercase name used on the command line and in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Paragraph => "paragraph",
        }
    }
}

/// One piece of a bulletin page: an article, a caption, or one paragraph of either.
///
/// Offsets count Unicode scalar values (`char`s) into the decoded page (BOM removed, line
/// endings as in the input); `end` is exclusive. The byline, the caption credit and the `#`,
/// `##` and `图片来源:` markers are not part of `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Piece {
    /// Position of the piece among the pieces of its page, from 0.
    pub index: usize,
    /// Article or caption.
    pub kind: PieceKind,
    /// The article heading without `#` and surrounding spaces; `None` before the first heading
    /// and for captions.
    pub title: Option<String>,
    /// Reporter names (space-separated) found after the heading or at the end of the last paragraph.
    pub byline: Option<String>,
    /// The source credited in a caption's `图片来源:` line.
    pub credit: Option<String>,
    /// The piece's text: paragraphs (broken lines rejoined) separated by `\n`; at article
    /// granularity section headings are lines of their own, without `##`.
    pub text: String,
    /// First char of the piece in the decoded page.
    pub start: usize,
    /// One past the last char of the piece in the decoded page.
    pub end: usize,
    /// At paragraph granularity, the index of the article (or caption) the paragraph belongs to.
    pub article_index: Option<usize>,
    /// At paragraph granularity, the paragraph's number within its article, from 0.
    pub paragraph: Option<usize>,
    /// At paragraph granularity, the section heading the paragraph sits under, if any.
    pub section: Option<String>,
    /// More than 1 % of the characters of the title and text are U+FFFD, replacements of bytes
    /// that did not decode: the piece is garbled and its classification unreliable.
    #[serde(default)]
    pub damaged: bool,
}

impl Piece {
    /// A piece with only its kind, text and offsets set; the optional fields are `None`.
    #[must_use]
    pub fn new(kind: PieceKind, text: impl Into<String>, start: usize, end: usize) -> Self {
        Self {
            index: 0,
            kind,
            title: None,
            byline: None,
            credit: None,
            text: text.into(),
            start,
            end,
            article_index: None,
            paragraph: None,
            section: None,
            damaged: false,
        }
    }
}
