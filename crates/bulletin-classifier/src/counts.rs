//! Integer sufficient statistics of the naive-Bayes family.

use serde::{Deserialize, Serialize};

use crate::{ClassifierError, Example};

/// Exact integer counts from which every native backend derives its weights.
///
/// Because they are plain sums, training on `A` then on `B`, merging a model of `A` with a
/// model of `B`, and training on `A ∪ B` give the same counts: update and merge are exact.
/// Tables are feature-major (`feature * n_themes + theme`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    n_themes: usize,
    n_features: usize,
    /// Training pieces per theme.
    docs: Vec<u64>,
    /// Occurrences of each feature in each theme's pieces.
    tokens: Vec<u64>,
    /// Pieces of each theme in which each feature occurs.
    presence: Vec<u64>,
}

impl Counts {
    /// Empty counts for `n_themes` themes.
    #[must_use]
    pub fn new(n_themes: usize) -> Self {
        Self { n_themes, n_features: 0, docs: vec![0; n_themes], tokens: Vec::new(), presence: Vec::new() }
    }

    /// Number of themes.
    #[must_use]
    pub fn n_themes(&self) -> usize {
        self.n_themes
    }
    /// Number of feature columns (the largest feature id seen plus one).
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Training pieces per theme.
    #[must_use]
    pub fn docs(&self) -> &[u64] {
        &self.docs
    }
    /// Occurrences of `feature` in pieces of `theme`.
    #[must_use]
    pub fn tokens(&self, feature: usize, theme: usize) -> u64 {
        self.tokens.get(feature * self.n_themes + theme).copied().unwrap_or(0)
    }
    /// Pieces of `theme` containing `feature`.
    #[must_use]
    pub fn presence(&self, feature: usize, theme: usize) -> u64 {
        self.presence.get(feature * self.n_themes + theme).copied().unwrap_or(0)
    }
    /// The token-count row of `feature` (one entry per theme).
    #[must_use]
    pub fn token_row(&self, feature: usize) -> &[u64] {
        &self.tokens[feature * self.n_themes..(feature + 1) * self.n_themes]
    }
    /// The presence row of `feature` (one entry per theme).
    #[must_use]
    pub fn presence_row(&self, feature: usize) -> &[u64] {
        &self.presence[feature * self.n_themes..(feature + 1) * self.n_themes]
    }

    fn grow(&mut self, n_features: usize) {
        if n_features > self.n_features {
            self.n_features = n_features;
            self.tokens.resize(n_features * self.n_themes, 0);
            self.presence.resize(n_features * self.n_themes, 0);
        }
    }

    /// Checks a table read from a file: consistent sizes, at most `max_features` columns, and
    /// totals that do not overflow.
    pub fn validate(&self, max_features: usize) -> Result<(), ClassifierError> {
        let bad = |reason: String| Err(ClassifierError::Payload { reason });
        if self.n_themes == 0 || self.docs.len() != self.n_themes {
            return bad(format!("counts for {} themes with {} document totals", self.n_themes, self.docs.len()));
        }
        if self.n_features > max_features {
            return bad(format!("counts for {} features in a vocabulary of {max_features}", self.n_features));
        }
        let cells = self.n_features.checked_mul(self.n_themes);
        if cells != Some(self.tokens.len()) || cells != Some(self.presence.len()) {
            return bad("count tables of the wrong size".into());
        }
        let fits = |v: &[u64]| v.iter().try_fold(0u64, |a, &b| a.checked_add(b)).is_some();
        if !fits(&self.docs) || !fits(&self.tokens) || !fits(&self.presence) {
            return bad("counts overflow".into());
        }
        Ok(())
    }

    /// Adds a batch of examples.
    pub fn add(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        for ex in batch {
            if ex.theme >= self.n_themes {
                return Err(ClassifierError::OutOfRange { what: "theme", index: ex.theme, len: self.n_themes });
            }
            if let Some(&(max, _)) = ex.features.last() {
                self.grow(max as usize + 1);
            }
            self.docs[ex.theme] = self.docs[ex.theme].saturating_add(1);
            for &(f, n) in ex.features {
                let i = f as usize * self.n_themes + ex.theme;
                self.tokens[i] = self.tokens[i].saturating_add(u64::from(n));
                self.presence[i] = self.presence[i].saturating_add(1);
            }
        }
        Ok(())
    }

    /// Removes a batch of examples that was added before (the counts of a cross-validation
    /// fold): the exact inverse of [`Counts::add`] for those examples.
    pub fn subtract(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        for ex in batch {
            if ex.theme >= self.n_themes {
                return Err(ClassifierError::OutOfRange { what: "theme", index: ex.theme, len: self.n_themes });
            }
            if let Some(&(max, _)) = ex.features.last() {
                if max as usize >= self.n_features {
                    return Err(ClassifierError::OutOfRange { what: "feature", index: max as usize, len: self.n_features });
                }
            }
            self.docs[ex.theme] = self.docs[ex.theme].saturating_sub(1);
            for &(f, n) in ex.features {
                let i = f as usize * self.n_themes + ex.theme;
                self.tokens[i] = self.tokens[i].saturating_sub(u64::from(n));
                self.presence[i] = self.presence[i].saturating_sub(1);
            }
        }
        Ok(())
    }

    /// Adds another table of the same themes.
    pub fn merge(&mut self, other: &Self) -> Result<(), ClassifierError> {
        if other.n_themes != self.n_themes {
            return Err(ClassifierError::MergeMismatch {
                what: "theme counts",
                left: self.n_themes.to_string(),
                right: other.n_themes.to_string(),
            });
        }
        self.grow(other.n_features);
        for (a, b) in self.docs.iter_mut().zip(&other.docs) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.tokens.iter_mut().zip(&other.tokens) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.presence.iter_mut().zip(&other.presence) {
            *a = a.saturating_add(*b);
        }
        Ok(())
    }

    /// Renumbers features: column `old` moves to `mapping[old]`; the table gets `n_features` columns.
    pub fn remap(&mut self, mapping: &[u32], n_features: usize) {
        let identity = mapping.iter().take(self.n_features).enumerate().all(|(old, &new)| new as usize == old);
        if identity && mapping.len() >= self.n_features && n_features >= self.n_features {
            // Nothing moves (the first model of a merge): grow in place instead of copying.
            self.grow(n_features);
            return;
        }
        let c = self.n_themes;
        let mut tokens = vec![0; n_features * c];
        let mut presence = vec![0; n_features * c];
        for (old, &new) in mapping.iter().enumerate().take(self.n_features) {
            let (o, n) = (old * c, new as usize * c);
            tokens[n..n + c].copy_from_slice(&self.tokens[o..o + c]);
            presence[n..n + c].copy_from_slice(&self.presence[o..o + c]);
        }
        self.tokens = tokens;
        self.presence = presence;
        self.n_features = n_features;
    }

    /// Pads the table to `n_features` columns (features never seen in training).
    pub fn pad(&mut self, n_features: usize) {
        self.grow(n_features);
    }
}
