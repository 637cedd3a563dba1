//! Settings of the text pipeline, stored in every model.
//!
//! Training and classification must turn text into exactly the same features, so the whole
//! configuration is plain data that the model file carries. `bulletin-segmenter` builds a
//! pipeline from it and fingerprints it (together with the stopword list, the lexicons and the
//! jieba-rs version); loading a model whose fingerprint this build cannot reproduce fails.

use serde::{Deserialize, Serialize};

/// Version of the feature-extraction rules. Bumped whenever the same settings would produce
/// different features (a new normalisation rule, a changed number class), so models trained
/// with older rules are refused instead of silently misread.
pub const PIPELINE_VERSION: u32 = 1;

/// The complete text-pipeline configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PipelineSettings {
    /// Normalisation before segmentation.
    pub normalize: NormalizeSettings,
    /// Word segmentation.
    pub segment: SegmentSettings,
    /// Words dropped from the features.
    pub stopwords: StopwordSettings,
    /// Which features are extracted.
    pub features: FeatureSettings,
    /// Cleaning before featurising. Absent from the settings of models trained before it existed,
    /// which therefore read it as all off and keep their features.
    #[serde(default = "CleanSettings::off")]
    pub clean: CleanSettings,
}

/// Lines removed before featurising: on for new models, off in models that predate them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CleanSettings {
    /// Web-page boilerplate lines (breadcrumbs, dates and view counts, share and print buttons,
    /// previous/next links, copyright footers) yield no features.
    pub web_boilerplate: bool,
}

impl CleanSettings {
    /// Every cleaning step off: what a model trained before cleaning existed did.
    #[must_use]
    pub fn off() -> Self {
        Self { web_boilerplate: false }
    }
}

impl Default for CleanSettings {
    fn default() -> Self {
        Self { web_boilerplate: true }
    }
}

/// Character-level normalisation applied before segmentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NormalizeSettings {
    /// Full-width ASCII letters, digits and punctuation (`ＧＤＰ２０２４`) to half-width.
    pub fullwidth_to_halfwidth: bool,
    /// Quote and dash variants (`「」『』“”‘’`, `—–－`) to one form each.
    pub unify_punctuation: bool,
    /// Traditional to simplified Chinese (runs only on text that holds traditional characters).
    pub traditional_to_simplified: bool,
    /// ASCII letters to lowercase (`GDP` and `gdp` are one feature).
    pub lowercase_ascii: bool,
}

impl Default for NormalizeSettings {
    fn default() -> Self {
        Self { fullwidth_to_halfwidth: true, unify_punctuation: true, traditional_to_simplified: true, lowercase_ascii: true }
    }
}

/// Word segmentation with jieba-rs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SegmentSettings {
    /// Let jieba's HMM join out-of-dictionary words.
    pub hmm: bool,
    /// Load the domain lexicon shipped with `bulletin-segmenter` (高新技术企业, 招商引资, …).
    pub domain_lexicon: bool,
    /// Extra lexicon entries supplied by the user; stored in the model so classification never
    /// needs the lexicon file again.
    pub user_lexicon: Vec<LexiconEntry>,
}

impl Default for SegmentSettings {
    fn default() -> Self {
        Self { hmm: true, domain_lexicon: true, user_lexicon: Vec::new() }
    }
}

/// One lexicon line: `word freq [tag]`, as in jieba's user dictionaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconEntry {
    /// The word that must stay whole.
    pub word: String,
    /// Its frequency (the higher, the more readily jieba keeps it whole); never 0.
    pub freq: u64,
    /// Optional part-of-speech tag.
    pub tag: Option<String>,
}

/// Stopwords: tokens that are kept as tokens but never become features.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StopwordSettings {
    /// Use the built-in list: the `stop-words` crate's Chinese list plus bulletin boilerplate
    /// (本报讯, 记者, 近日, 据了解, …).
    pub builtin: bool,
    /// Extra stopwords.
    pub extra: Vec<String>,
    /// Words removed from the built-in list (kept as features).
    pub keep: Vec<String>,
}

impl Default for StopwordSettings {
    fn default() -> Self {
        Self { builtin: true, extra: Vec::new(), keep: Vec::new() }
    }
}

/// Which features are extracted from the tokens.
///
/// The defaults (word unigrams plus character bigrams, number classes, no word bigrams) won the
/// 5-fold cross-validation on the project corpus; see the README's "Choosing the default model".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureSettings {
    /// Each word that is not a stopword or punctuation.
    pub word_unigrams: bool,
    /// Pairs of adjacent feature words (`招商引资 工作`).
    pub word_bigrams: bool,
    /// Pairs of adjacent CJK characters within a run of CJK text (`[招商]`), the
    /// segmentation-free features THUCTC uses.
    pub char_bigrams: bool,
    /// Numbers become classes (`<YEAR>`, `<DATE>`, `<MONEY>`, `<PCT>`, `<NUM>`) instead of literals.
    pub number_classes: bool,
    /// Words shorter than this many chars are not features (single characters carry little).
    pub min_token_chars: usize,
    /// How many times the title's features count (titles are dense in theme words).
    pub title_weight: u32,
    /// How many times the title and the first paragraph (the news lead, where the primary theme
    /// is stated: the first line that is not a `## ` heading) count in an **article's** score;
    /// applied when scoring, so training counts stay exact. The trainer's out-of-fold article
    /// scores, on which the articles' calibration map is fitted, carry the same weight (the
    /// length the map reads stays the unweighted feature count). Models trained before it
    /// existed read 1.
    #[serde(default = "FeatureSettings::no_lead_weight")]
    pub lead_weight: u32,
    /// How an **article's** pieces (its title and each line) vote on its theme, on top of the
    /// article's own score; applied when scoring, so training counts stay exact. `None` (the
    /// article scored as the sum of its pieces only) in models trained before it existed.
    #[serde(default = "FeatureSettings::no_article_vote")]
    pub article_vote: Option<ArticleVote>,
}

impl FeatureSettings {
    /// The lead weight of models that predate it: the lead counts once.
    #[must_use]
    pub fn no_lead_weight() -> u32 {
        1
    }

    /// The article vote of models that predate it: none.
    #[must_use]
    pub fn no_article_vote() -> Option<ArticleVote> {
        None
    }

    /// The article vote when it is on: set, with a weight above 0.
    #[must_use]
    pub fn active_vote(&self) -> Option<ArticleVote> {
        self.article_vote.filter(|v| v.weight > 0)
    }
}

/// The paragraph vote of an article's score.
///
/// Each piece of an article (its title and each line that yields a feature) gives its own
/// probabilities per theme, as the model scores it alone, uncalibrated; the vote `v` is their
/// mean weighted by the pieces' characters. The article's log-probabilities become
/// `log p(article) + weight · (v + bias)`, renormalised, where `bias` is
/// `fallback_bias_percent / 100` for the fallback theme (`other`) and 0 for the others; the
/// calibration map for articles is fitted on these scores.
///
/// A long secondary passage can outweigh a mixed article's primary theme in the summed counts
/// without covering most of the article; the vote follows how much of the text each theme
/// holds. The bias favours `other`, whose articles (rankings, openings) share words with a
/// theme in most of their lines without being about it. See `bench/MODEL.md`.
///
/// | field | default | range |
/// |---|---|---|
/// | `weight` | 1000 | ≥ 0; 0 is no vote (log-probability units per unit of vote) |
/// | `fallback_bias_percent` | 20 | 0–100 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleVote {
    /// Log-probability units per unit of vote share (the vote lies in 0–1).
    pub weight: u32,
    /// Share added to the fallback theme's vote, in hundredths.
    pub fallback_bias_percent: u32,
}

impl ArticleVote {
    /// A vote with this weight and fallback bias (in hundredths).
    #[must_use]
    pub fn new(weight: u32, fallback_bias_percent: u32) -> Self {
        Self { weight, fallback_bias_percent }
    }

    /// The weight as a float.
    #[must_use]
    pub fn weight(&self) -> f64 {
        f64::from(self.weight)
    }

    /// The fallback bias as a share (0.2 for 20).
    #[must_use]
    pub fn fallback_bias(&self) -> f64 {
        f64::from(self.fallback_bias_percent) / 100.0
    }
}

impl Default for ArticleVote {
    fn default() -> Self {
        Self { weight: 1000, fallback_bias_percent: 20 }
    }
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            word_unigrams: true,
            word_bigrams: false,
            char_bigrams: true,
            number_classes: true,
            min_token_chars: 2,
            title_weight: 1,
            // 4, chosen by 5-fold CV on data/train (bench/MODEL.md, session 7): the best article
            // macro-F1 of the weights 1–6 (0.9696 at 1 → 0.9776; 3 is 0.0005 lower, and lower on
            // batch-whole folds too), with every confidence target kept. The trainer weights the
            // lead in its out-of-fold article scores too, so the articles' map is fitted on the
            // scores it is applied to; a one-line article is all lead and counts once.
            lead_weight: 4,
            // On for new models: chosen by 5-fold CV on data/train (bench/MODEL.md).
            article_vote: Some(ArticleVote::default()),
        }
    }
}
