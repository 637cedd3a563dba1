//! The paragraph vote of an article's score ([`bulletin_core::ArticleVote`]), shared by the
//! tagger and the trainer's out-of-fold calibration scores so both compute the same thing.

use bulletin_core::ArticleVote;

use crate::plugin::normalize_log;
use crate::sparse::SparseVec;

/// The character-weighted sum of an article's pieces' probabilities, built piece by piece.
#[derive(Debug, Clone)]
pub(crate) struct Vote {
    /// Per theme, the sum over pieces of characters × probability.
    weighted: Vec<f64>,
    /// Characters of the pieces that voted.
    chars: f64,
}

impl Vote {
    /// An empty vote over `n` themes.
    pub(crate) fn new(n: usize) -> Self {
        Self { weighted: vec![0.0; n], chars: 0.0 }
    }

    /// Adds a piece of `chars` characters with its normalised log-probabilities. A piece that
    /// yields no feature carries no evidence: the caller leaves it out.
    pub(crate) fn add(&mut self, log_proba: &[f64], chars: usize) {
        let chars = chars as f64;
        for (w, l) in self.weighted.iter_mut().zip(log_proba) {
            *w += chars * l.exp();
        }
        self.chars += chars;
    }

    /// The article's normalised log-probabilities `article` with the vote added:
    /// `article + weight · (share + bias on the fallback theme)`, renormalised. Unchanged when no
    /// piece voted.
    pub(crate) fn apply(&self, mut article: Vec<f64>, vote: ArticleVote, fallback: usize) -> Vec<f64> {
        if self.chars <= 0.0 {
            return article;
        }
        let weight = vote.weight();
        for (t, (a, w)) in article.iter_mut().zip(&self.weighted).enumerate() {
            let bias = if t == fallback { vote.fallback_bias() } else { 0.0 };
            *a += weight * (w / self.chars + bias);
        }
        normalize_log(article)
    }
}

/// `whole` minus every vector of `parts` (all sorted by feature id, each part's counts within
/// `whole`'s): what an article's vector holds beyond its paragraphs' (its title and the lines
/// that are no example).
pub(crate) fn remainder<'a>(whole: &SparseVec, parts: impl Iterator<Item = &'a SparseVec>) -> SparseVec {
    let mut rest = whole.clone();
    for part in parts {
        let mut i = 0;
        for &(f, n) in part {
            while i < rest.len() && rest[i].0 < f {
                i += 1;
            }
            if let Some(slot) = rest.get_mut(i).filter(|slot| slot.0 == f) {
                slot.1 = slot.1.saturating_sub(n);
            }
        }
    }
    rest.retain(|&(_, n)| n > 0);
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vote_follows_the_share_of_characters_not_the_summed_evidence() {
        let ln = |p: &[f64]| p.iter().map(|v: &f64| v.ln()).collect::<Vec<_>>();
        // Two themes and a fallback (2). The summed score says theme 1 by 20 nats; theme 0 holds
        // three quarters of the characters, confidently.
        let article = normalize_log(vec![0.0, 20.0, -5.0]);
        let mut vote = Vote::new(3);
        vote.add(&ln(&[0.98, 0.01, 0.01]), 300);
        vote.add(&ln(&[0.01, 0.98, 0.01]), 100);
        let voted = vote.apply(article.clone(), ArticleVote::new(1000, 0), 2);
        assert_eq!(crate::argmax(&voted), 0);
        assert!((voted.iter().map(|l| l.exp()).sum::<f64>() - 1.0).abs() < 1e-12);
        // A small weight leaves the summed decision; no voter leaves the scores as they were.
        assert_eq!(crate::argmax(&vote.apply(article.clone(), ArticleVote::new(10, 0), 2)), 1);
        assert_eq!(Vote::new(3).apply(article.clone(), ArticleVote::default(), 2), article);
        // The fallback bias: pieces split evenly between theme 0 and `other` go to `other`.
        let mut even = Vote::new(3);
        even.add(&ln(&[0.5, 0.01, 0.49]), 100);
        let flat = normalize_log(vec![0.0, -50.0, 0.0]);
        assert_eq!(crate::argmax(&even.apply(flat.clone(), ArticleVote::new(1000, 0), 2)), 0);
        assert_eq!(crate::argmax(&even.apply(flat, ArticleVote::new(1000, 20), 2)), 2);
    }

    #[test]
    fn the_remainder_is_what_the_parts_do_not_hold() {
        let whole: SparseVec = vec![(1, 3), (4, 1), (7, 2), (9, 5)];
        let parts: [SparseVec; 2] = [vec![(1, 1), (7, 2)], vec![(1, 2), (9, 1)]];
        assert_eq!(remainder(&whole, parts.iter()), vec![(4, 1), (9, 4)]);
        assert_eq!(remainder(&whole, std::iter::empty()), whole);
    }
}
