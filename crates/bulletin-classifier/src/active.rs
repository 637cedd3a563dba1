//! Spending labels well: which unlabelled pieces to label next ([`choose`]), and which given
//! labels look wrong ([`label_issues`]).
//!
//! # What to label next
//!
//! A piece teaches the model most when the model is unsure about it, but the most uncertain
//! pieces of an archive are often the same story several times, or all on one boundary between
//! two themes. [`choose`] therefore combines three things:
//!
//! 1. **Uncertainty**: one minus the margin between the two highest calibrated probabilities
//!    ([`uncertainty`]). Calibrated scores matter here: naive Bayes' own scores are 1.00 for
//!    nearly every long piece, which leaves nothing to rank.
//! 2. **Diversity**: a piece whose character 8-grams overlap an already chosen piece's by an
//!    estimated Jaccard similarity of [`NEAR_DUPLICATE`] or more ([`MinHash`], 64 hashes) is
//!    never chosen: a reprint teaches nothing new.
//! 3. **Coverage**: each piece already chosen with the same guessed theme multiplies a
//!    candidate's score by [`THEME_DECAY`], and each one from the same source (file) by
//!    [`SOURCE_DECAY`], so the pieces spread over themes and over the archive's folders
//!    instead of piling up on one confusion.
//!
//! Selection is greedy: the candidate with the best adjusted score is taken, then the scores
//! of the others are updated (lazily: they only ever decrease, so a candidate whose refreshed
//! score still beats every stale one is the best). `bench/active_learning.sh` measures the
//! strategy against random choice.
//!
//! # Labels that look wrong
//!
//! [`label_issues`] follows confident learning (Northcutt, Jiang and Chuang, 2021): from
//! out-of-fold probabilities, the threshold of each theme is the mean probability that pieces
//! labelled with it get for it (the model's self-confidence on that theme). A piece counts as
//! confidently of theme `j` when `p_j` reaches `j`'s threshold (the highest such `j` when
//! several do); when that theme is not the given label, the piece lands off the diagonal of the
//! confident joint and is a label issue. Issues are ranked by the margin `p_suggested −
//! p_given`, largest first.
//!
//! ```
//! use bulletin_classifier::active::{label_issues, Observation};
//!
//! // Two themes; the third piece is labelled 0 but the model is sure it is 1.
//! let obs = [
//!     Observation::new(vec![0.9, 0.1], 0),
//!     Observation::new(vec![0.8, 0.2], 0),
//!     Observation::new(vec![0.05, 0.95], 0),
//!     Observation::new(vec![0.1, 0.9], 1),
//!     Observation::new(vec![0.3, 0.7], 1),
//! ];
//! let issues = label_issues(&obs);
//! assert_eq!(issues.len(), 1);
//! assert_eq!((issues[0].index, issues[0].given, issues[0].suggested), (2, 0, 1));
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Estimated Jaccard similarity of character 8-grams from which two pieces are near-duplicates.
pub const NEAR_DUPLICATE: f64 = 0.5;
/// Score factor per chosen piece with the same guessed theme.
pub const THEME_DECAY: f64 = 0.85;
/// Score factor per chosen piece from the same source.
pub const SOURCE_DECAY: f64 = 0.9;
/// Length of the character n-grams compared.
pub const SHINGLE: usize = 8;
/// Hash functions of a signature.
const HASHES: usize = 64;

/// A `MinHash` signature of a text's character 8-grams (white space ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHash([u64; HASHES]);

impl MinHash {
    /// The signature of `text`. A text shorter than 8 characters is one shingle.
    #[must_use]
    pub fn of(text: &str) -> Self {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut mins = [u64::MAX; HASHES];
        let mut buf = String::new();
        let windows: Box<dyn Iterator<Item = &[char]>> =
            if chars.len() < SHINGLE { Box::new(std::iter::once(chars.as_slice())) } else { Box::new(chars.windows(SHINGLE)) };
        for window in windows {
            buf.clear();
            buf.extend(window);
            for (seed, min) in (0u64..).zip(mins.iter_mut()) {
                *min = (*min).min(xxh3_64_with_seed(buf.as_bytes(), seed));
            }
        }
        Self(mins)
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets.
    #[must_use]
    pub fn similarity(&self, other: &Self) -> f64 {
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f64 / HASHES as f64
    }
}

/// One minus the margin between the two highest probabilities: 1 when the model cannot tell
/// its two best themes apart, 0 when it is certain.
#[must_use]
pub fn uncertainty(probabilities: &[f64]) -> f64 {
    let (first, second) = top_two(probabilities);
    let p = |i: Option<usize>| i.and_then(|i| probabilities.get(i)).copied().unwrap_or(0.0);
    (1.0 - (p(first) - p(second))).clamp(0.0, 1.0)
}

/// Indices of the highest and second-highest values (first index on ties).
#[must_use]
pub fn top_two(values: &[f64]) -> (Option<usize>, Option<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    (order.first().copied(), order.get(1).copied())
}

/// An unlabelled piece offered to [`choose`].
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Calibrated probabilities per theme.
    pub probabilities: Vec<f64>,
    /// Its source (file), as a small number: pieces of one source share it.
    pub source: usize,
    /// The signature of its text.
    pub signature: MinHash,
}

/// A chosen piece.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Index into the candidates.
    pub index: usize,
    /// The adjusted score it was chosen with (uncertainty after the coverage factors).
    pub score: f64,
    /// Its uncertainty alone.
    pub uncertainty: f64,
    /// Its best and second-best themes.
    pub best: usize,
    /// The runner-up theme.
    pub runner_up: usize,
}

/// A candidate in the lazy greedy queue: its score as last computed.
#[derive(Debug, PartialEq)]
struct Queued {
    score: f64,
    index: usize,
}

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Highest score first; the earlier candidate on ties (deterministic).
        self.score.total_cmp(&other.score).then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Chooses up to `n` candidates to label, most useful first (see the module docs).
#[must_use]
pub fn choose(candidates: &[Candidate], n: usize) -> Vec<Pick> {
    let themes = candidates.iter().map(|c| c.probabilities.len()).max().unwrap_or(0);
    let sources = candidates.iter().map(|c| c.source + 1).max().unwrap_or(0);
    let (mut per_theme, mut per_source) = (vec![0i32; themes], vec![0i32; sources]);
    let info: Vec<(f64, usize, usize)> = candidates
        .iter()
        .map(|c| {
            let (best, second) = top_two(&c.probabilities);
            (uncertainty(&c.probabilities), best.unwrap_or(0), second.unwrap_or(0))
        })
        .collect();
    let adjusted = |i: usize, per_theme: &[i32], per_source: &[i32]| {
        let (u, best, _) = info[i];
        u * THEME_DECAY.powi(per_theme.get(best).copied().unwrap_or(0)) * SOURCE_DECAY.powi(per_source[candidates[i].source])
    };
    let mut queue: BinaryHeap<Queued> = (0..candidates.len()).map(|index| Queued { score: info[index].0, index }).collect();
    let mut picks: Vec<Pick> = Vec::new();
    while picks.len() < n {
        let Some(top) = queue.pop() else { break };
        let score = adjusted(top.index, &per_theme, &per_source);
        if queue.peek().is_some_and(|next| score < next.score) {
            queue.push(Queued { score, index: top.index });
            continue;
        }
        let candidate = &candidates[top.index];
        if picks.iter().any(|p| candidates[p.index].signature.similarity(&candidate.signature) >= NEAR_DUPLICATE) {
            continue;
        }
        let (u, best, runner_up) = info[top.index];
        if let Some(count) = per_theme.get_mut(best) {
            *count += 1;
        }
        per_source[candidate.source] += 1;
        picks.push(Pick { index: top.index, score, uncertainty: u, best, runner_up });
    }
    picks
}

/// A labelled piece with out-of-fold probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Out-of-fold (calibrated) probabilities per theme.
    pub probabilities: Vec<f64>,
    /// The given label.
    pub given: usize,
}

impl Observation {
    /// A piece with probabilities and its given label.
    #[must_use]
    pub fn new(probabilities: Vec<f64>, given: usize) -> Self {
        Self { probabilities, given }
    }
}

/// A given label the model confidently rejects.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelIssue {
    /// Index into the observations.
    pub index: usize,
    /// The given label.
    pub given: usize,
    /// The theme the piece confidently belongs to.
    pub suggested: usize,
    /// The probability of the suggested theme.
    pub confidence: f64,
    /// The probability of the given label.
    pub given_probability: f64,
}

/// The per-theme thresholds of confident learning: the mean probability of each theme over the
/// pieces labelled with it (1, never reached by a rival, for a theme no piece is labelled with).
#[must_use]
pub fn thresholds(observations: &[Observation]) -> Vec<f64> {
    let themes = observations.iter().map(|o| o.probabilities.len()).max().unwrap_or(0);
    let (mut sum, mut count) = (vec![0.0; themes], vec![0u64; themes]);
    for o in observations {
        if let Some(p) = o.probabilities.get(o.given) {
            sum[o.given] += p;
            count[o.given] += 1;
        }
    }
    sum.iter().zip(&count).map(|(s, &c)| if c == 0 { 1.0 } else { s / c as f64 }).collect()
}

/// The label issues among `observations`, most certain first (see the module docs).
#[must_use]
pub fn label_issues(observations: &[Observation]) -> Vec<LabelIssue> {
    let t = thresholds(observations);
    let mut issues: Vec<LabelIssue> = observations
        .iter()
        .enumerate()
        .filter_map(|(index, o)| {
            let confident = (0..o.probabilities.len())
                .filter(|&j| o.probabilities[j] >= t[j])
                .max_by(|&a, &b| o.probabilities[a].total_cmp(&o.probabilities[b]).then(b.cmp(&a)))?;
            let given_probability = o.probabilities.get(o.given).copied().unwrap_or(0.0);
            (confident != o.given).then(|| LabelIssue {
                index,
                given: o.given,
                suggested: confident,
                confidence: o.probabilities[confident],
                given_probability,
            })
        })
        .collect();
    issues
        .sort_by(|a, b| (b.confidence - b.given_probability).total_cmp(&(a.confidence - a.given_probability)).then(a.index.cmp(&b.index)));
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(p: &[f64], source: usize, text: &str) -> Candidate {
        Candidate { probabilities: p.to_vec(), source, signature: MinHash::of(text) }
    }

    #[test]
    fn minhash_estimates_overlap() {
        let a = MinHash::of("高新区举行重点项目集中签约仪式，共签约项目12个，总投资86亿元。");
        let b = MinHash::of("高新区举行重点项目集中签约仪式，共签约项目12个，总投资86亿元！");
        let c = MinHash::of("银行为科技企业发放知识产权质押贷款3000万元，缓解融资难题。");
        assert!(a.similarity(&b) > 0.7, "{}", a.similarity(&b));
        assert!(a.similarity(&c) < 0.1);
        assert!((MinHash::of("短").similarity(&MinHash::of("短")) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn uncertainty_is_one_minus_the_margin() {
        assert!((uncertainty(&[0.5, 0.3, 0.2]) - 0.8).abs() < 1e-12);
        assert!(uncertainty(&[1.0, 0.0]).abs() < 1e-12);
        assert!((uncertainty(&[0.4, 0.4, 0.2]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn choose_prefers_uncertain_pieces_and_skips_near_duplicates() {
        let story = "高新区举行重点项目集中签约仪式，共签约项目12个，总投资86亿元。";
        let cands = [
            candidate(&[0.95, 0.05], 0, "园区开展安全生产检查，检查组深入企业车间。"),
            candidate(&[0.5, 0.5], 0, story),
            candidate(&[0.5, 0.5], 1, story),
            candidate(&[0.6, 0.4], 2, "银行为科技企业发放知识产权质押贷款3000万元。"),
        ];
        let picks: Vec<usize> = choose(&cands, 3).iter().map(|p| p.index).collect();
        assert_eq!(picks, [1, 3, 0]);
    }

    #[test]
    fn choose_spreads_over_themes() {
        // Ten equally uncertain pieces guessed as theme 0 (uncertainty 0.9), one a little less
        // uncertain guessed as theme 1 (0.8): coverage brings the latter up to second place.
        let mut cands: Vec<Candidate> =
            (0..10).map(|i| candidate(&[0.5, 0.4, 0.1], i, &format!("项目{}签约{}投资{}", i * 7919, i * 104_729, i * 31))).collect();
        cands.push(candidate(&[0.3, 0.5, 0.2], 10, "完全不同的一篇关于科技金融贷款的文章"));
        let picks: Vec<usize> = choose(&cands, 3).iter().map(|p| p.index).collect();
        assert_eq!(picks[0], 0);
        assert_eq!(picks[1], 10);
    }

    #[test]
    fn flipped_labels_are_found_and_ranked_first() {
        let mut obs: Vec<Observation> =
            (0..20).map(|i| Observation::new(if i % 2 == 0 { vec![0.9, 0.1] } else { vec![0.2, 0.8] }, i % 2)).collect();
        obs.push(Observation::new(vec![0.99, 0.01], 1)); // flipped, sure
        obs.push(Observation::new(vec![0.92, 0.08], 1)); // flipped, less sure
        obs.push(Observation::new(vec![0.55, 0.45], 1)); // doubtful: below theme 0's threshold
        let issues = label_issues(&obs);
        let found: Vec<(usize, usize)> = issues.iter().map(|i| (i.index, i.suggested)).collect();
        assert_eq!(found, [(20, 0), (21, 0)]);
    }
}
