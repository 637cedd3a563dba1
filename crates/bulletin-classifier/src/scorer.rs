//! Scoring a linear plugin feature by feature, straight from the pipeline's callback.
//!
//! Multinomial and complement naive Bayes score a piece as `base + Σ count · row(feature)`. The
//! general path builds a sorted sparse vector per piece (and per paragraph) and hands it to the
//! plugin; for a linear plugin the same sum can be accumulated as the pipeline emits features,
//! with no vector, no sort and no allocation. [`LinearScorer`] holds what that needs: lookup
//! tables over the **selected** features only (a few thousand entries, small enough to stay in
//! cache, where the full vocabulary holds every feature ever counted) and their weight rows,
//! packed contiguously in lookup order.

use bulletin_segmenter::Feature;
use rustc_hash::FxHashMap;

use crate::{FeatureMask, LinearWeights, Vocabulary};

/// Lookup tables and packed weight rows of a linear plugin's selected features.
pub(crate) struct LinearScorer {
    n_themes: usize,
    base: Vec<f64>,
    words: FxHashMap<Box<str>, u32>,
    pairs: FxHashMap<u64, u32>,
    /// `n_themes` weights per packed row.
    rows: Vec<f64>,
}

impl std::fmt::Debug for LinearScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearScorer").field("words", &self.words.len()).field("pairs", &self.pairs.len()).finish_non_exhaustive()
    }
}

impl LinearScorer {
    /// Packs the rows of the features in `mask`. `None` if the weights do not cover the
    /// vocabulary with `n_themes` columns (a plugin breaking the [`LinearWeights`] contract is
    /// then scored through the general path).
    pub(crate) fn new(vocab: &Vocabulary, mask: &FeatureMask, linear: LinearWeights<'_>, n_themes: usize) -> Option<Self> {
        if n_themes == 0 || linear.base.len() != n_themes || linear.weights.len() < vocab.len() * n_themes {
            return None;
        }
        let mut scorer = Self {
            n_themes,
            base: linear.base.to_vec(),
            words: FxHashMap::default(),
            pairs: FxHashMap::default(),
            rows: Vec::with_capacity(mask.count() * n_themes),
        };
        for id in mask.ids() {
            let (Some(word), Some(row)) = (vocab.word(id), linear.weights.get(id as usize * n_themes..(id as usize + 1) * n_themes)) else {
                continue;
            };
            let packed = crate::sparse::id_of(scorer.rows.len() / n_themes);
            match Feature::parse_pair(word) {
                Some((a, b)) => scorer.pairs.insert(Feature::pair_key(a, b), packed),
                None => scorer.words.insert(word.into(), packed),
            };
            scorer.rows.extend_from_slice(row);
        }
        Some(scorer)
    }

    /// Number of themes (the length of every score vector).
    pub(crate) fn n_themes(&self) -> usize {
        self.n_themes
    }

    /// The feature-independent part of the joint log-likelihood.
    pub(crate) fn base(&self) -> &[f64] {
        &self.base
    }

    /// Adds the weight row of `feature`, if the model uses it, to `acc`.
    #[inline]
    pub(crate) fn add(&self, feature: Feature<'_>, acc: &mut [f64]) {
        let packed = match feature {
            Feature::CharPair(a, b) => self.pairs.get(&Feature::pair_key(a, b)),
            Feature::Text(t) => self.words.get(t),
            _ => None,
        };
        if let Some(&i) = packed {
            let start = i as usize * self.n_themes;
            if let Some(row) = self.rows.get(start..start + self.n_themes) {
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += w;
                }
            }
        }
    }
}
