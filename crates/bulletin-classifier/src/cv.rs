//! Cross-validation folds that other tools can reproduce exactly.
//!
//! Fold assignment is stratified by primary label and shuffled by a seeded hash rather than
//! by a random-number generator, so a script in any language (the project's
//! `bench/compare_sklearn.py` does) can rebuild the very same folds: within each label, records
//! are ordered by the SHA-256 of `"{seed}:{id}"` (hex), and the record at position `i` goes to
//! fold `i mod k`.

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
    let mut folds = vec![0; records.len()];
    let mut position = 0usize;
    let mut current: Option<usize> = None;
    for (label, _, i) in keyed {
        if current != Some(label) {
            current = Some(label);
            position = 0;
        }
        folds[i] = position % k;
        position += 1;
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
