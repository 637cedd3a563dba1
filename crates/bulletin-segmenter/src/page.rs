//! A whole page held in memory → pieces: the one-call counterpart of the command line's streamed
//! reader, for callers that already have the bytes (the workbench server's `/api/classify`).
//!
//! The rules are the command line's: [`decode`] (or [`decode_html`] and [`html_to_page`] for a
//! saved web page) decides the encoding and rejects binary input, undecodable text and mojibake;
//! `strict` makes any undecodable byte an error; [`split_page_with`] cuts the text; every piece
//! longer than `max_piece_chars` is cut by [`truncate_piece`]. What the command line reports as
//! warnings comes back as [`PageNotice`]s, whose `Display` is the command line's wording.
//!
//! ```
//! use bulletin_segmenter::page::{PageOptions, read_page};
//!
//! let gbk = encoding_rs::GBK.encode("# 一项专利换来900万元贷款\n银行发放知识产权质押贷款。").0;
//! let page = read_page(&gbk, &PageOptions::default())?;
//! assert_eq!(page.encoding, "GBK");
//! assert_eq!(page.pieces[0].title.as_deref(), Some("一项专利换来900万元贷款"));
//! # Ok::<(), bulletin_segmenter::page::PageError>(())
//! ```

use std::fmt;

use bulletin_core::{Granularity, Piece};
use encoding_rs::Encoding;

use crate::{SegmenterError, decode, decode_html, html_to_page, split_page_with};

/// How a page is read.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PageOptions {
    /// A forced encoding (no detection; any malformed sequence is an error).
    pub encoding: Option<&'static Encoding>,
    /// Any undecodable byte fails the page, as with a forced encoding.
    pub strict: bool,
    /// The bytes are a saved web page (HTML), not page text.
    pub html: bool,
    /// Article or paragraph pieces.
    pub granularity: Granularity,
    /// Longest piece text processed, in chars (the rest is cut off).
    pub max_piece_chars: usize,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self { encoding: None, strict: false, html: false, granularity: Granularity::Article, max_piece_chars: DEFAULT_MAX_PIECE_CHARS }
    }
}

impl PageOptions {
    /// The options with this granularity.
    #[must_use]
    pub fn with_granularity(mut self, granularity: Granularity) -> Self {
        self.granularity = granularity;
        self
    }
    /// The options reading HTML (`true`) or page text.
    #[must_use]
    pub fn with_html(mut self, html: bool) -> Self {
        self.html = html;
        self
    }
}

/// The default of `--max-piece-chars`: far beyond any real article.
pub const DEFAULT_MAX_PIECE_CHARS: usize = 1_000_000;

/// Something worth telling the reader of a page that did not stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageNotice {
    /// Undecodable byte sequences were replaced by U+FFFD (fewer than 1 % of the characters).
    Replaced {
        /// Sequences replaced.
        count: usize,
        /// The encoding used.
        encoding: &'static str,
        /// Byte offset of the first one.
        first_at: usize,
    },
    /// An HTML page declares a charset its bytes do not match.
    CharsetMismatch {
        /// The declared charset.
        declared: &'static str,
        /// The encoding used.
        used: &'static str,
    },
    /// More than 1 % of a piece's characters are replacements.
    Damaged {
        /// The piece's index.
        piece: usize,
    },
    /// A piece was cut to `max` chars.
    Truncated {
        /// The piece's index.
        piece: usize,
        /// Its length before the cut.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The page has no text.
    NoText,
}

impl fmt::Display for PageNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Replaced { count, encoding, first_at } => write!(
                f,
                "{count} undecodable byte sequence(s) in {encoding}, the first at byte offset {first_at}, were replaced by U+FFFD \
                 (--strict makes any of them an error)"
            ),
            Self::CharsetMismatch { declared, used } => {
                write!(f, "the page declares charset {declared} but its bytes are {used}; decoded as {used}")
            }
            Self::Damaged { piece } => {
                write!(f, "piece {piece} is damaged: more than 1 % of its characters could not be decoded; its result is unreliable")
            }
            Self::Truncated { piece, chars, max } => {
                write!(f, "piece {piece} has {chars} characters; only its first {max} are processed (--max-piece-chars)")
            }
            Self::NoText => f.write_str("no text"),
        }
    }
}

/// A page read whole.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page {
    /// The encoding used (`encoding_rs` name).
    pub encoding: &'static str,
    /// The pieces, in reading order.
    pub pieces: Vec<Piece>,
    /// What the command line would have warned about, in order.
    pub notices: Vec<PageNotice>,
}

/// Why a page could not be read: the stage that failed, and the segmenter's error. The command
/// line words each as `NAME: cannot decode: …`, `NAME: cannot decode (--strict): …` and
/// `cannot read NAME: …`; so does the workbench.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The bytes do not decode (binary, undecodable, mojibake, an unknown forced encoding).
    #[error("cannot decode")]
    Decode(#[source] SegmenterError),
    /// Undecodable bytes that `strict` makes an error.
    #[error("cannot decode (--strict)")]
    Strict(#[source] SegmenterError),
    /// The decoded HTML cannot be turned into page text (nested too deep).
    #[error("cannot read the page")]
    Html(#[source] SegmenterError),
}

impl PageError {
    /// The segmenter's error behind it.
    #[must_use]
    pub fn cause(&self) -> &SegmenterError {
        match self {
            Self::Decode(e) | Self::Strict(e) | Self::Html(e) => e,
        }
    }

    /// How the command line introduces the error for the input `name` (`NAME: cannot decode`,
    /// `NAME: cannot decode (--strict)`, `cannot read NAME`), before `: ` and the cause.
    #[must_use]
    pub fn context(&self, name: &str) -> String {
        match self {
            Self::Html(_) => format!("cannot read {name}"),
            other => format!("{name}: {other}"),
        }
    }

    /// The segmenter's error behind it, by value.
    #[must_use]
    pub fn into_cause(self) -> SegmenterError {
        match self {
            Self::Decode(e) | Self::Strict(e) | Self::Html(e) => e,
        }
    }
}

/// Decodes, splits and bounds a whole page (see the [module docs](self)).
pub fn read_page(bytes: &[u8], options: &PageOptions) -> Result<Page, PageError> {
    let forced = options.encoding.map(Encoding::name);
    let mut notices = Vec::new();
    let (decoded, hint) = if options.html {
        let html = decode_html(bytes, forced).map_err(PageError::Decode)?;
        (html.decoded, html.hint.filter(|h| !h.used))
    } else {
        (decode(bytes, forced).map_err(PageError::Decode)?, None)
    };
    if decoded.replaced > 0 {
        if options.strict {
            return Err(PageError::Strict(SegmenterError::Undecodable {
                encoding: decoded.encoding,
                replaced: decoded.replaced,
                total: decoded.text.chars().count(),
            }));
        }
        notices.push(PageNotice::Replaced {
            count: decoded.replaced,
            encoding: decoded.encoding,
            first_at: decoded.first_replaced_at.unwrap_or(0),
        });
    }
    // In the command line's order: replacements, then the charset declaration.
    if let Some(hint) = hint {
        notices.push(PageNotice::CharsetMismatch { declared: hint.declared, used: decoded.encoding });
    }
    let html_text = if options.html { Some(html_to_page(&decoded.text).map_err(PageError::Html)?) } else { None };
    let text = html_text.as_deref().unwrap_or(&decoded.text);
    if crate::is_blank(text) {
        notices.push(PageNotice::NoText);
        return Ok(Page { encoding: decoded.encoding, pieces: Vec::new(), notices });
    }
    let mut pieces = split_page_with(text, options.granularity);
    for piece in &mut pieces {
        if piece.damaged {
            notices.push(PageNotice::Damaged { piece: piece.index });
        }
        if let Some(chars) = truncate_piece(piece, options.max_piece_chars) {
            notices.push(PageNotice::Truncated { piece: piece.index, chars, max: options.max_piece_chars });
        }
    }
    Ok(Page { encoding: decoded.encoding, pieces, notices })
}

/// Cuts a piece's text to its first `max` chars; returns its length in chars before the cut, or
/// `None` when it was short enough.
pub fn truncate_piece(piece: &mut Piece, max: usize) -> Option<usize> {
    let (byte, _) = piece.text.char_indices().nth(max)?;
    let chars = piece.text.chars().count();
    piece.text.truncate(byte);
    Some(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_page_decodes_and_splits_as_a_utf8_one() {
        let text = "# 标题一\n第一段。\n\n# 标题二\n第二段。\n";
        let utf8 = read_page(text.as_bytes(), &PageOptions::default()).unwrap();
        let gbk = read_page(&encoding_rs::GBK.encode(text).0, &PageOptions::default()).unwrap();
        assert_eq!((utf8.encoding, gbk.encoding), ("UTF-8", "GBK"));
        assert_eq!(utf8.pieces, gbk.pieces);
        assert_eq!(utf8.pieces.len(), 2);
    }

    #[test]
    fn binary_and_strict_input_fail_and_long_pieces_are_cut() {
        assert!(matches!(read_page(b"# a\0b", &PageOptions::default()), Err(PageError::Decode(SegmenterError::BinaryInput { .. }))));
        let options = PageOptions { max_piece_chars: 3, ..PageOptions::default() };
        let page = read_page("# 标题\n高新区招商引资。".as_bytes(), &options).unwrap();
        assert_eq!(page.pieces[0].text, "高新区");
        assert_eq!(page.notices, [PageNotice::Truncated { piece: 0, chars: 8, max: 3 }]);
        assert_eq!(read_page(b" \n ", &PageOptions::default()).unwrap().notices, [PageNotice::NoText]);
    }
}
