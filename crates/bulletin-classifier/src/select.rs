//! Feature selection from counts: a minimum count and a chi-square top-k.

use serde::{Deserialize, Serialize};

use crate::{Counts, FeatureMask};

/// How features are selected when a model is finalised or loaded.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_count` | 1 | drop features seen fewer times than this in all training pieces | ≥ 1 |
/// | `top_k` | 20000 | keep the `k` features with the highest chi-square statistic against any theme | ≥ 0 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Minimum total occurrences.
    pub min_count: u64,
    /// Number of features kept by chi-square ranking; 0 keeps all.
    pub top_k: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Self { min_count: 1, top_k: 20_000 }
    }
}

/// Chi-square statistic of a feature's presence against each theme (documents with and without
/// the feature × in and out of the theme); the feature's score is the maximum over themes.
#[must_use]
pub fn chi_square(counts: &Counts, feature: usize) -> f64 {
    chi_square_table(counts.presence_row(feature), counts.docs())
}

/// [`chi_square`] from the table itself: `presence[k]` documents of theme `k` hold the feature,
/// out of `docs[k]` documents of that theme (for callers that count classes of their own, such as
/// sub-classes of the themes).
///
/// ```
/// use bulletin_classifier::chi_square_table;
/// // A feature in 9 of 10 documents of the first class and 1 of 10 of the second.
/// let strong = chi_square_table(&[9, 1], &[10, 10]);
/// // One spread evenly says nothing about the class.
/// assert_eq!(chi_square_table(&[5, 5], &[10, 10]), 0.0);
/// assert!(strong > 10.0);
/// ```
#[must_use]
#[expect(clippy::many_single_char_names, reason = "a, b, c, d are the cells of the 2×2 contingency table, as in the literature")]
pub fn chi_square_table(presence: &[u64], docs: &[u64]) -> f64 {
    let n: u64 = docs.iter().sum();
    let df: u64 = presence.iter().sum();
    let mut best = 0.0f64;
    for (&with, &all) in presence.iter().zip(docs) {
        let (a, b) = (with as f64, (df - with) as f64);
        let c = all.saturating_sub(with) as f64;
        let d = n as f64 - a - b - c;
        let denom = (a + c) * (b + d) * (a + b) * (c + d);
        if denom > 0.0 {
            let chi = n as f64 * (a * d - b * c).powi(2) / denom;
            best = best.max(chi);
        }
    }
    best
}

impl Selection {
    /// The features this selection keeps, computed from `counts`; ties in the chi-square
    /// ranking go to the lower feature id (the vocabulary is sorted, so to the lexically first).
    #[must_use]
    pub fn select(&self, counts: &Counts, n_features: usize) -> FeatureMask {
        let nf = counts.n_features().min(n_features);
        let mut flags = vec![false; n_features];
        let mut candidates: Vec<usize> = (0..nf).filter(|&f| counts.token_row(f).iter().sum::<u64>() >= self.min_count.max(1)).collect();
        if self.top_k > 0 && candidates.len() > self.top_k {
            let mut scored: Vec<(f64, usize)> = candidates.iter().map(|&f| (chi_square(counts, f), f)).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            candidates = scored.into_iter().take(self.top_k).map(|(_, f)| f).collect();
        }
        for f in candidates {
            flags[f] = true;
        }
        FeatureMask::from_flags(flags)
    }
}
