//! A compact digest of the records a model was trained on, so that `merge` can tell when two
//! shards overlap.
//!
//! Each record is hashed ([`record_hash`]: 64-bit XXH3 of its title and text, so a record
//! relabelled or re-identified is still the same text). A [`RecordSketch`] keeps the
//! [`SKETCH_SIZE`] smallest hashes (a bottom-k sketch): exact for models of up to that many
//! distinct records, a uniform sample of the hash space beyond. Sketches of shards merge into the
//! sketch of their union, whatever the order.
//!
//! Two sketches that share a hash share a record (up to a 64-bit collision). When both shards
//! are larger than the sketch, an overlap of `m` records shows up as about
//! `m · SKETCH_SIZE / max(|A|, |B|)` shared hashes, so a small overlap between two large shards
//! can go unseen; a shard given twice, or one shard inside another, is always caught.
//!
//! ```
//! use bulletin_classifier::sketch::{RecordSketch, record_hash};
//!
//! let mut a = RecordSketch::default();
//! let mut b = RecordSketch::default();
//! a.insert(record_hash("标题一", "正文一"));
//! a.insert(record_hash("标题二", "正文二"));
//! b.insert(record_hash("标题二", "正文二"));
//! assert_eq!(a.shared(&b), 1);
//! a.merge(&b);
//! assert_eq!(a.len(), 2);
//! ```

use serde::{Deserialize, Serialize};

/// Hashes kept per model: 32 KiB.
pub const SKETCH_SIZE: usize = 4096;

/// The hash of a record's title and text.
#[must_use]
pub fn record_hash(title: &str, text: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(title.as_bytes());
    h.update(&[0x1f]);
    h.update(text.as_bytes());
    h.digest()
}

/// The smallest [`SKETCH_SIZE`] record hashes of a model's training data, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSketch {
    hashes: Vec<u64>,
}

impl RecordSketch {
    /// Adds a record's hash.
    pub fn insert(&mut self, hash: u64) {
        if self.hashes.len() >= SKETCH_SIZE && self.hashes.last().is_some_and(|&max| hash >= max) {
            return;
        }
        if let Err(at) = self.hashes.binary_search(&hash) {
            self.hashes.insert(at, hash);
            self.hashes.truncate(SKETCH_SIZE);
        }
    }

    /// Folds in the sketch of another shard: the result is the sketch of the union.
    pub fn merge(&mut self, other: &Self) {
        let mut all = Vec::with_capacity(self.hashes.len() + other.hashes.len());
        all.extend_from_slice(&self.hashes);
        all.extend_from_slice(&other.hashes);
        all.sort_unstable();
        all.dedup();
        all.truncate(SKETCH_SIZE);
        self.hashes = all;
    }

    /// Hashes found in both sketches, below both sketches' cut-offs: each is a record of both
    /// shards.
    #[must_use]
    pub fn shared(&self, other: &Self) -> usize {
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < self.hashes.len() && j < other.hashes.len() {
            match self.hashes[i].cmp(&other.hashes[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }

    /// Hashes held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no record was recorded (a model from before format version 2).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether the sketch holds every record's hash (fewer distinct records than [`SKETCH_SIZE`]).
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.hashes.len() < SKETCH_SIZE
    }

    /// Checks the invariants of a sketch read from a file: sorted, distinct, at most
    /// [`SKETCH_SIZE`] hashes.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.hashes.len() <= SKETCH_SIZE && self.hashes.windows(2).all(|w| w[0] < w[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_merge_into_the_sketch_of_the_union_in_any_order() {
        let hashes: Vec<u64> = (0..10_000u32).map(|i| record_hash("t", &i.to_string())).collect();
        let mut whole = RecordSketch::default();
        for &h in &hashes {
            whole.insert(h);
        }
        let (mut a, mut b) = (RecordSketch::default(), RecordSketch::default());
        for &h in &hashes[..6000] {
            a.insert(h);
        }
        for &h in &hashes[6000..] {
            b.insert(h);
        }
        assert_eq!(a.shared(&b), 0, "disjoint shards share nothing");
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, whole);
        assert_eq!(b, whole);
        assert!(whole.is_valid() && !whole.is_exact());
    }

    #[test]
    fn a_shard_inside_a_larger_one_is_seen() {
        let mut big = RecordSketch::default();
        let mut small = RecordSketch::default();
        for i in 0..50_000u32 {
            big.insert(record_hash("t", &i.to_string()));
        }
        for i in 0..2_000u32 {
            small.insert(record_hash("t", &i.to_string()));
        }
        // 2,000 of 50,000 records, sketch 4,096: about 160 shared hashes expected.
        assert!(small.shared(&big) > 50, "{}", small.shared(&big));
    }
}
