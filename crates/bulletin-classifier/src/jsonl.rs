//! The JSON piece objects of `bulletin split`, `segment` and `classify --format jsonl` and of
//! the workbench's `/api/classify`: serde structs that borrow from the pieces, one flat object
//! per piece. Field order is the wire order. Both the command line and `bulletin-server` write
//! them through these types, so the two cannot drift apart.
//!
//! ```
//! # #[cfg(feature = "default-model")] {
//! use bulletin_classifier::jsonl::{ClassifyRecord, PieceRecord};
//!
//! let tagger = bulletin_classifier::default_tagger();
//! let tagged = tagger.tag_page("# 一项专利换来900万元贷款\n银行为科技企业发放知识产权质押贷款900万元。");
//! let t = &tagged[0];
//! let record = ClassifyRecord::new(PieceRecord::new("page.txt", "UTF-8", &t.piece), &t.prediction, tagger.model().taxonomy());
//! let json = serde_json::to_value(&record).unwrap();
//! assert_eq!(json["theme"], "financing");
//! assert_eq!(json["title"], "一项专利换来900万元贷款");
//! # }
//! ```

use crate::{Prediction, Reason};
use bulletin_core::{Piece, Taxonomy};
use bulletin_segmenter::{Analysis, Token};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// `split`: one piece.
///
/// `{"source","id","encoding","index","kind","title","byline","credit","text","start","end","article_index","paragraph","section","damaged"}`
///
/// `id` is always present: the record's id with `--input-format records`, `null` for pages.
#[derive(Debug, Serialize)]
pub struct PieceRecord<'a> {
    source: &'a str,
    id: Option<&'a str>,
    encoding: &'a str,
    index: usize,
    kind: &'static str,
    title: Option<&'a str>,
    byline: Option<&'a str>,
    credit: Option<&'a str>,
    text: &'a str,
    start: usize,
    end: usize,
    article_index: Option<usize>,
    paragraph: Option<usize>,
    section: Option<&'a str>,
    damaged: bool,
}

impl<'a> PieceRecord<'a> {
    /// The record of `piece` from the page `source` decoded as `encoding`.
    #[must_use]
    pub fn new(source: &'a str, encoding: &'a str, piece: &'a Piece) -> Self {
        Self {
            source,
            id: piece.id.as_deref(),
            encoding,
            index: piece.index,
            kind: piece.kind.as_str(),
            title: piece.title.as_deref(),
            byline: piece.byline.as_deref(),
            credit: piece.credit.as_deref(),
            text: &piece.text,
            start: piece.start,
            end: piece.end,
            article_index: piece.article_index,
            paragraph: piece.paragraph,
            section: piece.section.as_deref(),
            damaged: piece.damaged,
        }
    }
}

/// `segment`: the split fields plus `normalized`, `tokens` and `features`.
#[derive(Debug, Serialize)]
pub struct SegmentRecord<'a> {
    #[serde(flatten)]
    piece: PieceRecord<'a>,
    normalized: &'a str,
    tokens: Vec<TokenRecord<'a>>,
    features: &'a [String],
}

impl<'a> SegmentRecord<'a> {
    /// The record of a piece with its analysis and features.
    #[must_use]
    pub fn new(piece: PieceRecord<'a>, analysis: &'a Analysis, features: &'a [String]) -> Self {
        Self { piece, normalized: &analysis.normalized, tokens: analysis.tokens.iter().map(TokenRecord::new).collect(), features }
    }
}

/// One token: its text and char offsets into `normalized`.
#[derive(Debug, Serialize)]
pub struct TokenRecord<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

impl<'a> TokenRecord<'a> {
    fn new(token: &'a Token) -> Self {
        Self { text: &token.text, start: token.start, end: token.end }
    }
}

/// `classify`: the split fields plus the decision.
#[derive(Debug, Serialize)]
pub struct ClassifyRecord<'a> {
    #[serde(flatten)]
    piece: PieceRecord<'a>,
    theme: &'a str,
    theme_name: &'a str,
    confidence: f64,
    abstained: bool,
    best: &'a str,
    scores: Scores<'a>,
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<Vec<WhyRecord<'a>>>,
}

impl<'a> ClassifyRecord<'a> {
    /// The record of a piece with its prediction under `taxonomy`.
    #[must_use]
    pub fn new(piece: PieceRecord<'a>, prediction: &'a Prediction, taxonomy: &'a Taxonomy) -> Self {
        let theme = taxonomy.theme(prediction.theme);
        Self {
            piece,
            theme: theme.map_or("", |t| t.id()),
            theme_name: theme.map_or("", |t| t.name_zh()),
            confidence: prediction.confidence,
            abstained: prediction.abstained,
            best: taxonomy.theme(prediction.best).map_or("", |t| t.id()),
            scores: Scores { taxonomy, scores: &prediction.scores },
            tags: prediction.tags.iter().filter_map(|&t| taxonomy.theme(t)).map(bulletin_core::Theme::id).collect(),
            why: prediction.why.as_ref().map(|why| why.iter().map(WhyRecord::new).collect()),
        }
    }
}

/// Scores as a JSON object whose keys follow the taxonomy order.
#[derive(Debug)]
pub struct Scores<'a> {
    taxonomy: &'a Taxonomy,
    scores: &'a [f64],
}

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.scores.len()))?;
        for (id, score) in self.taxonomy.ids().zip(self.scores) {
            map.serialize_entry(id, score)?;
        }
        map.end()
    }
}

/// One explaining feature.
#[derive(Debug, Serialize)]
pub struct WhyRecord<'a> {
    feature: &'a str,
    contribution: f64,
}

impl<'a> WhyRecord<'a> {
    fn new(reason: &'a Reason) -> Self {
        Self { feature: &reason.feature, contribution: reason.contribution }
    }
}

/// Key–value pairs serialised as a JSON object in their given order.
#[derive(Debug)]
pub struct Ordered<K, V>(pub Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
