//! The crate's one error type.

use std::fmt;

/// Everything that can go wrong in `bulletin-segmenter`: decoding bytes, parsing a lexicon,
/// or building a [`Pipeline`](crate::Pipeline).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SegmenterError {
    /// The input holds NUL bytes that no UTF-16 pattern explains: it is not text.
    #[error("input looks binary (NUL byte at offset {offset} outside a UTF-16 pattern)")]
    BinaryInput {
        /// Byte offset of the first NUL byte.
        offset: usize,
    },
    /// A forced encoding label that the WHATWG Encoding Standard does not define.
    #[error("unknown encoding label `{label}` (use a WHATWG label such as `utf-8`, `gbk`, `gb18030`, `big5`, `utf-16le`)")]
    UnknownEncoding {
        /// The label as given.
        label: String,
    },
    /// Decoding with the detected (or forced) encoding had to replace too many characters.
    #[error("input is not valid {encoding}: {replaced} of {total} characters could not be decoded")]
    Undecodable {
        /// The encoding tried (`encoding_rs` name, e.g. `GBK`).
        encoding: &'static str,
        /// Malformed byte sequences replaced by U+FFFD.
        replaced: usize,
        /// Characters in the decoded text, replacements included.
        total: usize,
    },
    /// An HTML page whose elements may nest deeper than the parser handles in reasonable time.
    #[error("the HTML page nests up to {depth} elements deep (at most {limit} are read)")]
    HtmlTooDeep {
        /// The nesting estimated from its tags.
        depth: usize,
        /// [`MAX_HTML_DEPTH`](crate::html::MAX_HTML_DEPTH).
        limit: usize,
    },
    /// The decoded text does not look like Chinese text: most of its non-ASCII characters are
    /// neither CJK characters nor CJK punctuation (what a wrong decoding looks like).
    #[error(
        "input does not look like Chinese text in {encoding}: only {plausible} % of its non-ASCII characters are CJK characters or punctuation; if the encoding is right, force it"
    )]
    Implausible {
        /// The encoding tried (`encoding_rs` name).
        encoding: &'static str,
        /// Percentage of the non-ASCII characters that are CJK characters or punctuation.
        plausible: usize,
    },
    /// The decoded text is Japanese or Korean rather than Chinese: kana or hangul make up a tenth
    /// or more of its non-ASCII characters (Chinese text has next to none).
    #[error(
        "input looks like {language} text, not Chinese: {share} % of its non-ASCII characters are {script}; bulletin tags Chinese news (force the encoding to read it anyway)"
    )]
    NotChinese {
        /// `Japanese` or `Korean`.
        language: &'static str,
        /// `kana` or `hangul`.
        script: &'static str,
        /// Percentage of the non-ASCII characters in that script.
        share: usize,
    },
    /// A lexicon line (or, for the entries of
    /// [`SegmentSettings::user_lexicon`](bulletin_core::SegmentSettings), an entry counted from 1)
    /// that is not a valid `word freq [tag]` entry.
    #[error("lexicon line {line}: {reason}")]
    Lexicon {
        /// Line number, from 1.
        line: usize,
        /// What is wrong with it.
        reason: LexiconProblem,
    },
    /// The traditional-to-simplified converter could not be loaded from its embedded tables.
    #[error("cannot load the traditional-to-simplified converter")]
    Converter {
        /// The converter library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why a lexicon line is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LexiconProblem {
    /// The line (or entry) has no word.
    EmptyWord,
    /// The word has no frequency; every entry needs one so the word wins over jieba's split.
    MissingFrequency,
    /// The frequency is not a non-negative integer.
    BadFrequency {
        /// The frequency as written.
        found: String,
    },
    /// The frequency is 0, which would make jieba never keep the word whole.
    ZeroFrequency,
    /// More than three fields (`word freq tag`).
    TooManyFields {
        /// Fields found.
        found: usize,
    },
    /// The word contains whitespace (only possible in programmatic entries).
    WhitespaceInWord,
}

impl fmt::Display for LexiconProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyWord => f.write_str("empty word"),
            Self::MissingFrequency => f.write_str("missing frequency (expected `word freq [tag]`)"),
            Self::BadFrequency { found } => write!(f, "frequency `{found}` is not a whole number"),
            Self::ZeroFrequency => f.write_str("frequency must be at least 1"),
            Self::TooManyFields { found } => write!(f, "{found} fields, expected `word freq [tag]`"),
            Self::WhitespaceInWord => f.write_str("the word contains whitespace"),
        }
    }
}
