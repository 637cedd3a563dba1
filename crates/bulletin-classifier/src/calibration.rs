//! Calibrated confidence: maps that make a score mean the probability that the theme is right.
//!
//! Naive Bayes adds up hundreds of word log-likelihoods as if the words were independent, so its
//! posterior is far too sharp, and the sharper the longer the text: nearly every piece scores
//! 1.00, right or wrong. A [`TemperatureMap`] divides the whole log-probability vector by a
//! temperature that grows with the piece's length, then normalises again:
//!
//! ```text
//! p_t = softmax(β(n) · log p̂)_t,    β(n) = exp(c0 + c1 · ln(1 + n))
//! ```
//!
//! where `n` is the number of features the text pipeline emitted for the piece. One positive
//! factor scales every theme alike, so the ranking of themes (and with it accuracy, macro-F1 and
//! every decision) is unchanged; the scores stay one distribution summing to 1. `c0` and `c1`
//! are fitted by minimising the negative log-likelihood of the true theme on out-of-fold scores
//! ([`TemperatureMap::fit`]); `c1 = 0` is plain temperature scaling, which `bench/calibration.sh`
//! measured against the length-aware map (see `bench/RESULTS.md`).
//!
//! Articles (scored from the sum of their paragraphs' log-likelihoods) and single passages
//! (paragraphs, captions, briefs) get a map each, in a [`Calibration`].
//!
//! ```
//! use bulletin_classifier::calibration::{Scored, TemperatureMap};
//!
//! // Out-of-fold scores: over-confident, and right only three times in four.
//! let scored: Vec<Scored> = (0..200)
//!     .map(|i| Scored::new(vec![-0.0001, -9.0], 40, if i % 4 == 0 { 1 } else { 0 }))
//!     .collect();
//! let map = TemperatureMap::fit(&scored);
//! let mut log_proba = vec![-0.0001, -9.0];
//! map.apply(&mut log_proba, 40);
//! let confidence = log_proba[0].exp();
//! assert!((confidence - 0.75).abs() < 0.02, "{confidence}");
//! ```

use serde::{Deserialize, Serialize};

use crate::plugin::normalize_log;

/// One out-of-fold prediction: the model's log-probabilities, the piece's length in features
/// and the index of its true (primary) theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Normalised log-probabilities per theme, in taxonomy order.
    pub log_proba: Vec<f64>,
    /// Features the pipeline emitted for the piece.
    pub length: u64,
    /// The true primary theme.
    pub truth: usize,
}

impl Scored {
    /// A scored piece.
    #[must_use]
    pub fn new(log_proba: Vec<f64>, length: u64, truth: usize) -> Self {
        Self { log_proba, length, truth }
    }
}

/// A length-aware temperature: `β = exp(c0 + o_top + c1 · ln(1 + n))` multiplies the
/// log-probability vector before it is normalised again, where `o_top` is the offset of the
/// piece's top theme. One factor scales every theme of a piece alike, so the ranking of its
/// themes never changes. The identity map is `c0 = c1 = 0` without offsets.
///
/// The offsets let the map learn that some answers are surer than others at the same length:
/// on out-of-fold scores of our corpus a piece whose top theme is `other` is right more often
/// than one pulled into a theme by a few strong words, which the per-theme offsets show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureMap {
    /// Log of the inverse temperature at length 0.
    pub c0: f64,
    /// How the log inverse temperature changes with the log length (negative: longer pieces are
    /// cooled more).
    pub c1: f64,
    /// Added to `c0` for a piece whose top theme is `t`, in taxonomy order; empty for none (the
    /// maps of model format 2). Not part of the map's own serde layout, which format 2 fixed:
    /// the model file stores the offsets in a field of their own.
    #[serde(skip)]
    pub theme_offsets: Vec<f64>,
}

/// Range searched for `c1`: from strongly length-dependent to length-independent and beyond.
const C1_RANGE: (f64, f64) = (-3.0, 1.0);
/// Range searched for `c0` (inverse temperatures from e^-20 to e^12 at length 0).
const C0_RANGE: (f64, f64) = (-20.0, 12.0);
/// Range of a theme offset.
const OFFSET_RANGE: (f64, f64) = (-6.0, 6.0);
/// Strength of the pull of each theme offset towards 0, in points: a theme that is rarely the
/// top one keeps close to the shared temperature.
const OFFSET_PRIOR_POINTS: f64 = 20.0;

impl TemperatureMap {
    /// The map that changes nothing.
    pub const IDENTITY: Self = Self { c0: 0.0, c1: 0.0, theme_offsets: Vec::new() };

    /// The inverse temperature for a piece of `length` features whose top theme is `top`.
    #[must_use]
    pub fn beta(&self, length: u64, top: usize) -> f64 {
        let offset = self.theme_offsets.get(top).copied().unwrap_or(0.0);
        (self.c0 + offset + self.c1 * (1.0 + length as f64).ln()).exp()
    }

    /// What makes the map unusable for a taxonomy of `themes` themes, if anything: a coefficient
    /// outside the range the fit searches (which keeps `β` finite and positive), or offsets that
    /// are not one per theme. A model file is checked with it when it is read, so a damaged or
    /// hand-made file cannot turn scores into NaN.
    #[must_use]
    pub fn defect(&self, themes: usize) -> Option<String> {
        let within = |v: f64, (lo, hi): (f64, f64)| (lo..=hi).contains(&v);
        if !within(self.c0, C0_RANGE) || !within(self.c1, C1_RANGE) {
            return Some(format!("coefficients ({}, {}) outside the fitted ranges", self.c0, self.c1));
        }
        if let Some(bad) = self.theme_offsets.iter().find(|&&o| !within(o, OFFSET_RANGE)) {
            return Some(format!("a theme offset is {bad}"));
        }
        (!self.theme_offsets.is_empty() && self.theme_offsets.len() != themes)
            .then(|| format!("{} theme offsets for {themes} themes", self.theme_offsets.len()))
    }

    /// Calibrates normalised log-probabilities in place (they stay normalised log-probabilities).
    pub fn apply(&self, log_proba: &mut Vec<f64>, length: u64) {
        if *self == Self::IDENTITY {
            return;
        }
        let beta = self.beta(length, crate::argmax(log_proba));
        for v in log_proba.iter_mut() {
            *v *= beta;
        }
        *log_proba = normalize_log(std::mem::take(log_proba));
    }

    /// Fits `c0`, `c1` and one offset per top theme by minimising the mean negative
    /// log-likelihood of the true themes, each offset pulled towards 0 with the weight of
    /// 20 points: the best plain temperature first (a golden-section
    /// search over `c0`), then damped Newton steps in every coefficient from there. Each step
    /// reads every point once, so a fit costs a few dozen passes over the points.
    /// Deterministic; an empty input gives the identity.
    #[must_use]
    pub fn fit(scored: &[Scored]) -> Self {
        Self::fit_with(scored, Form::ThemeLength)
    }

    /// The map without theme offsets: `c0` and `c1` only (what model format 2 stored).
    #[must_use]
    pub fn fit_length(scored: &[Scored]) -> Self {
        Self::fit_with(scored, Form::Length)
    }

    /// Plain temperature scaling: the best length-independent map (`c1 = 0`).
    #[must_use]
    pub fn fit_constant(scored: &[Scored]) -> Self {
        Self::fit_with(scored, Form::Constant)
    }

    fn fit_with(scored: &[Scored], form: Form) -> Self {
        if scored.is_empty() {
            return Self::IDENTITY;
        }
        // A piece whose true theme has probability 0 (a theme without training records) is
        // wrong at every temperature: it has no likelihood to maximise.
        let points: Vec<Point> = scored.iter().filter(|s| s.log_proba[s.truth].is_finite()).map(Point::new).collect();
        if points.is_empty() {
            return Self::IDENTITY;
        }
        let c0 = golden(C0_RANGE.0, C0_RANGE.1, |c0| nll(&points, &[c0, 0.0]));
        if form == Form::Constant {
            return Self { c0, c1: 0.0, theme_offsets: Vec::new() };
        }
        let themes = if form == Form::ThemeLength { scored.iter().map(|s| s.log_proba.len()).max().unwrap_or(0) } else { 0 };
        let mut start = vec![0.0; 2 + themes];
        start[0] = c0;
        let fitted = newton(&points, start);
        Self { c0: fitted[0], c1: fitted[1], theme_offsets: fitted[2..].to_vec() }
    }
}

/// Which coefficients a fit frees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Constant,
    Length,
    ThemeLength,
}

/// A scored piece prepared for fitting: log-probabilities relative to the true theme's, their
/// largest value, and the top theme.
struct Point {
    relative: Vec<f64>,
    max: f64,
    ln_length: f64,
    top: usize,
}

impl Point {
    fn new(s: &Scored) -> Self {
        let truth = s.log_proba[s.truth];
        let relative: Vec<f64> = s.log_proba.iter().map(|&v| v - truth).collect();
        let max = relative.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Self { relative, max, ln_length: (1.0 + s.length as f64).ln(), top: crate::argmax(&s.log_proba) }
    }

    /// `u = ln β` under the coefficients `[c0, c1, offsets…]`.
    fn u(&self, theta: &[f64]) -> f64 {
        theta[0] + theta[1] * self.ln_length + theta.get(2 + self.top).copied().unwrap_or(0.0)
    }

    /// The point's negative log-likelihood `ln Σ exp(β·d_i)` at the inverse temperature `β`,
    /// with its first and second derivatives in `u = ln β`.
    fn loss(&self, beta: f64) -> (f64, f64, f64) {
        let (mut z, mut first, mut second) = (0.0, 0.0, 0.0);
        for &d in &self.relative {
            let w = (beta * (d - self.max)).exp();
            if w == 0.0 {
                // Nothing to add, and `0 · d` is NaN for a theme that cannot win (d = -inf).
                continue;
            }
            z += w;
            first += w * d;
            second += w * d * d;
        }
        let (mean, square) = (first / z, second / z);
        let variance = (square - mean * mean).max(0.0);
        (beta * self.max + z.ln(), beta * mean, beta * mean + beta * beta * variance)
    }
}

/// The fitting objective at `[c0, c1, offsets…]`: the mean negative log-likelihood of the true
/// themes, plus the pull of the offsets towards 0.
fn nll(points: &[Point], theta: &[f64]) -> f64 {
    let n = points.len() as f64;
    let data = points.iter().map(|p| p.loss(p.u(theta).exp()).0).sum::<f64>() / n;
    let prior = OFFSET_PRIOR_POINTS / n * theta.iter().skip(2).map(|o| o * o).sum::<f64>() / 2.0;
    data + prior
}

/// Bound on the steps of [`newton`].
const NEWTON_STEPS: usize = 200;

/// Minimises [`nll`] from a starting point by Levenberg–Marquardt-damped Newton steps. The loss
/// of each point depends on the coefficients only through `u = c0 + c1·ln(1+n) + o_top`, so its
/// gradient and Hessian are its first and second derivatives in `u` times the design vector
/// `(1, ln(1+n), e_top)`. A step is taken only when it lowers the objective; otherwise the
/// damping grows. Stops when a step moves no coefficient by 1e-9, or the objective stops falling.
fn newton(points: &[Point], mut theta: Vec<f64>) -> Vec<f64> {
    let dims = theta.len();
    let n = points.len() as f64;
    let prior = OFFSET_PRIOR_POINTS / n;
    let mut damping = 1e-6;
    let mut loss = nll(points, &theta);
    for _ in 0..NEWTON_STEPS {
        let mut gradient = vec![0.0; dims];
        let mut hessian = vec![vec![0.0; dims]; dims];
        for p in points {
            let (_, first, second) = p.loss(p.u(&theta).exp());
            // A negative curvature in `u` (a confident right answer being sharpened) is left
            // out, so the damped Hessian stays positive definite.
            let second = second.max(0.0);
            let mut design = [(0, 1.0), (1, p.ln_length), (usize::MAX, 1.0)];
            if dims > 2 {
                design[2].0 = 2 + p.top;
            }
            for &(i, zi) in design.iter().filter(|d| d.0 < dims) {
                gradient[i] += first * zi;
                for &(j, zj) in design.iter().filter(|d| d.0 < dims) {
                    hessian[i][j] += second * zi * zj;
                }
            }
        }
        for (i, (g, row)) in gradient.iter_mut().zip(&mut hessian).enumerate() {
            *g /= n;
            for h in row.iter_mut() {
                *h /= n;
            }
            if i >= 2 {
                *g += prior * theta[i];
                row[i] += prior;
            }
        }
        let mut moved = false;
        while damping < 1e12 {
            let mut damped = hessian.clone();
            for (i, row) in damped.iter_mut().enumerate() {
                row[i] += damping * (1.0 + hessian[i][i]);
            }
            let Some(step) = solve(damped, gradient.clone()) else {
                damping *= 10.0;
                continue;
            };
            if step.iter().all(|s| s.abs() < 1e-10) {
                break;
            }
            let trial: Vec<f64> = theta
                .iter()
                .zip(&step)
                .enumerate()
                .map(|(i, (t, s))| {
                    let range = match i {
                        0 => C0_RANGE,
                        1 => C1_RANGE,
                        _ => OFFSET_RANGE,
                    };
                    (t - s).clamp(range.0, range.1)
                })
                .collect();
            let trial_loss = nll(points, &trial);
            if trial_loss < loss {
                moved = trial.iter().zip(&theta).any(|(a, b)| (a - b).abs() >= 1e-9);
                (theta, loss) = (trial, trial_loss);
                damping = (damping / 10.0).max(1e-12);
                break;
            }
            damping *= 10.0;
        }
        if !moved {
            break;
        }
    }
    theta
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting; `None` when `a` is
/// singular or not finite.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        let size = a[pivot][col].abs();
        if size.is_nan() || size <= 1e-300 || size.is_infinite() {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (value, above) in row.iter_mut().zip(pivot_row).skip(col) {
                *value -= factor * above;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Golden-section search for the minimum of a unimodal `f` on `[lo, hi]`.
fn golden(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..60 {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = f(b);
        }
        if hi - lo < 1e-6 {
            break;
        }
    }
    f64::midpoint(lo, hi)
}

/// How a text is scored ([`Tagger::predict`](crate::Tagger::predict)) and which calibration map
/// its confidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceShape {
    /// An article of several paragraphs (its non-blank lines), scored from the sum of its
    /// paragraphs; the paragraphs' own decisions give its secondary tags.
    Article,
    /// One passage: a paragraph, a caption or a one-paragraph brief.
    Passage,
}

impl PieceShape {
    /// [`PieceShape::Article`] for a text of several non-blank lines, else
    /// [`PieceShape::Passage`].
    #[must_use]
    pub fn of_text(text: &str) -> Self {
        if text.lines().filter(|l| !l.trim().is_empty()).nth(1).is_some() { Self::Article } else { Self::Passage }
    }
}

/// Where a model's calibration maps were fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CalibrationSource {
    /// Out-of-fold scores of the training data (`bulletin train`).
    CrossValidation {
        /// Number of folds.
        folds: u32,
    },
    /// The user's held-out labelled data (`bulletin calibrate`).
    HeldOut,
}

/// The two maps of a calibrated model, and what they were fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The map for articles of several paragraphs.
    pub article: TemperatureMap,
    /// The map for single passages.
    pub passage: TemperatureMap,
    /// Where the maps were fitted.
    pub source: CalibrationSource,
    /// Articles the article map was fitted on.
    pub article_pieces: u64,
    /// Passages the passage map was fitted on.
    pub passage_pieces: u64,
    /// Whether the counts changed since the maps were fitted (after a model update): the maps
    /// still apply, but `bulletin calibrate` or a retrain should refit them.
    pub stale: bool,
}

impl Calibration {
    /// Fits both maps on scored pieces of each shape. A shape with fewer than
    /// [`MIN_POINTS`] pieces borrows the other shape's map (length still counts).
    #[must_use]
    pub fn fit(articles: &[Scored], passages: &[Scored], source: CalibrationSource) -> Self {
        let passage = TemperatureMap::fit(if passages.len() >= MIN_POINTS || articles.len() < MIN_POINTS { passages } else { articles });
        let article = if articles.len() >= MIN_POINTS { TemperatureMap::fit(articles) } else { passage.clone() };
        Self { article, passage, source, article_pieces: articles.len() as u64, passage_pieces: passages.len() as u64, stale: false }
    }

    /// The map for a piece of this shape.
    #[must_use]
    pub fn map(&self, shape: PieceShape) -> &TemperatureMap {
        match shape {
            PieceShape::Article => &self.article,
            PieceShape::Passage => &self.passage,
        }
    }
}

/// Why a model has no calibration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Uncalibrated {
    /// A version-1 model file, from before calibration existed.
    LegacyFormat,
    /// Turned off: trained with `--calibration none`, or the maps removed by
    /// `bulletin calibrate --none`.
    Disabled,
    /// A theme had too few training records to fit a map on out-of-fold scores.
    TooFewExamples {
        /// The theme id.
        theme: String,
        /// Its records.
        records: u64,
    },
    /// The plugin cannot produce out-of-fold scores from one pass (it keeps no exact counts).
    UnsupportedPlugin {
        /// The plugin name.
        plugin: String,
    },
    /// The model is a merge of shard models; their maps do not apply to the union.
    Merged,
}

impl std::fmt::Display for Uncalibrated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LegacyFormat => write!(f, "a version-1 model file, from before calibration"),
            Self::Disabled => write!(f, "turned off by `train --calibration none` or `calibrate --none`"),
            Self::TooFewExamples { theme, records } => {
                write!(f, "theme `{theme}` has only {records} training records (calibration needs about {MIN_RECORDS_PER_THEME})")
            }
            Self::UnsupportedPlugin { plugin } => write!(f, "the `{plugin}` classifier cannot be scored out of fold in one pass"),
            Self::Merged => write!(f, "merged from shard models; run `bulletin calibrate` on held-out data"),
        }
    }
}

/// Fewest pieces of one shape to fit that shape's own map.
pub const MIN_POINTS: usize = 30;

/// Fewest records per theme for `--calibration auto` to fit maps.
pub const MIN_RECORDS_PER_THEME: u64 = 20;

/// A model's calibration state: fitted maps, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CalibrationState {
    /// Scores go through these maps.
    Calibrated(Calibration),
    /// Scores are the plugin's own probabilities.
    Uncalibrated(Uncalibrated),
}

impl CalibrationState {
    /// The maps, when the model has them.
    #[must_use]
    pub fn calibration(&self) -> Option<&Calibration> {
        match self {
            Self::Calibrated(c) => Some(c),
            Self::Uncalibrated(_) => None,
        }
    }
}

/// Reliability of confidence on a set of predictions.
///
/// ```
/// use bulletin_classifier::calibration::Reliability;
///
/// let r = Reliability::new(&[(0.95, true), (0.95, true), (0.55, false), (0.65, true)]);
/// assert_eq!(r.pieces, 4);
/// assert!(r.auroc > 0.99);
/// assert!((r.accuracy - 0.75).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Reliability {
    /// Predictions measured.
    pub pieces: u64,
    /// Share right.
    pub accuracy: f64,
    /// Expected calibration error over 10 equal-width bins: the pieces-weighted mean gap between
    /// mean confidence and accuracy.
    pub ece: f64,
    /// The bins, from `[0, 0.1)` to `[0.9, 1]`.
    pub bins: Vec<Bin>,
    /// Area under the ROC curve of confidence separating right from wrong predictions (ties count
    /// half); `NaN` when all are right or all wrong.
    pub auroc: f64,
    /// Pieces with confidence ≥ 0.99.
    pub confident_pieces: u64,
    /// Accuracy among them (`NaN` when there are none).
    pub confident_accuracy: f64,
    /// Share of all errors that have confidence ≥ 0.99 (`NaN` without errors).
    pub confident_error_share: f64,
    /// Accuracy when keeping only the most confident 100, 90, 80, 70 and 50 % of the pieces.
    pub risk_coverage: Vec<(f64, f64)>,
    /// Share of all errors among the least confident 10 % and 20 % (`NaN` without errors).
    pub errors_in_least_confident: Vec<(f64, f64)>,
}

/// One reliability bin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// Lower edge.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Pieces whose confidence falls in the bin.
    pub pieces: u64,
    /// Their mean confidence (`NaN` when empty).
    pub confidence: f64,
    /// Their accuracy (`NaN` when empty).
    pub accuracy: f64,
}

/// Coverages of the risk–coverage table.
pub const COVERAGES: [f64; 5] = [1.0, 0.9, 0.8, 0.7, 0.5];
/// Shares of least confident pieces searched for errors.
pub const LEAST_CONFIDENT: [f64; 2] = [0.1, 0.2];

impl Reliability {
    /// Measures `(confidence, right)` pairs.
    #[must_use]
    pub fn new(predictions: &[(f64, bool)]) -> Self {
        let n = predictions.len();
        let right = predictions.iter().filter(|p| p.1).count();
        let errors = n - right;
        let mut bins: Vec<Bin> = (0..10)
            .map(|i| Bin { lower: f64::from(i) / 10.0, upper: f64::from(i + 1) / 10.0, pieces: 0, confidence: 0.0, accuracy: 0.0 })
            .collect();
        for &(c, ok) in predictions {
            let b = &mut bins[bin_of(c)];
            b.pieces += 1;
            b.confidence += c;
            b.accuracy += f64::from(u8::from(ok));
        }
        let mut ece = 0.0;
        for b in &mut bins {
            if b.pieces == 0 {
                b.confidence = f64::NAN;
                b.accuracy = f64::NAN;
            } else {
                b.confidence /= b.pieces as f64;
                b.accuracy /= b.pieces as f64;
                ece += b.pieces as f64 * (b.confidence - b.accuracy).abs();
            }
        }
        let ratio = |a: usize, b: usize| if b == 0 { f64::NAN } else { a as f64 / b as f64 };
        // Most confident first; ties keep input order so the tables are deterministic.
        let mut order: Vec<&(f64, bool)> = predictions.iter().collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let risk_coverage = COVERAGES
            .iter()
            .map(|&c| {
                let keep = share_of(n, c);
                (c, ratio(order[..keep].iter().filter(|p| p.1).count(), keep))
            })
            .collect();
        let errors_in_least_confident = LEAST_CONFIDENT
            .iter()
            .map(|&share| {
                let take = share_of(n, share);
                (share, ratio(order[n - take..].iter().filter(|p| !p.1).count(), errors))
            })
            .collect();
        let confident: Vec<_> = predictions.iter().filter(|p| p.0 >= 0.99).collect();
        Self {
            pieces: n as u64,
            accuracy: ratio(right, n),
            ece: if n == 0 { f64::NAN } else { ece / n as f64 },
            bins,
            auroc: auroc(predictions),
            confident_pieces: confident.len() as u64,
            confident_accuracy: ratio(confident.iter().filter(|p| p.1).count(), confident.len()),
            confident_error_share: ratio(confident.iter().filter(|p| !p.1).count(), errors),
            risk_coverage,
            errors_in_least_confident,
        }
    }
}

/// The reliability bin (0–9) of a confidence.
#[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..=9 first")]
fn bin_of(confidence: f64) -> usize {
    (confidence * 10.0).floor().clamp(0.0, 9.0) as usize
}

/// `share` of `n` items, rounded, at most `n`.
#[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..=n first")]
fn share_of(n: usize, share: f64) -> usize {
    (n as f64 * share).round().clamp(0.0, n as f64) as usize
}

/// Mann–Whitney AUROC of confidence for right (positive) against wrong predictions.
fn auroc(predictions: &[(f64, bool)]) -> f64 {
    let mut sorted: Vec<&(f64, bool)> = predictions.iter().collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut positives) = (0.0, 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0.total_cmp(&sorted[i].0).is_eq() {
            j += 1;
        }
        // Ranks i+1..=j share their mean.
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        for p in &sorted[i..j] {
            if p.1 {
                rank_sum += mean_rank;
                positives += 1;
            }
        }
        i = j;
    }
    let negatives = sorted.len() - positives;
    if positives == 0 || negatives == 0 {
        return f64::NAN;
    }
    (rank_sum - (positives * (positives + 1)) as f64 / 2.0) / (positives * negatives) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over-confident scores whose true accuracy depends on length: short pieces are right 90 % of
    /// the time, long ones 70 %, yet the raw scores say 1.00 for all (a wrong piece's truth is the
    /// runner-up).
    fn length_dependent() -> Vec<Scored> {
        let mut out = Vec::new();
        for i in 0..400u64 {
            let long = i % 2 == 0;
            let (length, gap) = if long { (600, 300.0) } else { (20, 12.0) };
            let wrong = if long { (i / 2) % 10 < 3 } else { (i / 2) % 10 == 0 };
            out.push(Scored::new(normalize_log(vec![0.0, -gap, -gap - 1.0]), length, usize::from(wrong)));
        }
        out
    }

    fn mean_confidence(map: &TemperatureMap, scored: &[Scored], length: u64) -> f64 {
        let sel: Vec<_> = scored.iter().filter(|s| s.length == length).collect();
        sel.iter()
            .map(|s| {
                let mut l = s.log_proba.clone();
                map.apply(&mut l, s.length);
                l[0].exp()
            })
            .sum::<f64>()
            / sel.len() as f64
    }

    fn accuracy(scored: &[Scored], length: u64) -> f64 {
        let sel: Vec<_> = scored.iter().filter(|s| s.length == length).collect();
        sel.iter().filter(|s| s.truth == 0).count() as f64 / sel.len() as f64
    }

    #[test]
    fn the_length_aware_map_matches_accuracy_at_each_length_and_keeps_the_ranking() {
        let scored = length_dependent();
        let map = TemperatureMap::fit(&scored);
        for length in [20, 600] {
            let (conf, acc) = (mean_confidence(&map, &scored, length), accuracy(&scored, length));
            assert!((conf - acc).abs() < 0.04, "length {length}: confidence {conf} vs accuracy {acc}");
        }
        for s in &scored {
            let mut l = s.log_proba.clone();
            map.apply(&mut l, s.length);
            assert!((l.iter().map(|v| v.exp()).sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(l[0] > l[1] && l[1] > l[2], "ranking changed: {l:?}");
        }
    }

    /// The exhaustive search the Newton fit replaced: a grid of 21 values of `c1`, refined
    /// twice, with a golden-section search over `c0` at each.
    fn grid_fit(scored: &[Scored]) -> TemperatureMap {
        let points: Vec<Point> = scored.iter().map(Point::new).collect();
        let (mut lo, mut hi) = C1_RANGE;
        let mut best = (f64::INFINITY, 0.0, 0.0);
        for _ in 0..3 {
            let step = (hi - lo) / 20.0;
            for i in 0..=20 {
                let c1 = lo + step * f64::from(i);
                let c0 = golden(C0_RANGE.0, C0_RANGE.1, |c0| nll(&points, &[c0, c1]));
                let loss = nll(&points, &[c0, c1]);
                if loss < best.0 {
                    best = (loss, c0, c1);
                }
            }
            (lo, hi) = (best.2 - step, best.2 + step);
        }
        TemperatureMap { c0: best.1, c1: best.2, theme_offsets: Vec::new() }
    }

    #[test]
    fn the_newton_fit_finds_the_minimum_the_grid_search_finds() {
        // Three shapes of data: length-dependent over-confidence, a constant one, and scores that
        // are under-confident (the map must sharpen, β > 1).
        let constant: Vec<Scored> =
            (0..300).map(|i| Scored::new(normalize_log(vec![0.0, -8.0, -30.0]), 10 + i % 90, usize::from(i % 5 == 0))).collect();
        let timid: Vec<Scored> =
            (0..300).map(|i| Scored::new(normalize_log(vec![0.0, -0.2, -0.3]), 5 + i % 400, usize::from(i % 50 == 0))).collect();
        for (name, scored) in [("length-dependent", length_dependent()), ("constant", constant), ("timid", timid)] {
            let points: Vec<Point> = scored.iter().map(Point::new).collect();
            let (newton, grid) = (TemperatureMap::fit_length(&scored), grid_fit(&scored));
            let (a, b) = (nll(&points, &[newton.c0, newton.c1]), nll(&points, &[grid.c0, grid.c1]));
            assert!(a <= b + 1e-7, "{name}: Newton {newton:?} loss {a} vs grid {grid:?} loss {b}");
        }
        assert!(TemperatureMap::fit_length(&scored_timid()).beta(100, 0) > 1.0);
    }

    fn scored_timid() -> Vec<Scored> {
        (0..300).map(|i| Scored::new(normalize_log(vec![0.0, -0.2, -0.3]), 100, usize::from(i % 50 == 0))).collect()
    }

    /// 1,000 pieces, half with top theme 0 (right 95 % of the time), half with top theme 1
    /// (right 70 %; a wrong piece's truth is the other one): `raw` log-probabilities with the
    /// top theme's set to 0, and the length of piece `i` from `length`.
    fn surer_when_top_is_zero(raw: &[f64], length: impl Fn(u64) -> u64) -> Vec<Scored> {
        (0..1000u64)
            .map(|i| {
                let top = usize::from(i % 2 == 1);
                let wrong = if top == 0 { (i / 2) % 20 == 0 } else { (i / 2) % 10 < 3 };
                let mut raw = raw.to_vec();
                raw[top] = 0.0;
                let truth = if wrong { 1 - top } else { top };
                Scored::new(normalize_log(raw), length(i), truth)
            })
            .collect()
    }

    #[test]
    fn theme_offsets_learn_that_one_top_theme_is_surer_than_another() {
        // Same length, same raw margin: answers whose top theme is 0 are right 95 % of the time,
        // answers whose top theme is 1 only 70 %.
        let scored = surer_when_top_is_zero(&[-40.0, -40.0, -41.0], |_| 80);
        let map = TemperatureMap::fit(&scored);
        assert!(map.theme_offsets[0] > map.theme_offsets[1], "{map:?}");
        for (top, accuracy) in [(0, 0.95), (1, 0.70)] {
            let piece = scored.iter().find(|s| crate::argmax(&s.log_proba) == top).unwrap();
            let mut l = piece.log_proba.clone();
            map.apply(&mut l, piece.length);
            let confidence = l[top].exp();
            assert!((confidence - accuracy).abs() < 0.03, "top {top}: confidence {confidence} vs accuracy {accuracy}");
            assert_eq!(crate::argmax(&l), top, "the ranking of themes never changes");
        }
        // Without offsets one temperature serves both, and cannot match either.
        let length_only = TemperatureMap::fit_length(&scored);
        let mut l = scored[0].log_proba.clone();
        length_only.apply(&mut l, 80);
        assert!((l[0].exp() - 0.95).abs() > 0.05, "{}", l[0].exp());
    }

    #[test]
    fn a_theme_that_can_never_win_does_not_stop_the_fit() {
        // A theme without training records has probability 0: log-probability -inf. It must
        // weigh nothing, as if it were not there, instead of making the Newton steps NaN.
        let base = surer_when_top_is_zero(&[-40.0, -40.0], |i| 10 + i % 90);
        let with_dead: Vec<Scored> =
            base.iter().map(|s| Scored::new(s.log_proba.iter().copied().chain([f64::NEG_INFINITY]).collect(), s.length, s.truth)).collect();
        let (alive, dead) = (TemperatureMap::fit(&base), TemperatureMap::fit(&with_dead));
        assert!(alive.c1.abs() > 1e-3 && alive.theme_offsets[0].abs() > 1e-3, "{alive:?}");
        assert!((alive.c0 - dead.c0).abs() < 1e-6 && (alive.c1 - dead.c1).abs() < 1e-6, "{alive:?} vs {dead:?}");
        assert!((alive.theme_offsets[0] - dead.theme_offsets[0]).abs() < 1e-6, "{alive:?} vs {dead:?}");
        assert!(dead.theme_offsets[2].abs() < 1e-12, "{dead:?}");
        // Held-out pieces labelled with that theme are wrong at any temperature: left out.
        let mut labelled_dead = with_dead.clone();
        labelled_dead.extend(with_dead.iter().take(5).map(|s| Scored::new(s.log_proba.clone(), s.length, 2)));
        assert_eq!(TemperatureMap::fit(&labelled_dead), dead);
    }

    #[test]
    fn maps_outside_the_fitted_ranges_are_defects() {
        let map = |c0: f64, c1: f64, offsets: Vec<f64>| TemperatureMap { c0, c1, theme_offsets: offsets };
        assert_eq!(map(1.0, -0.5, vec![0.1; 5]).defect(5), None);
        assert_eq!(TemperatureMap::IDENTITY.defect(5), None);
        for bad in
            [map(f64::NAN, 0.0, vec![]), map(1e300, 0.0, vec![]), map(0.0, f64::INFINITY, vec![]), map(0.0, 0.0, vec![0.0, f64::NAN])]
        {
            assert!(bad.defect(2).is_some(), "{bad:?}");
        }
        assert_eq!(map(0.0, 0.0, vec![0.0; 3]).defect(5).as_deref(), Some("3 theme offsets for 5 themes"));
    }

    #[test]
    fn a_constant_temperature_cannot_fit_both_lengths() {
        let scored = length_dependent();
        let constant = TemperatureMap::fit_constant(&scored);
        assert!(constant.c1.abs() < f64::EPSILON, "plain temperature scaling has no length term");
        let gap = |m: &TemperatureMap| {
            [20, 600].iter().map(|&l| (mean_confidence(m, &scored, l) - accuracy(&scored, l)).abs()).fold(0.0, f64::max)
        };
        assert!(gap(&constant) > gap(&TemperatureMap::fit(&scored)) + 0.05, "{} vs {}", gap(&constant), gap(&TemperatureMap::fit(&scored)));
    }

    #[test]
    fn reliability_tables_count_what_they_say() {
        // Ten pieces: confidences 0.05..0.95, the three least confident wrong.
        let predictions: Vec<(f64, bool)> = (0..10).map(|i| (0.05 + f64::from(i) / 10.0, i >= 3)).collect();
        let r = Reliability::new(&predictions);
        assert_eq!(r.pieces, 10);
        assert!((r.accuracy - 0.7).abs() < 1e-12);
        assert!(r.bins.iter().all(|b| b.pieces == 1));
        assert!((r.auroc - 1.0).abs() < 1e-12);
        assert_eq!(r.risk_coverage[0], (1.0, 0.7));
        assert_eq!(r.risk_coverage[4], (0.5, 1.0));
        assert_eq!(r.errors_in_least_confident, vec![(0.1, 1.0 / 3.0), (0.2, 2.0 / 3.0)]);
        assert_eq!(r.confident_pieces, 0);
        assert!(r.confident_accuracy.is_nan());
        // ECE: each bin holds one piece; |conf - acc| summed over bins / 10.
        let expected: f64 = predictions.iter().map(|&(c, ok)| (c - f64::from(u8::from(ok))).abs()).sum::<f64>() / 10.0;
        assert!((r.ece - expected).abs() < 1e-12);
    }
}
