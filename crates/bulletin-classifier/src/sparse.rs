//! Sparse feature vectors and the vocabulary that numbers features.

use bulletin_segmenter::Feature;
use rustc_hash::FxHashMap;

/// A sparse feature vector: `(feature id, count)` pairs sorted by id, ids unique, counts > 0.
pub type SparseVec = Vec<(u32, u32)>;

/// Turns a list of feature ids (with repeats, any order) into a [`SparseVec`].
#[must_use]
pub fn to_sparse(mut ids: Vec<u32>) -> SparseVec {
    count_ids(&mut ids)
}

/// [`to_sparse`] of a reusable buffer: sorts `ids` in place and counts repeats, leaving the
/// buffer's allocation to the caller.
pub(crate) fn count_ids(ids: &mut [u32]) -> SparseVec {
    ids.sort_unstable();
    let mut out: SparseVec = Vec::with_capacity(ids.len());
    for &id in ids.iter() {
        match out.last_mut() {
            Some((last, n)) if *last == id => *n = n.saturating_add(1),
            _ => out.push((id, 1)),
        }
    }
    out
}

/// Adds up sparse vectors given as one list of `(id, count)` pairs (any order, repeats allowed).
#[must_use]
pub fn sum_sparse(mut pairs: Vec<(u32, u32)>) -> SparseVec {
    pairs.sort_unstable_by_key(|&(id, _)| id);
    let mut out: SparseVec = Vec::with_capacity(pairs.len());
    for (id, n) in pairs {
        match out.last_mut() {
            Some((last, m)) if *last == id => *m = m.saturating_add(n),
            _ => out.push((id, n)),
        }
    }
    out
}

/// `x + times · y` for two sorted sparse vectors, in one pass (the result sorted; counts
/// saturate).
pub(crate) fn add_scaled(x: &[(u32, u32)], y: &[(u32, u32)], times: u32) -> SparseVec {
    let mut out: SparseVec = Vec::with_capacity(x.len() + y.len());
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        let take_x = j == y.len() || (i < x.len() && x[i].0 <= y[j].0);
        let take_y = i == x.len() || (j < y.len() && y[j].0 <= x[i].0);
        let id = if take_x { x[i].0 } else { y[j].0 };
        let mut count = 0u32;
        if take_x {
            count = x[i].1;
            i += 1;
        }
        if take_y {
            count = count.saturating_add(y[j].1.saturating_mul(times));
            j += 1;
        }
        out.push((id, count));
    }
    out
}

/// A word as a vocabulary key. Words of up to [`WordKey::INLINE`] bytes (nearly every Chinese
/// word: three bytes a character) sit inside the hash table slot, so a lookup compares bytes it
/// has already loaded instead of following a pointer to a separate allocation (the cache miss
/// that dominated training's lookups). Looked up by the word's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WordKey {
    Inline { len: u8, bytes: [u8; WordKey::INLINE] },
    Heap(Box<[u8]>),
}

impl WordKey {
    const INLINE: usize = 22;

    pub(crate) fn new(word: &str) -> Self {
        let src = word.as_bytes();
        match u8::try_from(src.len()) {
            Ok(len) if src.len() <= Self::INLINE => {
                let mut bytes = [0; Self::INLINE];
                bytes[..src.len()].copy_from_slice(src);
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(src.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(bytes) => bytes,
        }
    }
}

impl std::borrow::Borrow<[u8]> for WordKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// Hashes exactly as the borrowed `[u8]` does, as [`std::borrow::Borrow`] requires.
impl std::hash::Hash for WordKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// Numbers feature strings. Ids are assigned in insertion order while training and made
/// canonical (sorted by string) when a model is finalised, so a model's bytes never depend on
/// the order in which documents were seen.
///
/// Character bigrams (`[招商]`, the most frequent features) are indexed by a 32-bit key,
/// so the hot path looks them up without building or hashing a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    ids: FxHashMap<WordKey, u32>,
    pairs: FxHashMap<u32, u32>,
    words: Vec<Box<str>>,
}

impl Vocabulary {
    /// An empty vocabulary.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a vocabulary from words in id order.
    #[must_use]
    pub fn from_words(words: Vec<Box<str>>) -> Self {
        let mut v = Self { ids: FxHashMap::default(), pairs: FxHashMap::default(), words: Vec::with_capacity(words.len()) };
        for w in words {
            v.push(w);
        }
        v
    }

    fn push(&mut self, word: Box<str>) -> u32 {
        let id = id_of(self.words.len());
        match Feature::parse_pair(&word).and_then(|(a, b)| Feature::pair_key(a, b)) {
            Some(key) => {
                self.pairs.insert(key, id);
            }
            None => {
                self.ids.insert(WordKey::new(&word), id);
            }
        }
        self.words.push(word);
        id
    }

    /// The id of `word` (any canonical feature string), if known.
    #[must_use]
    pub fn get(&self, word: &str) -> Option<u32> {
        match Feature::parse_pair(word).and_then(|(a, b)| Feature::pair_key(a, b)) {
            Some(key) => self.pairs.get(&key).copied(),
            None => self.ids.get(word.as_bytes()).copied(),
        }
    }

    /// The id of a feature as the pipeline emits it, if known.
    #[must_use]
    pub fn get_feature(&self, feature: Feature<'_>) -> Option<u32> {
        match feature {
            Feature::CharPair(a, b) => Feature::pair_key(a, b).and_then(|key| self.pairs.get(&key)).copied(),
            Feature::Text(t) => self.ids.get(t.as_bytes()).copied(),
            _ => None,
        }
    }

    /// The id of `word`, adding it if new.
    pub fn intern(&mut self, word: &str) -> u32 {
        match self.get(word) {
            Some(id) => id,
            None => self.push(word.into()),
        }
    }

    /// The id of a feature as the pipeline emits it, adding it if new.
    pub fn intern_feature(&mut self, feature: Feature<'_>) -> u32 {
        if let Some(id) = self.get_feature(feature) {
            return id;
        }
        let mut s = String::new();
        feature.write_to(&mut s);
        self.push(s.into_boxed_str())
    }

    /// The word with this id.
    #[must_use]
    pub fn word(&self, id: u32) -> Option<&str> {
        self.words.get(id as usize).map(AsRef::as_ref)
    }

    /// Words in id order.
    #[must_use]
    pub fn words(&self) -> &[Box<str>] {
        &self.words
    }

    /// Number of words.
    #[must_use]
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the vocabulary is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Sorts the words and returns `old id → new id`.
    pub fn canonicalize(&mut self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..id_of(self.words.len())).collect();
        order.sort_unstable_by(|&a, &b| self.words[a as usize].cmp(&self.words[b as usize]));
        let mut mapping = vec![0u32; self.words.len()];
        for (new, &old) in order.iter().enumerate() {
            mapping[old as usize] = id_of(new);
        }
        let words: Vec<Box<str>> = order.iter().map(|&old| self.words[old as usize].clone()).collect();
        *self = Self::from_words(words);
        mapping
    }
}

/// Feature ids are `u32`: a vocabulary of four billion words is far beyond any corpus.
#[expect(clippy::cast_possible_truncation, reason = "vocabularies stay far below u32::MAX words")]
pub(crate) fn id_of(index: usize) -> u32 {
    index as u32
}

/// Applies an id mapping to a sparse vector, keeping it sorted.
#[must_use]
pub fn remap(x: &[(u32, u32)], mapping: &[u32]) -> SparseVec {
    let mut out: SparseVec = x.iter().map(|&(id, n)| (mapping[id as usize], n)).collect();
    out.sort_unstable_by_key(|&(id, _)| id);
    out
}

/// Renumbers the ids from `base` up through `mapping` (`base + i` becomes `mapping[i]`), keeping
/// `x` sorted. Ids below `base` stay, and as a sorted vector keeps them first, only its tail moves.
pub(crate) fn remap_new(x: &mut [(u32, u32)], base: u32, mapping: &[u32]) {
    let start = x.partition_point(|&(id, _)| id < base);
    let tail = &mut x[start..];
    if tail.is_empty() {
        return;
    }
    for (id, _) in tail.iter_mut() {
        *id = mapping[(*id - base) as usize];
    }
    tail.sort_unstable_by_key(|&(id, _)| id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_scaled_merges_sorted_vectors_as_the_sum_of_their_pairs() {
        let x: SparseVec = vec![(1, 2), (4, 1), (9, 3)];
        let y: SparseVec = vec![(0, 1), (4, 2), (12, 1)];
        let by_sum = sum_sparse(x.iter().copied().chain(y.iter().map(|&(f, n)| (f, 3 * n))).collect());
        assert_eq!(add_scaled(&x, &y, 3), by_sum);
        assert_eq!(add_scaled(&x, &y, 3), vec![(0, 3), (1, 2), (4, 7), (9, 3), (12, 3)]);
        assert_eq!(add_scaled(&x, &[], 5), x);
        assert_eq!(add_scaled(&[], &y, 1), y);
    }

    #[test]
    fn to_sparse_counts_repeats() {
        assert_eq!(to_sparse(vec![3, 1, 3, 0, 3]), vec![(0, 1), (1, 1), (3, 3)]);
    }

    #[test]
    fn short_and_long_words_are_found_alike() {
        let long = "国家级高新技术产业开发区管理委员会";
        assert!(long.len() > WordKey::INLINE);
        let mut v = Vocabulary::new();
        let ids: Vec<u32> = ["招商", long, "[招商]", "<MONEY>"].iter().map(|w| v.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        assert_eq!((v.get("招商"), v.get(long), v.get("<MONEY>"), v.get("招")), (Some(0), Some(1), Some(3), None));
        assert_eq!(v.get_feature(Feature::Text(long)), Some(1));
        assert_eq!(v.intern(long), 1);
    }

    #[test]
    fn remap_new_moves_only_the_new_ids() {
        let mut x = vec![(1, 2), (4, 1), (10, 3), (11, 1), (12, 5)];
        remap_new(&mut x, 10, &[20, 6, 5]);
        assert_eq!(x, [(1, 2), (4, 1), (5, 5), (6, 1), (20, 3)]);
    }

    #[test]
    fn canonicalize_sorts_and_maps() {
        let mut v = Vocabulary::new();
        for w in ["招商", "高企", "贷款"] {
            v.intern(w);
        }
        let m = v.canonicalize();
        assert_eq!(v.words().iter().map(AsRef::as_ref).collect::<Vec<&str>>(), ["招商", "贷款", "高企"]);
        assert_eq!(m, [0, 2, 1]);
        assert_eq!(v.get("高企"), Some(2));
    }
}
