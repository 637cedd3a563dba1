//! Evaluation metrics, written out rather than borrowed: linfa's `ConfusionMatrix` swaps
//! precision and recall in its documented call order and its multiclass F1 is not macro-F1.

use serde::Serialize;

/// Precision, recall, F1 and support of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThemeScores {
    /// Correct predictions of the theme / all predictions of it (0 when never predicted).
    pub precision: f64,
    /// Correct predictions of the theme / all pieces truly of it (0 when none).
    pub recall: f64,
    /// Harmonic mean of the two (0 when both are 0).
    pub f1: f64,
    /// Pieces truly of the theme.
    pub support: u64,
}

/// A confusion matrix: `matrix[truth][predicted]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    matrix: Vec<Vec<u64>>,
}

impl Confusion {
    /// An empty matrix over `n` themes.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self { matrix: vec![vec![0; n]; n] }
    }
    /// Records one decision (out-of-range themes are ignored).
    pub fn add(&mut self, truth: usize, predicted: usize) {
        if let Some(cell) = self.matrix.get_mut(truth).and_then(|row| row.get_mut(predicted)) {
            *cell += 1;
        }
    }
    /// Adds another matrix of the same size.
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.matrix.iter_mut().zip(&other.matrix) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
    /// `rows[truth][predicted]`.
    #[must_use]
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.matrix
    }
    /// Number of decisions.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }
    /// Share of correct decisions.
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.matrix.len()).map(|i| self.matrix[i][i]).sum();
        ratio(correct, self.total())
    }
    /// Scores of theme `t`.
    #[must_use]
    pub fn theme(&self, t: usize) -> ThemeScores {
        let tp = self.matrix[t][t];
        let predicted: u64 = self.matrix.iter().map(|row| row[t]).sum();
        let support: u64 = self.matrix[t].iter().sum();
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
        ThemeScores { precision, recall, f1: f1(precision, recall), support }
    }
    /// Scores of every theme.
    #[must_use]
    pub fn themes(&self) -> Vec<ThemeScores> {
        (0..self.matrix.len()).map(|t| self.theme(t)).collect()
    }
    /// Unweighted mean of the F1 of the themes that have support or predictions.
    #[must_use]
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<f64> = (0..self.matrix.len())
            .filter(|&t| self.matrix[t].iter().sum::<u64>() > 0 || self.matrix.iter().any(|r| r[t] > 0))
            .map(|t| self.theme(t).f1)
            .collect();
        if present.is_empty() { 0.0 } else { present.iter().sum::<f64>() / present.len() as f64 }
    }
}

/// Micro-averaged precision and recall of tag sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TagCounts {
    /// Tags predicted and true.
    pub hits: u64,
    /// Tags predicted.
    pub predicted: u64,
    /// Tags true.
    pub truth: u64,
}

impl TagCounts {
    /// Records one piece's predicted and true tag sets.
    pub fn add(&mut self, predicted: &[usize], truth: &[usize]) {
        self.hits += predicted.iter().filter(|t| truth.contains(t)).count() as u64;
        self.predicted += predicted.len() as u64;
        self.truth += truth.len() as u64;
    }
    /// Adds another tally.
    pub fn merge(&mut self, other: &Self) {
        self.hits += other.hits;
        self.predicted += other.predicted;
        self.truth += other.truth;
    }
    /// hits / predicted.
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.hits, self.predicted)
    }
    /// hits / truth.
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.hits, self.truth)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// The exact two-sided p-value of `McNemar`'s test: given `b` pieces that only model A got right
/// and `c` that only model B got right, the probability under equal accuracy (each such piece
/// equally likely to favour either model) of a split at least as uneven as the one seen. 1 when
/// there is no such piece.
///
/// ```
/// use bulletin_classifier::metrics::mcnemar_p;
///
/// assert!((mcnemar_p(0, 0) - 1.0).abs() < 1e-12);
/// assert!((mcnemar_p(5, 5) - 1.0).abs() < 1e-12);
/// // 1 against 9: 2 × (1 + 10) / 2^10.
/// assert!((mcnemar_p(1, 9) - 22.0 / 1024.0).abs() < 1e-12);
/// ```
#[must_use]
pub fn mcnemar_p(b: u64, c: u64) -> f64 {
    let n = b + c;
    let k = b.min(c);
    if n == 0 {
        return 1.0;
    }
    // Σ_{i ≤ k} C(n, i) / 2^n, summed in log space (n may be large).
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut terms = Vec::with_capacity(usize::try_from(k + 1).unwrap_or(0));
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        terms.push(ln_choose + ln_half_n);
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tail = max.exp() * terms.iter().map(|t| (t - max).exp()).sum::<f64>();
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_and_recall_are_not_swapped() {
        // Truth 0 twice, predicted 0 once and 1 once; one truth-1 predicted 0.
        let mut c = Confusion::new(2);
        c.add(0, 0);
        c.add(0, 1);
        c.add(1, 0);
        let s = c.theme(0);
        assert!((s.precision - 0.5).abs() < 1e-12 && (s.recall - 0.5).abs() < 1e-12);
        let s1 = c.theme(1);
        assert_eq!((s1.precision, s1.recall, s1.support), (0.0, 0.0, 1));
        let mut c = Confusion::new(3);
        for _ in 0..3 {
            c.add(0, 0);
        }
        c.add(1, 0);
        c.add(2, 2);
        // theme 0: p = 3/4, r = 1; theme 1: 0; theme 2: 1.
        let expected = (2.0 * 0.75 / 1.75 + 0.0 + 1.0) / 3.0;
        assert!((c.macro_f1() - expected).abs() < 1e-12);
        assert!((c.accuracy() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn tag_counts_micro_average() {
        let mut t = TagCounts::default();
        t.add(&[0, 2], &[0]);
        t.add(&[1], &[1, 3]);
        assert!((t.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((t.recall() - 2.0 / 3.0).abs() < 1e-12);
    }
}
