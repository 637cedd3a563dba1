//! Scoring a linear plugin feature by feature, straight from the pipeline's callback.
//!
//! Multinomial and complement naive Bayes score a piece as `base + Σ count · row(feature)`. The
//! general path builds a sorted sparse vector per piece (and per paragraph) and hands it to the
//! plugin; for a linear plugin the same sum can be accumulated as the pipeline emits features,
//! with no vector, no sort and no allocation. [`LinearScorer`] holds what that needs: small hash
//! tables over the **selected** features only (the full vocabulary holds every feature ever
//! counted), mapping each to a packed weight row. Lookups dominate, so the tables are kept
//! compact: character pairs by a 32-bit key (both characters are BMP ideographs), words by the
//! vocabulary's inline `WordKey` (comparing a key never chases a pointer), rows packed most
//! frequent feature first (so the rows that most lookups hit share a few cache lines), and most
//! missing pairs are rejected by two 8 KiB bitsets of the characters that begin and end a
//! selected pair before any probe. (Entries carrying their weight rows inline were tried and
//! measured slower: the tables outgrow the caches.)

use bulletin_segmenter::Feature;
use rustc_hash::FxHashMap;

use crate::sparse::WordKey;
use crate::{Counts, FeatureMask, LinearWeights, Vocabulary};

/// Most themes a taxonomy may have for the packed tables; larger taxonomies are scored through
/// the sparse-vector path.
pub(crate) const MAX_THEMES: usize = 8;

/// A per-piece accumulator of weights, padded with zeros to [`MAX_THEMES`].
type Row = [f64; MAX_THEMES];

/// One bit per BMP code point.
struct CharSet(Box<[u64]>);

impl CharSet {
    fn new() -> Self {
        Self(vec![0; 0x1_0000 / 64].into_boxed_slice())
    }
    fn insert(&mut self, c: char) {
        let cp = c as usize;
        if let Some(word) = self.0.get_mut(cp / 64) {
            *word |= 1 << (cp % 64);
        }
    }
    /// Whether `c` is in the set; chars outside the BMP always pass.
    #[inline]
    fn may_contain(&self, c: char) -> bool {
        let cp = c as usize;
        self.0.get(cp / 64).is_none_or(|word| word & (1 << (cp % 64)) != 0)
    }
}

/// Lookup tables of a linear plugin's selected features and their packed weight rows.
pub(crate) struct LinearScorer {
    n_themes: usize,
    base: Vec<f64>,
    firsts: CharSet,
    seconds: CharSet,
    pairs: FxHashMap<u32, u32>,
    words: FxHashMap<WordKey, u32>,
    /// `n_themes` weights per packed row.
    rows: Vec<f64>,
}

impl std::fmt::Debug for LinearScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearScorer").field("pairs", &self.pairs.len()).field("words", &self.words.len()).finish_non_exhaustive()
    }
}

impl LinearScorer {
    /// Packs the rows of the features in `mask`, most frequent first when `counts` are given.
    /// `None` if the taxonomy has more than
    /// [`MAX_THEMES`] themes or the weights do not cover the vocabulary with `n_themes` columns
    /// (a plugin breaking the [`LinearWeights`] contract): such models are scored through the
    /// general path.
    pub(crate) fn new(
        vocab: &Vocabulary,
        mask: &FeatureMask,
        counts: Option<&Counts>,
        linear: LinearWeights<'_>,
        n_themes: usize,
    ) -> Option<Self> {
        if n_themes == 0 || n_themes > MAX_THEMES || linear.base.len() != n_themes || linear.weights.len() < vocab.len() * n_themes {
            return None;
        }
        let mut scorer = Self {
            n_themes,
            base: linear.base.to_vec(),
            firsts: CharSet::new(),
            seconds: CharSet::new(),
            pairs: FxHashMap::default(),
            words: FxHashMap::default(),
            rows: Vec::with_capacity(mask.count() * n_themes),
        };
        let mut ids: Vec<u32> = mask.ids().collect();
        if let Some(counts) = counts {
            let total = |id: u32| -> u64 {
                let i = id as usize;
                if i < counts.n_features() { counts.token_row(i).iter().sum() } else { 0 }
            };
            ids.sort_by_cached_key(|&id| std::cmp::Reverse(total(id)));
        }
        for id in ids {
            let i = id as usize;
            let (Some(word), Some(weights)) = (vocab.word(id), linear.weights.get(i * n_themes..(i + 1) * n_themes)) else {
                continue;
            };
            let row = crate::sparse::id_of(scorer.rows.len() / n_themes);
            scorer.rows.extend_from_slice(weights);
            if let Some((a, b)) = Feature::parse_pair(word) {
                if let Some(key) = Feature::pair_key(a, b) {
                    scorer.firsts.insert(a);
                    scorer.seconds.insert(b);
                    scorer.pairs.insert(key, row);
                }
            } else {
                scorer.words.insert(WordKey::new(word), row);
            }
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

    /// Adds the weight row of `feature`, if the model uses it, to `acc` (of [`MAX_THEMES`]
    /// entries; those past the number of themes stay zero).
    #[inline]
    pub(crate) fn add(&self, feature: Feature<'_>, acc: &mut Row) {
        let packed = match feature {
            Feature::CharPair(a, b) if self.firsts.may_contain(a) && self.seconds.may_contain(b) => {
                Feature::pair_key(a, b).and_then(|key| self.pairs.get(&key))
            }
            Feature::Text(t) => self.words.get(t.as_bytes()),
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

/// A zeroed accumulator for [`LinearScorer::add`].
pub(crate) fn accumulator() -> Row {
    [0.0; MAX_THEMES]
}
