//! Backends that delegate to linfa-bayes 0.8 on dense batches: `linfa-multinomial` and
//! `linfa-bernoulli`. They exist for parity with the wider linfa ecosystem and for small
//! vocabularies; the native backends are faster and support update, merge and explain.
//!
//! The state they save is their training examples (sparse) and `alpha`; [`Classifier::finalize`]
//! refits linfa on the selected feature columns, in dense batches of at most
//! [`BATCH_ROWS`] rows so memory stays bounded by the selection, not by the corpus.
//!
//! Known defects of linfa-bayes 0.8.1 that this module keeps away from users:
//! - `MultinomialNb::fit_with` (linfa-bayes 0.8.1, `src/multinomial_nb.rs` line 78) holds a stray
//!   `dbg!` that prints every class's arrays to stderr on each fit: fits run with stderr
//!   redirected (the `gag` crate), serialised behind a process-wide mutex.
//! - `predict_proba`/`predict_log_proba` skip the max-shift and overflow for long pieces: we
//!   normalise the public `joint_log_likelihood` ourselves.
//! - classes live in a `HashMap`: we read the scores back into taxonomy order.
//! - `BernoulliNb::joint_log_likelihood` does not binarise its input (only `predict` does): we
//!   pass presence, not counts.
//! - `BernoulliNb` fitted in several batches divides by the last batch's row count: the Bernoulli
//!   backend fits in a single batch.

use std::any::Any;
use std::sync::Mutex;

use linfa::prelude::*;
use linfa_bayes::{BernoulliNb, MultinomialNb, NaiveBayes};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::sparse::remap;
use crate::{Classifier, ClassifierError, Counts, Example, FeatureMask, NbParams, ParamMap, PluginFactory, SparseVec};

/// Rows per dense batch handed to linfa's multinomial fit.
pub const BATCH_ROWS: usize = 512;

/// Serialises stderr redirection: two concurrent `gag` redirections would fight over fd 2.
static STDERR_GATE: Mutex<()> = Mutex::new(());

/// Which linfa model a [`LinfaNb`] wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinfaKind {
    /// `linfa_bayes::MultinomialNb`.
    Multinomial,
    /// `linfa_bayes::BernoulliNb` (binarised at 0).
    Bernoulli,
}

impl LinfaKind {
    fn name(self) -> &'static str {
        match self {
            Self::Multinomial => "linfa-multinomial",
            Self::Bernoulli => "linfa-bernoulli",
        }
    }
}

#[derive(Debug, Clone)]
enum Fitted {
    None,
    Multinomial(MultinomialNb<f64, usize>),
    Bernoulli(BernoulliNb<f64, usize>),
}

/// A linfa-bayes model with the column map from our feature ids to its dense columns.
#[derive(Debug, Clone)]
pub struct LinfaNb {
    kind: LinfaKind,
    alpha: f64,
    n_themes: usize,
    examples: Vec<(SparseVec, usize)>,
    /// Counts of the examples, for feature selection and `inspect`.
    counts: Counts,
    /// Feature id → dense column, for selected features.
    columns: rustc_hash::FxHashMap<u32, usize>,
    fitted: Fitted,
}

#[derive(Serialize, Deserialize)]
struct State {
    kind: LinfaKind,
    alpha: f64,
    n_themes: usize,
    examples: Vec<(SparseVec, usize)>,
}

impl LinfaNb {
    /// A fresh, untrained model.
    #[must_use]
    pub fn new(kind: LinfaKind, alpha: f64, n_themes: usize) -> Self {
        Self {
            kind,
            alpha,
            n_themes,
            examples: Vec::new(),
            counts: Counts::new(n_themes),
            columns: rustc_hash::FxHashMap::default(),
            fitted: Fitted::None,
        }
    }

    fn dense(&self, rows: &[(SparseVec, usize)]) -> (Array2<f64>, Array1<usize>) {
        let mut x = Array2::zeros((rows.len(), self.columns.len()));
        let mut y = Array1::zeros(rows.len());
        for (r, (features, theme)) in rows.iter().enumerate() {
            y[r] = *theme;
            for &(f, n) in features {
                if let Some(&col) = self.columns.get(&f) {
                    x[(r, col)] = f64::from(n);
                }
            }
        }
        (x, y)
    }

    fn refit(&mut self) -> Result<(), ClassifierError> {
        self.fitted = Fitted::None;
        if self.examples.is_empty() || self.columns.is_empty() {
            return Ok(());
        }
        match self.kind {
            LinfaKind::Multinomial => {
                let params = MultinomialNb::<f64, usize>::params().alpha(self.alpha).check()?;
                let mut model = None;
                for chunk in self.examples.chunks(BATCH_ROWS) {
                    let (x, y) = self.dense(chunk);
                    let dataset = Dataset::new(x, y);
                    model = Some(quiet_stderr(|| params.fit_with(model.take(), &dataset))?);
                }
                if let Some(m) = model {
                    self.fitted = Fitted::Multinomial(m);
                }
            }
            LinfaKind::Bernoulli => {
                let params = BernoulliNb::<f64, usize>::params().alpha(self.alpha).binarize(Some(0.0)).check()?;
                let (x, y) = self.dense(&self.examples);
                self.fitted = Fitted::Bernoulli(params.fit(&Dataset::new(x, y))?);
            }
        }
        Ok(())
    }

    /// Restores a model from [`Classifier::save_state`] bytes (refits linfa).
    pub fn restore(state: &[u8], expected: LinfaKind, n_features: usize) -> Result<Self, ClassifierError> {
        let s: State = postcard::from_bytes(state).map_err(|e| ClassifierError::Payload { reason: e.to_string() })?;
        let bad = |reason: String| Err(ClassifierError::Payload { reason });
        if !(s.alpha.is_finite() && s.alpha > 0.0) {
            return bad(format!("alpha {} in the model state", s.alpha));
        }
        for (features, theme) in &s.examples {
            if *theme >= s.n_themes {
                return bad(format!("example of theme {theme} in a model of {} themes", s.n_themes));
            }
            if !features.windows(2).all(|w| w[0].0 < w[1].0) || features.last().is_some_and(|&(id, _)| id as usize >= n_features) {
                return bad("example features are unsorted or outside the vocabulary".into());
            }
        }
        if s.kind != expected {
            return Err(ClassifierError::Payload { reason: format!("state of a {} model given to {}", s.kind.name(), expected.name()) });
        }
        let mut nb = Self::new(s.kind, s.alpha, s.n_themes);
        let batch: Vec<Example<'_>> = s.examples.iter().map(|(features, theme)| Example { features, theme: *theme }).collect();
        nb.update_examples(&batch)?;
        Ok(nb)
    }
}

/// Runs `f` with the process's stderr sent to /dev/null, one caller at a time. Used only around
/// linfa-bayes' multinomial fit, whose stray `dbg!` would otherwise flood the user's terminal.
fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
    let _gate = STDERR_GATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // If stderr cannot be redirected (no /dev/null), fitting still works: it is only noisier.
    let _gag = gag::Gag::stderr().ok();
    f()
}

impl Classifier for LinfaNb {
    fn name(&self) -> &str {
        self.kind.name()
    }
    fn n_themes(&self) -> usize {
        self.n_themes
    }
    fn fit(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        self.examples.clear();
        self.counts = Counts::new(self.n_themes);
        self.update_examples(batch)?;
        self.columns = present_columns(&self.examples);
        self.refit()
    }
    fn update(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        // Examples accumulate; linfa is refitted once, in `finalize`, on the selected columns.
        self.update_examples(batch)?;
        self.fitted = Fitted::None;
        Ok(())
    }
    fn remap(&mut self, mapping: &[u32], n_features: usize) -> Result<(), ClassifierError> {
        self.counts.remap(mapping, n_features);
        for (features, _) in &mut self.examples {
            *features = remap(features, mapping);
        }
        self.columns.clear();
        self.fitted = Fitted::None;
        Ok(())
    }
    fn finalize(&mut self, mask: &FeatureMask) -> Result<(), ClassifierError> {
        self.columns = mask.ids().enumerate().map(|(col, id)| (id, col)).collect();
        self.refit()
    }
    fn joint_log_likelihood(&self, x: &[(u32, u32)]) -> Vec<f64> {
        // `NaiveBayes::joint_log_likelihood` takes the rows as given: BernoulliNb binarises only
        // inside `predict`, so presence is encoded here.
        let binary = self.kind == LinfaKind::Bernoulli;
        let mut row = Array2::zeros((1, self.columns.len()));
        for &(f, n) in x {
            if let Some(&col) = self.columns.get(&f) {
                row[(0, col)] = if binary { 1.0 } else { f64::from(n) };
            }
        }
        let jll = match &self.fitted {
            Fitted::None => return vec![-(self.n_themes as f64).ln(); self.n_themes],
            Fitted::Multinomial(m) => m.joint_log_likelihood(row.view()),
            Fitted::Bernoulli(m) => m.joint_log_likelihood(row.view()),
        };
        let mut out = vec![f64::NAN; self.n_themes];
        for (&theme, values) in jll {
            if let (Some(slot), Some(&v)) = (out.get_mut(theme), values.first()) {
                *slot = v;
            }
        }
        // Themes linfa never saw get a score far below every other one, but finite.
        let floor = out.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
        let floor = if floor.is_finite() { floor - 1000.0 } else { 0.0 };
        out.iter_mut().filter(|v| !v.is_finite()).for_each(|v| *v = floor);
        out
    }
    fn counts(&self) -> Option<&Counts> {
        Some(&self.counts)
    }
    fn save_state(&self) -> Result<Vec<u8>, ClassifierError> {
        let state = State { kind: self.kind, alpha: self.alpha, n_themes: self.n_themes, examples: self.examples.clone() };
        postcard::to_stdvec(&state).map_err(|e| ClassifierError::Payload { reason: e.to_string() })
    }
    fn params(&self) -> ParamMap {
        std::iter::once(("alpha".to_owned(), self.alpha.to_string())).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl LinfaNb {
    fn update_examples(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        for ex in batch {
            if ex.theme >= self.n_themes {
                return Err(ClassifierError::OutOfRange { what: "theme", index: ex.theme, len: self.n_themes });
            }
            self.examples.push((ex.features.to_vec(), ex.theme));
        }
        self.counts.add(batch)
    }
}

/// Column numbering over every feature present in a set of examples, in id order.
fn present_columns(examples: &[(SparseVec, usize)]) -> rustc_hash::FxHashMap<u32, usize> {
    let mut ids: Vec<u32> = examples.iter().flat_map(|(f, _)| f.iter().map(|&(id, _)| id)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().enumerate().map(|(col, id)| (id, col)).collect()
}

/// The factory of one linfa backend.
#[derive(Debug, Clone, Copy)]
pub struct LinfaFactory(pub LinfaKind);

impl PluginFactory for LinfaFactory {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn description(&self) -> &str {
        match self.0 {
            LinfaKind::Multinomial => "linfa-bayes MultinomialNb on dense batches (parity; small vocabularies)",
            LinfaKind::Bernoulli => "linfa-bayes BernoulliNb on one dense batch (parity; small vocabularies)",
        }
    }
    fn params_help(&self) -> &str {
        "alpha=0.3"
    }
    fn create(&self, params: &ParamMap, n_themes: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        let p = NbParams::from_map(params, &["alpha"], n_themes)?;
        Ok(Box::new(LinfaNb::new(self.0, p.alpha(), n_themes)))
    }
    fn restore(&self, state: &[u8], n_features: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        Ok(Box::new(LinfaNb::restore(state, self.0, n_features)?))
    }
}
