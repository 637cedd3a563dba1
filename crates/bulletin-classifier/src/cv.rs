//! Cross-validation folds that other tools can reproduce exactly.
//!
//! Fold assignment is stratified by primary label and shuffled by a seeded hash rather than
//! by a random-number generator, so a script in any language (the project's
//! `bench/compare_sklearn.py` does) can rebuild the very same folds: records are ordered by label
//! and, within a label, by the SHA-256 of `"{seed}:{id}"` (hex); the record at position `i` of
//! that whole list goes to fold `i mod k`. Each label thus starts where the previous one stopped
//! instead of at fold 0, so fold sizes differ by at most one within every label and overall
//! (30 records of five labels split 6/6/6/6/6, not 9/7/5/5/4).

use sha2::{Digest, Sha256};

/// Assigns each record (given as `(id, primary label)`) to one of `k` folds; returns the fold
/// of each record, in input order.
///
/// ```
/// use bulletin_classifier::cv::assign_folds;
///
/// let records = [("a", 0), ("b", 0), ("c", 1), ("d", 1), ("e", 0)];
/// let folds = assign_folds(&records, 2, 42);
/// assert_eq!(folds.len(), 5);
/// // Stratified: each label is spread over both folds.
/// assert!(folds.iter().all(|&f| f < 2));
/// assert_ne!(folds[2], folds[3]);
/// assert_eq!(folds, assign_folds(&records, 2, 42));
/// ```
#[must_use]
pub fn assign_folds<S: AsRef<str>>(records: &[(S, usize)], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut keyed: Vec<(usize, String, usize)> = records
        .iter()
        .enumerate()
        .map(|(i, (id, label))| (*label, hex(&Sha256::digest(format!("{seed}:{}", id.as_ref()).as_bytes())), i))
        .collect();
    keyed.sort();
    // One round-robin over the list sorted by label: each label's first record goes to the fold
    // after the previous label's last one, so no fold collects every label's leftovers.
    let mut folds = vec![0; records.len()];
    for (position, (_, _, i)) in keyed.into_iter().enumerate() {
        folds[i] = position % k;
    }
    folds
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes of each fold within each label.
    fn sizes(records: &[(String, usize)], folds: &[usize], k: usize, labels: usize) -> Vec<Vec<usize>> {
        let mut sizes = vec![vec![0; k]; labels];
        for ((_, label), &fold) in records.iter().zip(folds) {
            sizes[*label][fold] += 1;
        }
        sizes
    }

    #[test]
    fn fold_sizes_differ_by_at_most_one_within_every_label_and_overall() {
        // 30 records over five labels of 9, 7, 5, 5 and 4 records: the old assignment sent every
        // label's leftovers to fold 0 (9/7/5/5/4 overall).
        let counts = [9, 7, 5, 5, 4];
        let records: Vec<(String, usize)> =
            counts.iter().enumerate().flat_map(|(label, &n)| (0..n).map(move |i| (format!("r-{label}-{i}"), label))).collect();
        for k in [2, 3, 5, 7] {
            let folds = assign_folds(&records, k, 42);
            for (label, per_fold) in sizes(&records, &folds, k, counts.len()).iter().enumerate() {
                let (min, max) = (per_fold.iter().min().unwrap(), per_fold.iter().max().unwrap());
                assert!(max - min <= 1, "k={k} label {label}: {per_fold:?}");
            }
            let mut overall = vec![0; k];
            for &f in &folds {
                overall[f] += 1;
            }
            let (min, max) = (overall.iter().min().unwrap(), overall.iter().max().unwrap());
            assert!(max - min <= 1, "k={k} overall: {overall:?}");
        }
    }
}
