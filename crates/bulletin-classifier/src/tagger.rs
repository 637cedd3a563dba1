//! The one-call API: split a page, featurise each piece, score it, decide theme and tags.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use bulletin_core::{ArticleVote, Granularity, Piece, Taxonomy, ThemeIndex};
use bulletin_segmenter::{Pipeline, split_page_with};

use crate::calibration::PieceShape;
use crate::plugin::{argmax, normalize_log};
use crate::scorer::{self, LinearScorer};
use crate::sparse::{SparseVec, sum_sparse};
use crate::vote::Vote;
use crate::{ClassifierError, Model, Registry};

/// Per-call options of [`Tagger`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct TagOptions {
    /// Overrides the model's abstain threshold.
    pub min_confidence: Option<f64>,
    /// Explain each decision with this many features (0: no explanation).
    pub explain: usize,
}

impl TagOptions {
    /// Options with an abstain threshold.
    #[must_use]
    pub fn with_min_confidence(mut self, p: Option<f64>) -> Self {
        self.min_confidence = p;
        self
    }
    /// Options with `k` explaining features per piece.
    #[must_use]
    pub fn with_explain(mut self, k: usize) -> Self {
        self.explain = k;
        self
    }
}

/// One feature's share in a decision: how much it raised the chosen theme's log-probability
/// over the runner-up's.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The feature as the pipeline writes it.
    pub feature: String,
    /// Its contribution (natural log units).
    pub contribution: f64,
}

/// The decision for one piece.
///
/// Themes are [`ThemeIndex`]es into the model's taxonomy; [`Prediction::theme_id`],
/// [`Prediction::theme_name`] and friends name them without going through the model.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Prediction {
    /// The reported theme (the fallback theme when abstained).
    pub theme: ThemeIndex,
    /// The best-scoring theme, whether or not the piece abstained: the guess a reviewer checks.
    pub best: ThemeIndex,
    /// The score of the reported theme: with a calibrated model, the probability that it is
    /// right.
    pub confidence: f64,
    /// Whether the top score fell below the abstain threshold.
    pub abstained: bool,
    /// Probabilities per theme, in taxonomy order; finite, summing to 1.
    pub scores: Vec<f64>,
    /// Every theme the piece substantially covers: the reported theme first, then the others by
    /// score; never the fallback theme unless it is the reported one.
    pub tags: Vec<ThemeIndex>,
    /// With [`TagOptions::explain`]: the features that most favoured the top theme over the
    /// runner-up, strongest first.
    pub why: Option<Vec<Reason>>,
    /// The runner-up theme the explanation compares against.
    pub runner_up: ThemeIndex,
    /// The taxonomy the indices refer to (shared with the tagger).
    taxonomy: Arc<Taxonomy>,
}

impl Prediction {
    /// The reported theme's id, e.g. `financing` (`other` when abstained).
    #[must_use]
    pub fn theme_id(&self) -> &str {
        self.id(self.theme)
    }

    /// The reported theme's Chinese name, e.g. `科技金融`.
    #[must_use]
    pub fn theme_name(&self) -> &str {
        self.taxonomy.theme(self.theme).map_or("", |t| t.name_zh())
    }

    /// The best-scoring theme's id, whether or not the piece abstained.
    #[must_use]
    pub fn best_id(&self) -> &str {
        self.id(self.best)
    }

    /// The ids of [`Prediction::tags`], the reported theme first.
    pub fn tag_ids(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(|&t| self.id(t))
    }

    /// The score of the theme with this id (`None` for an id outside the taxonomy).
    #[must_use]
    pub fn score_of(&self, id: &str) -> Option<f64> {
        self.taxonomy.ids().position(|t| t == id).and_then(|t| self.scores.get(t).copied())
    }

    /// The taxonomy the theme indices refer to.
    #[must_use]
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    fn id(&self, theme: ThemeIndex) -> &str {
        self.taxonomy.theme(theme).map_or("", |t| t.id())
    }
}

/// Themes by id; the taxonomy itself is left out.
impl fmt::Debug for Prediction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prediction")
            .field("theme", &self.theme_id())
            .field("best", &self.best_id())
            .field("confidence", &self.confidence)
            .field("abstained", &self.abstained)
            .field("scores", &self.scores)
            .field("tags", &self.tag_ids().collect::<Vec<_>>())
            .field("why", &self.why)
            .field("runner_up", &self.id(self.runner_up))
            .finish_non_exhaustive()
    }
}

/// A piece with its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The piece as split from the page.
    pub piece: Piece,
    /// The decision.
    pub prediction: Prediction,
}

/// A model joined with its text pipeline: the one-call API for library users.
///
/// ```no_run
/// use bulletin_classifier::Tagger;
///
/// # fn main() -> Result<(), bulletin_classifier::ClassifierError> {
/// let tagger = Tagger::load("models/default.bin")?;
/// for tagged in tagger.tag_page("# 桂林高新区：5个项目集中签约\n本报讯 总投资12亿元的5个项目签约落地。") {
///     println!("{} → {}", tagged.piece.title.as_deref().unwrap_or(""), tagged.prediction.theme_name());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Tagger {
    model: Model,
    pipeline: Pipeline,
    /// The model's taxonomy, shared with every [`Prediction`].
    taxonomy: Arc<Taxonomy>,
}

impl Tagger {
    /// Loads a model file with the built-in plugins.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ClassifierError> {
        Self::from_model(Model::load(path.as_ref(), &Registry::default())?)
    }

    /// Loads model bytes with the built-in plugins.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ClassifierError> {
        Self::from_bytes_with(bytes, &Registry::default())
    }

    /// Loads model bytes, restoring the plugin through `registry`.
    ///
    /// Building the text pipeline (jieba's dictionary, tens of milliseconds) and restoring the
    /// model (feature selection, weights, scoring tables) need only the decoded settings, so
    /// they run on two threads: a one-page `classify` waits for the slower of the two, not for
    /// both.
    pub fn from_bytes_with(bytes: &[u8], registry: &Registry) -> Result<Self, ClassifierError> {
        let decoded = Model::decode(bytes)?;
        let settings = decoded.settings().clone();
        let (model, pipeline) = std::thread::scope(|scope| {
            // The plugin is restored on a thread of its own; building the pipeline spawns one for
            // jieba's dictionary and does the rest here. When no thread can be started, the bytes
            // are decoded again and the model restored here afterwards.
            let model = std::thread::Builder::new().name("model-restore".into()).spawn_scoped(scope, || decoded.into_model(registry));
            let pipeline = Pipeline::new(&settings);
            let model = match model {
                Ok(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => Model::decode(bytes).and_then(|decoded| decoded.into_model(registry)),
            };
            (model, pipeline)
        });
        let (model, pipeline) = (model?, pipeline?);
        model.check_pipeline(&pipeline)?;
        Ok(Self::assemble(model, pipeline))
    }

    /// Builds the model's pipeline and checks that it reproduces the model's features
    /// ([`ClassifierError::PipelineMismatch`] otherwise).
    pub fn from_model(model: Model) -> Result<Self, ClassifierError> {
        let pipeline = Pipeline::new(model.settings())?;
        model.check_pipeline(&pipeline)?;
        Ok(Self::assemble(model, pipeline))
    }

    fn assemble(model: Model, pipeline: Pipeline) -> Self {
        let taxonomy = Arc::new(model.taxonomy().clone());
        Self { model, pipeline, taxonomy }
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The text pipeline.
    #[must_use]
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Splits a page into articles and captions and tags each.
    #[must_use]
    pub fn tag_page(&self, page: &str) -> Vec<Tagged> {
        self.tag_page_with(page, Granularity::Article, TagOptions::default())
    }

    /// Splits a page at `granularity` and tags each piece.
    #[must_use]
    pub fn tag_page_with(&self, page: &str, granularity: Granularity, options: TagOptions) -> Vec<Tagged> {
        split_page_with(page, granularity).into_iter().map(|piece| self.tag_piece(piece, options)).collect()
    }

    /// Tags one piece. A piece with several paragraphs gets secondary tags from the decisions
    /// on its paragraphs; a one-paragraph piece from its own scores.
    #[must_use]
    pub fn tag_piece(&self, piece: Piece, options: TagOptions) -> Tagged {
        let title = piece.title.as_deref().unwrap_or("");
        let shape = if piece.paragraph.is_none() { PieceShape::of_text(&piece.text) } else { PieceShape::Passage };
        let prediction = self.predict(title, &piece.text, shape, options);
        Tagged { piece, prediction }
    }

    /// Scores a text with the default options: an article when it has several non-blank lines
    /// (its paragraphs), else one passage.
    ///
    /// ```
    /// # #[cfg(feature = "default-model")] {
    /// let p = bulletin_classifier::default_tagger().predict_text("银行为科技企业发放知识产权质押贷款3000万元。");
    /// assert_eq!((p.theme_id(), p.theme_name()), ("financing", "科技金融"));
    /// # }
    /// ```
    #[must_use]
    pub fn predict_text(&self, text: &str) -> Prediction {
        self.predict("", text, PieceShape::of_text(text), TagOptions::default())
    }

    /// Scores a title and text of the given shape: a [`PieceShape::Article`]'s lines are its
    /// paragraphs, whose own decisions give its secondary tags; a [`PieceShape::Passage`] is
    /// scored as one block. The shape also picks the calibration map.
    #[must_use]
    pub fn predict(&self, title: &str, text: &str, shape: PieceShape, options: TagOptions) -> Prediction {
        let paragraphs = shape == PieceShape::Article;
        let policy = self.model.policy();
        // An article is featurised once, paragraph by paragraph: the pipeline's features are
        // additive over lines, so the article's score is the sum of its title's and its
        // paragraphs' scores, and each paragraph's own decision comes for free. A linear plugin
        // is scored feature by feature as the pipeline emits them; an explanation, or any other
        // plugin, needs the piece's sparse vector.
        let (scores, shares, x) = match self.model.scorer() {
            Some(scorer) if options.explain == 0 => {
                let (probs, paragraph_shares) = self.score_linear(scorer, title, text, paragraphs.then_some(policy.tag_min_confidence));
                (probs, paragraph_shares, None)
            }
            _ => {
                let (x, shares) = if paragraphs {
                    let a = self.article_vector(title, text, policy.tag_min_confidence);
                    let scores = self.calibrated(a.log_proba, a.length, a.map);
                    ((a.x, scores), Some(a.shares))
                } else {
                    let mut ids = Vec::new();
                    let (x, length) = self.model.vectorize(&self.pipeline, title, text, &mut ids);
                    let scores = self.calibrated(self.model.predict_log_proba(&x), length, PieceShape::Passage);
                    ((x, scores), None)
                };
                (x.1, shares, Some(x.0))
            }
        };
        let fallback = self.model.taxonomy().fallback();
        let top = argmax(&scores);
        let runner_up = runner_up(&scores, top);
        let min_confidence = options.min_confidence.unwrap_or(policy.min_confidence);
        let abstained = scores[top] < min_confidence && top != fallback;
        let theme = if abstained { fallback } else { top };

        let mut tags = vec![theme];
        if theme != fallback {
            let mut extra: Vec<ThemeIndex> = match &shares {
                Some(shares) => (0..shares.len()).filter(|&t| shares[t] >= policy.tag_min_share).collect(),
                None => (0..scores.len()).filter(|&t| scores[t] >= policy.tag_min_score).collect(),
            };
            extra.retain(|&t| t != theme && t != fallback);
            extra.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            tags.extend(extra);
        }

        let why = x.filter(|_| options.explain > 0).map(|x| self.explain(&x, top, runner_up, options.explain));
        let taxonomy = Arc::clone(&self.taxonomy);
        Prediction { theme, best: top, confidence: scores[theme], abstained, scores, tags, why, runner_up, taxonomy }
    }

    /// The model's own (uncalibrated) normalised log-probabilities of a title and text scored as
    /// one block, and the text's length in features: what the passage map is fitted on
    /// ([`crate::calibration::Calibration::fit`]). An article's score, with its lead weight and
    /// vote, is [`Tagger::uncalibrated_as`] (what `bulletin calibrate` fits the article map on).
    #[must_use]
    pub fn uncalibrated(&self, title: &str, text: &str) -> (Vec<f64>, u64) {
        let mut ids = Vec::new();
        let (x, length) = self.model.vectorize(&self.pipeline, title, text, &mut ids);
        (self.model.predict_log_proba(&x), length)
    }

    /// [`Tagger::uncalibrated`] for a piece of the given shape: an article's score is the one
    /// [`Tagger::predict`] calibrates (its lead weighted and its paragraphs' vote added, when
    /// the model has them), so a map fitted on these scores fits what `predict` applies it to.
    #[must_use]
    pub fn uncalibrated_as(&self, title: &str, text: &str, shape: PieceShape) -> (Vec<f64>, u64) {
        if shape == PieceShape::Passage {
            return self.uncalibrated(title, text);
        }
        let a = self.article_vector(title, text, 1.0);
        (a.log_proba, a.length)
    }

    /// Consumes the tagger, giving back its model (e.g. to recalibrate and save it).
    #[must_use]
    pub fn into_model(self) -> Model {
        self.model
    }

    /// How an article with this text is scored. An article of one line is all lead, and the
    /// trainer scores such records as passages (as `classify` splits them): its lead counts once,
    /// it does not vote, and with a vote in the model it takes the passage map (the article map,
    /// fitted on voted scores, would flatten its summed score); models without a vote keep the
    /// article map for every article.
    fn article_scoring(&self, text: &str) -> ArticleScoring {
        let features = &self.pipeline.settings().features;
        let vote = features.active_vote();
        if PieceShape::of_text(text) == PieceShape::Passage {
            let map = if vote.is_some() { PieceShape::Passage } else { PieceShape::Article };
            ArticleScoring { lead: 1, vote: None, map }
        } else {
            ArticleScoring { lead: features.lead_weight.max(1), vote, map: PieceShape::Article }
        }
    }

    /// Probabilities from a piece's normalised log-probabilities, through the model's
    /// calibration map for its shape and length.
    fn calibrated(&self, mut log_proba: Vec<f64>, length: u64, shape: PieceShape) -> Vec<f64> {
        self.model.calibrate_log_proba(&mut log_proba, length, shape);
        probabilities(log_proba)
    }

    /// [`Tagger::predict`]'s scores through a linear plugin's packed weights. With
    /// `paragraph_confidence`, the text is an article: its lines are scored one by one too, and
    /// the second result holds per theme the share of the article's characters in paragraphs
    /// that theme wins with at least that confidence.
    fn score_linear(
        &self,
        scorer: &LinearScorer,
        title: &str,
        text: &str,
        paragraph_confidence: Option<f64>,
    ) -> (Vec<f64>, Option<Vec<f64>>) {
        let n = scorer.n_themes();
        let log_proba = |acc: &[f64]| normalize_log(scorer.base().iter().zip(acc).map(|(b, a)| b + a).collect());
        let mut acc = scorer::accumulator();
        // The piece's length for calibration: every feature the pipeline emits.
        let mut length = 0u64;
        let Some(min_confidence) = paragraph_confidence else {
            self.pipeline.for_each_feature_ref(title, text, |f| {
                length += 1;
                scorer.add(f, &mut acc);
            });
            return (self.calibrated(log_proba(&acc), length, PieceShape::Passage), None);
        };
        // The lead (title and first paragraph) counts `lead` times; with 1 and no vote, the sums
        // keep the order of models that predate these settings, so their scores do not move by
        // a bit.
        let rules = self.article_scoring(text);
        let lead = f64::from(rules.lead);
        let mut vote = Vote::new(n);
        let apart = lead > 1.0 || rules.vote.is_some();
        let mut title_acc = scorer::accumulator();
        let mut title_length = 0u64;
        self.pipeline.for_each_feature_ref(title, "", |f| {
            title_length += 1;
            scorer.add(f, if apart { &mut title_acc } else { &mut acc });
        });
        length += title_length;
        if apart {
            for (a, t) in acc.iter_mut().zip(&title_acc) {
                *a += lead * t;
            }
        }
        if rules.vote.is_some() && title_length > 0 {
            vote.add(&log_proba(&title_acc), title.trim().chars().count());
        }
        let mut first = FirstParagraph::default();
        let shares = paragraph_shares(text, n, min_confidence, |line| {
            let mut line_acc = scorer::accumulator();
            let mut line_length = 0u64;
            self.pipeline.for_each_feature_ref("", line, |f| {
                line_length += 1;
                scorer.add(f, &mut line_acc);
            });
            if first.is(line) && lead > 1.0 {
                for (a, l) in acc.iter_mut().zip(&line_acc) {
                    *a += lead * l;
                }
            } else {
                for (a, l) in acc.iter_mut().zip(&line_acc) {
                    *a += l;
                }
            }
            length += line_length;
            let line_proba = log_proba(&line_acc);
            if rules.vote.is_some() && line_length > 0 {
                vote.add(&line_proba, line.trim().chars().count());
            }
            self.calibrated(line_proba, line_length, PieceShape::Passage)
        });
        let fallback = self.model.taxonomy().fallback();
        (self.calibrated(rules.voted(log_proba(&acc), &vote, fallback), length, rules.map), Some(shares))
    }

    /// An article scored through its sparse vector (see [`ScoredArticle`]); `min_confidence` is
    /// the paragraph confidence of the per-theme shares.
    fn article_vector(&self, title: &str, text: &str, min_confidence: f64) -> ScoredArticle {
        let n = self.model.taxonomy().len();
        let mut ids = Vec::new();
        let rules = self.article_scoring(text);
        let (lead, voting) = (rules.lead, rules.vote.is_some());
        let mut vote = Vote::new(n);
        let (title_vec, mut length) = self.model.vectorize(&self.pipeline, title, "", &mut ids);
        if voting && length > 0 {
            vote.add(&self.model.predict_log_proba(&title_vec), title.trim().chars().count());
        }
        let mut all: Vec<(u32, u32)> = title_vec.iter().map(|&(f, c)| (f, c.saturating_mul(lead))).collect();
        let mut first = FirstParagraph::default();
        let shares = paragraph_shares(text, n, min_confidence, |line| {
            let (x, line_length) = self.model.vectorize(&self.pipeline, "", line, &mut ids);
            let weight = if first.is(line) { lead } else { 1 };
            all.extend(x.iter().map(|&(f, c)| (f, c.saturating_mul(weight))));
            length += line_length;
            let line_proba = self.model.predict_log_proba(&x);
            if voting && line_length > 0 {
                vote.add(&line_proba, line.trim().chars().count());
            }
            self.calibrated(line_proba, line_length, PieceShape::Passage)
        });
        let x = sum_sparse(all);
        let log_proba = rules.voted(self.model.predict_log_proba(&x), &vote, self.model.taxonomy().fallback());
        ScoredArticle { x, length, shares, log_proba, map: rules.map }
    }

    fn explain(&self, x: &[(u32, u32)], top: ThemeIndex, runner_up: ThemeIndex, k: usize) -> Vec<Reason> {
        let Ok(contrib) = self.model.plugin().explain(x) else { return Vec::new() };
        let mut reasons: Vec<(f64, u32)> = contrib.features.iter().map(|(f, c)| (c[top] - c[runner_up], *f)).collect();
        reasons.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        reasons
            .into_iter()
            .take(k)
            .map(|(contribution, f)| Reason { feature: self.model.vocabulary().word(f).unwrap_or_default().to_owned(), contribution })
            .collect()
    }
}

/// How an article is scored ([`Tagger::article_scoring`]).
#[derive(Debug, Clone, Copy)]
struct ArticleScoring {
    /// How many times the title and the first paragraph count.
    lead: u32,
    /// The paragraph vote, when the article votes.
    vote: Option<ArticleVote>,
    /// The calibration map its score goes through.
    map: PieceShape,
}

impl ArticleScoring {
    /// An article's normalised log-probabilities with its pieces' vote added (unchanged when the
    /// article does not vote or no piece voted).
    fn voted(&self, log_proba: Vec<f64>, vote: &Vote, fallback: usize) -> Vec<f64> {
        match self.vote {
            Some(v) => vote.apply(log_proba, v, fallback),
            None => log_proba,
        }
    }
}

/// An article scored through its sparse vector ([`Tagger::article_vector`]).
struct ScoredArticle {
    /// The sparse vector, its lead weighted.
    x: SparseVec,
    /// Features emitted (the lead counted once): the length the calibration map reads.
    length: u64,
    /// Per theme, the share of the article's characters in paragraphs that theme wins with
    /// (calibrated) confidence at least the requested one.
    shares: Vec<f64>,
    /// Normalised log-probabilities, the vote added: the uncalibrated score.
    log_proba: Vec<f64>,
    /// The calibration map for it.
    map: PieceShape,
}

/// Finds an article's first paragraph among its lines, given in order: the first line that is
/// not a `## ` section heading.
#[derive(Default)]
struct FirstParagraph {
    seen: bool,
}

impl FirstParagraph {
    /// Whether `line` (non-blank) is the first paragraph.
    fn is(&mut self, line: &str) -> bool {
        if self.seen || line.trim_start().starts_with("##") {
            return false;
        }
        self.seen = true;
        true
    }
}

/// Probabilities from log-probabilities.
fn probabilities(log_proba: Vec<f64>) -> Vec<f64> {
    log_proba.into_iter().map(f64::exp).collect()
}

/// Scores each non-blank line of an article with `score` (its probabilities per theme, of `n`
/// themes) and returns per theme the share of the article's characters in lines that theme wins
/// with at least `min_confidence`.
fn paragraph_shares(text: &str, n: usize, min_confidence: f64, mut score: impl FnMut(&str) -> Vec<f64>) -> Vec<f64> {
    let mut chars = vec![0usize; n];
    let mut total = 0usize;
    for line in text.split('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let len = trimmed.chars().count();
        total += len;
        let probs = score(line);
        let best = argmax(&probs);
        if probs[best] >= min_confidence {
            chars[best] += len;
        }
    }
    chars.iter().map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 }).collect()
}

/// The best theme other than `top` (ties to taxonomy order).
fn runner_up(scores: &[f64], top: usize) -> usize {
    let mut best: Option<usize> = None;
    for (i, &s) in scores.iter().enumerate() {
        if i != top && best.is_none_or(|b| s > scores[b]) {
            best = Some(i);
        }
    }
    best.unwrap_or(top)
}
