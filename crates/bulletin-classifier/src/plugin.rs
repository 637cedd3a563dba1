//! The classifier plugin interface.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt::Debug;

use crate::{ClassifierError, Counts};

/// One training example: a sparse feature vector and its (primary) theme.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    /// `(feature id, count)` pairs sorted by id.
    pub features: &'a [(u32, u32)],
    /// The theme's position in the taxonomy.
    pub theme: usize,
}

/// Hyper-parameters as given on the command line (`--param alpha=0.5`), by name.
pub type ParamMap = BTreeMap<String, String>;

/// Which features a finalised model uses, computed from the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureMask {
    selected: Vec<bool>,
}

impl FeatureMask {
    /// A mask that keeps every one of `n` features.
    #[must_use]
    pub fn all(n: usize) -> Self {
        Self { selected: vec![true; n] }
    }
    /// A mask from per-feature flags.
    #[must_use]
    pub fn from_flags(selected: Vec<bool>) -> Self {
        Self { selected }
    }
    /// Whether feature `id` is used (unknown ids are not).
    #[must_use]
    pub fn contains(&self, id: u32) -> bool {
        self.selected.get(id as usize).copied().unwrap_or(false)
    }
    /// Number of features covered by the mask.
    #[must_use]
    pub fn len(&self) -> usize {
        self.selected.len()
    }
    /// Whether the mask covers no feature at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.selected.is_empty()
    }
    /// Number of selected features.
    #[must_use]
    pub fn count(&self) -> usize {
        self.selected.iter().filter(|&&s| s).count()
    }
    /// Ids of the selected features, ascending.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.selected.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| crate::sparse::id_of(i))
    }
}

/// How one piece's score decomposes: `jll[t] = base[t] + Σ features[i].1[t]`.
///
/// `jll` is the joint log-likelihood per theme; log-probabilities are `jll` minus its
/// log-sum-exp, so the difference of two themes' log-probabilities is the difference of their
/// `base` plus the sum of the differences of their feature contributions.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    /// The part that does not depend on which features are present (class prior, and for
    /// Bernoulli the absent-feature terms), per theme.
    pub base: Vec<f64>,
    /// For each feature of the piece that the model uses: its id and its contribution per theme.
    pub features: Vec<(u32, Vec<f64>)>,
}

/// A linear plugin's weights, as [`Classifier::linear`] returns them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearWeights<'a> {
    /// The feature-independent part per theme (the log prior for multinomial naive Bayes).
    pub base: &'a [f64],
    /// One row of `n_themes` weights per feature id, in id order.
    pub weights: &'a [f64],
}

/// A classifier plugin over sparse feature vectors.
///
/// A plugin keeps whatever state it needs to answer [`Classifier::joint_log_likelihood`];
/// the native backends keep exact integer [`Counts`] and derive their weights in
/// [`Classifier::finalize`], so update and merge are exact. Plugins are created by a
/// [`crate::PluginFactory`] registered in a [`crate::Registry`].
///
/// Feature ids are the model vocabulary's; when models are merged or finalised, the owning
/// [`crate::Model`] renumbers features through [`Classifier::remap`].
pub trait Classifier: Send + Sync + Debug {
    /// The registry name of the plugin (`multinomial`, …).
    fn name(&self) -> &str;

    /// Number of themes.
    fn n_themes(&self) -> usize;

    /// Trains on a batch, discarding anything learnt before.
    fn fit(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError>;

    /// Trains on one more batch, keeping what was learnt before.
    fn update(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        let _ = batch;
        Err(self.unsupported("incremental update"))
    }

    /// Renumbers features (`mapping[old] = new`) into a space of `n_features` ids.
    fn remap(&mut self, mapping: &[u32], n_features: usize) -> Result<(), ClassifierError>;

    /// Derives the weights used for prediction from the accumulated state, using only the
    /// features in `mask`. Called after training, after merging and after loading.
    fn finalize(&mut self, mask: &FeatureMask) -> Result<(), ClassifierError>;

    /// Unnormalised per-theme log-likelihood of a piece (finite for any input, including an
    /// empty vector and features the model never saw).
    fn joint_log_likelihood(&self, x: &[(u32, u32)]) -> Vec<f64>;

    /// Per-theme log-probabilities: the joint log-likelihood normalised with a stable
    /// log-sum-exp.
    fn predict_log_proba(&self, x: &[(u32, u32)]) -> Vec<f64> {
        normalize_log(self.joint_log_likelihood(x))
    }

    /// The joint log-likelihood as a linear function of feature counts, when it is one
    /// (multinomial and complement naive Bayes are; Bernoulli, which scores presence, is not).
    ///
    /// A plugin that returns weights here promises `joint_log_likelihood(x)[t] ==
    /// base[t] + Σ (f, n) in x: n · weights[f · n_themes + t]` up to floating-point rounding, for
    /// every feature id below `weights.len() / n_themes`; features it ignores have zero rows.
    /// [`crate::Tagger`] then scores a piece feature by feature as the pipeline emits them,
    /// without building sparse vectors. The default is `None`: score through
    /// [`Classifier::joint_log_likelihood`].
    fn linear(&self) -> Option<LinearWeights<'_>> {
        None
    }

    /// Decomposes the joint log-likelihood into per-feature contributions.
    fn explain(&self, x: &[(u32, u32)]) -> Result<Contributions, ClassifierError> {
        let _ = x;
        Err(self.unsupported("explain"))
    }

    /// Adds the state of another model of the same plugin, trained on other data, with the same
    /// feature numbering.
    fn merge(&mut self, other: &dyn Classifier) -> Result<(), ClassifierError> {
        let _ = other;
        Err(self.unsupported("merge"))
    }

    /// Forgets a batch that was learnt before, exactly (the out-of-fold models of calibration are
    /// the whole model minus one fold). Plugins without exact counts do not support it.
    fn unlearn(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        let _ = batch;
        Err(self.unsupported("unlearn"))
    }

    /// A copy of the plugin with its training state, when it can be copied (needed, with
    /// [`Classifier::unlearn`], for out-of-fold calibration at training time).
    fn clone_box(&self) -> Option<Box<dyn Classifier>> {
        None
    }

    /// The integer counts, for plugins that keep them (used for feature selection and `inspect`).
    fn counts(&self) -> Option<&Counts> {
        None
    }

    /// Serialises the plugin's state (hyper-parameters and training state, not derived weights).
    fn save_state(&self) -> Result<Vec<u8>, ClassifierError>;

    /// The hyper-parameters in effect, by name, for summaries.
    fn params(&self) -> ParamMap;

    /// Upcast for [`Classifier::merge`] implementations to downcast `other`.
    fn as_any(&self) -> &dyn Any;

    /// The error for an operation this plugin does not support.
    fn unsupported(&self, operation: &'static str) -> ClassifierError {
        ClassifierError::Unsupported { plugin: self.name().to_owned(), operation }
    }
}

/// Normalises log-likelihoods into log-probabilities with a max-shifted log-sum-exp, so the
/// result is finite and its exponentials sum to 1 for any finite input.
#[must_use]
pub fn normalize_log(mut jll: Vec<f64>) -> Vec<f64> {
    let max = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        let uniform = -(jll.len() as f64).ln();
        jll.fill(uniform);
        return jll;
    }
    let sum: f64 = jll.iter().map(|v| (v - max).exp()).sum();
    let lse = max + sum.ln();
    for v in &mut jll {
        *v -= lse;
    }
    jll
}

/// Index of the largest score; ties go to the lowest index (taxonomy order), every run.
#[must_use]
pub fn argmax(scores: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_log_is_stable_for_huge_magnitudes() {
        let p = normalize_log(vec![-5000.0, -5001.0, -9000.0]);
        assert!(p.iter().all(|v| v.is_finite()));
        let total: f64 = p.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!((p[0] - (-(1.0 + (-1.0f64).exp()).ln())).abs() < 1e-12);
    }

    #[test]
    fn argmax_breaks_ties_towards_taxonomy_order() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[0.0, 0.0]), 0);
    }
}
