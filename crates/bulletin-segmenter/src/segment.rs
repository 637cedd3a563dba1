//! The text pipeline: normalisation, jieba-rs segmentation, stopwords and features.

use std::borrow::Cow;

use bulletin_core::{FeatureSettings, LexiconEntry, PIPELINE_VERSION, PipelineSettings};
use jieba_rs::Jieba;
use rustc_hash::FxHashSet;
use sha2::{Digest, Sha256};

use crate::lexicon::{DOMAIN_LEXICON, check_entry, parse_lexicon};
use crate::normalize::Normalizer;
use crate::{LexiconProblem, SegmenterError};

/// The jieba-rs version this crate is built against (jieba-rs has no runtime version API). Part of
/// the [fingerprint](Pipeline::fingerprint): another jieba-rs may cut the same text differently.
pub const JIEBA_VERSION: &str = "0.11.0";

/// The ferrous-opencc version whose t2s tables normalise traditional text; part of the fingerprint.
const OPENCC_VERSION: &str = "0.4.0";

/// Lexicon frequencies above this are clamped (jieba sums frequencies into a `usize`).
pub const MAX_LEXICON_FREQ: u64 = 1_000_000_000;

/// Bulletin boilerplate added to the `stop-words` crate's Chinese list: news-agency formulas,
/// reporting verbs, time fillers and connectives that every theme uses alike. Theme words
/// (招商, 企业, 融资, 转化, …) are deliberately absent.
pub const BOILERPLATE_STOPWORDS: &[&str] = &[
    "本报讯",
    "本网讯",
    "本报记者",
    "记者",
    "通讯员",
    "实习生",
    "报道",
    "获悉",
    "近日",
    "日前",
    "近期",
    "当天",
    "当日",
    "昨天",
    "今天",
    "昨日",
    "今日",
    "据了解",
    "据悉",
    "据介绍",
    "目前",
    "今年",
    "去年",
    "明年",
    "同时",
    "此外",
    "另外",
    "表示",
    "介绍",
    "指出",
    "强调",
    "认为",
    "进一步",
    "相关",
    "工作",
    "开展",
    "方面",
    "一是",
    "二是",
    "三是",
    "四是",
    "以来",
    "期间",
    "不断",
    "积极",
    "切实",
    "有效",
    "全面",
    "加快",
    "更加",
    "持续",
    "围绕",
];

/// Feature string of a four-digit year (`2023年`).
pub const YEAR: &str = "<YEAR>";
/// Feature string of a date (`3月`, `15日`, `1-2月`).
pub const DATE: &str = "<DATE>";
/// Feature string of an amount of money (`16万元`, `11.7亿元`, `5万美元`).
pub const MONEY: &str = "<MONEY>";
/// Feature string of a percentage (`22.8%`, `3个百分点`).
pub const PCT: &str = "<PCT>";
/// Feature string of any other number.
pub const NUM: &str = "<NUM>";

/// One token of the normalised text. Offsets point into [`Analysis::normalized`], never into the
/// input (traditional-to-simplified conversion may change its length).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Token {
    /// The token as it appears in the normalised text.
    pub text: String,
    /// First char of the token.
    pub start: usize,
    /// One past the last char of the token.
    pub end: usize,
    /// First byte of the token.
    pub byte_start: usize,
    /// One past the last byte of the token.
    pub byte_end: usize,
    /// Whether the token yields a word feature: not punctuation or whitespace, not a stopword,
    /// at least `min_token_chars` long, or a number that starts a number class. The unit a number
    /// class consumes (`年` of `2023年`) is not a feature of its own.
    pub is_feature: bool,
}

/// A normalised text and all its tokens, stopwords and punctuation included, in order; the
/// tokens cover the normalised text without gap or overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Analysis {
    /// The text after normalisation.
    pub normalized: String,
    /// Its tokens.
    pub tokens: Vec<Token>,
}

/// The text pipeline, built once from [`PipelineSettings`] and shared (it is `Send + Sync`; wrap
/// it in an `Arc` or pass references). Building loads jieba's dictionary (tens of milliseconds),
/// the domain and user lexicons, the stopword list and the t2s converter — never build one per
/// document.
pub struct Pipeline {
    settings: PipelineSettings,
    normalizer: Normalizer,
    jieba: Jieba,
    stopwords: FxHashSet<Box<str>>,
    /// The same words, sorted, for the fingerprint.
    stopword_list: Vec<Box<str>>,
    fingerprint: [u8; 32],
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").field("settings", &self.settings).field("stopwords", &self.stopword_list.len()).finish_non_exhaustive()
    }
}

/// Everything a [`Pipeline`] needs besides jieba, prepared while jieba's dictionary is built.
struct Parts {
    normalizer: Normalizer,
    /// Entries to add to jieba: the domain lexicon's, then the user's.
    lexicon: Vec<LexiconEntry>,
    /// The effective stopwords, normalised, sorted and deduplicated.
    stopwords: Vec<Box<str>>,
}

impl Parts {
    fn new(settings: &PipelineSettings) -> Result<Self, SegmenterError> {
        let normalizer = Normalizer::new(&settings.normalize)?;
        let mut lexicon = if settings.segment.domain_lexicon { parse_lexicon(DOMAIN_LEXICON)? } else { Vec::new() };
        for (i, entry) in settings.segment.user_lexicon.iter().enumerate() {
            check_entry(entry).map_err(|reason: LexiconProblem| SegmenterError::Lexicon { line: i + 1, reason })?;
            lexicon.push(entry.clone());
        }

        let sw = &settings.stopwords;
        let normal = |w: &str| -> Option<Box<str>> {
            let w = normalizer.map_chars(w.trim());
            (!w.is_empty()).then(|| Box::from(&*w))
        };
        let keep: FxHashSet<Box<str>> = sw.keep.iter().filter_map(|w| normal(w)).collect();
        let builtin: &[&str] = if sw.builtin { stop_words::get("zh") } else { &[] };
        let builtin = builtin.iter().chain(BOILERPLATE_STOPWORDS.iter().filter(|_| sw.builtin));
        let mut stopwords: Vec<Box<str>> = builtin.filter_map(|w| normal(w)).filter(|w| !keep.contains(w)).collect();
        stopwords.extend(sw.extra.iter().filter_map(|w| normal(w)));
        stopwords.sort_unstable();
        stopwords.dedup();
        Ok(Self { normalizer, lexicon, stopwords })
    }

    fn assemble(self, settings: &PipelineSettings, mut jieba: Jieba) -> Pipeline {
        let Self { normalizer, lexicon, stopwords: stopword_list } = self;
        for entry in &lexicon {
            let word = normalizer.map_chars(&entry.word);
            let freq = usize::try_from(entry.freq.min(MAX_LEXICON_FREQ)).unwrap_or(usize::MAX);
            jieba.add_word(&word, Some(freq), entry.tag.as_deref());
        }
        let stopwords = stopword_list.iter().cloned().collect();
        let mut pipeline = Pipeline { settings: settings.clone(), normalizer, jieba, stopwords, stopword_list, fingerprint: [0; 32] };
        pipeline.fingerprint = pipeline.compute_fingerprint();
        pipeline
    }
}

/// What a token contributes to the word features.
#[derive(Clone, Copy)]
enum Event<'t> {
    /// Token `index` yields the word feature (the word itself or a number class).
    Word(usize, &'t str),
    /// Punctuation or whitespace: word bigrams do not cross it.
    Break,
}

impl Pipeline {
    /// Builds a pipeline. Fails on an invalid user lexicon entry (the error's `line` is the
    /// entry's position from 1) or if the t2s converter cannot be loaded.
    ///
    /// Jieba's dictionary, most of the cost, is built on a thread of its own while this thread
    /// loads the converter, checks the lexicons and builds the stopword list.
    pub fn new(settings: &PipelineSettings) -> Result<Self, SegmenterError> {
        std::thread::scope(|scope| {
            let jieba = std::thread::Builder::new().name("jieba-dictionary".into()).spawn_scoped(scope, Jieba::new);
            let parts = Parts::new(settings);
            // Joined before `parts` is checked: the scope would wait for the thread anyway. When
            // no thread can be started, the dictionary is built here.
            let jieba = match jieba {
                Ok(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => Jieba::new(),
            };
            Ok(parts?.assemble(settings, jieba))
        })
    }

    /// The pipeline of the default settings.
    ///
    /// # Panics
    ///
    /// Never in practice: the default settings have no user lexicon, and the embedded domain
    /// lexicon and t2s tables are checked by this crate's tests.
    #[must_use]
    pub fn default_pipeline() -> Self {
        Self::new(&PipelineSettings::default()).expect("the default pipeline builds from embedded, tested data")
    }

    /// The settings the pipeline was built from.
    #[must_use]
    pub fn settings(&self) -> &PipelineSettings {
        &self.settings
    }

    /// Whether `word` (normalised) is a stopword.
    #[must_use]
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The effective stopwords (built-in list minus `keep` plus `extra`, normalised), sorted.
    pub fn stopwords(&self) -> impl Iterator<Item = &str> {
        self.stopword_list.iter().map(AsRef::as_ref)
    }

    /// Normalises `text`; borrowed when nothing changes.
    ///
    /// One pass over the text maps, each rule switchable in [`NormalizeSettings`](bulletin_core::NormalizeSettings):
    ///
    /// | Rule | Setting | Effect |
    /// |------|---------|--------|
    /// | full width | `fullwidth_to_halfwidth` | U+FF01–U+FF5E to ASCII (`ＧＤＰ２２．８％` → `GDP22.8%`, `，` → `,`), U+3000 to a space |
    /// | punctuation | `unify_punctuation` | `「『“‘` → `“`, `」』”’` → `”`, `—–－―` → `—` (checked before the full-width rule) |
    /// | case | `lowercase_ascii` | `A`–`Z` → `a`–`z` (also after the full-width rule) |
    /// | script | `traditional_to_simplified` | `OpenCC` t2s (phrases, then characters) |
    ///
    /// The character rules map one char to one char, so they keep char offsets. Traditional to
    /// simplified runs only when the text holds at least one character that t2s changes on its own
    /// (a bitset over the BMP, built once from the converter's own tables), so simplified text pays
    /// one table lookup per char; `OpenCC`'s phrase rules may change the number of chars, which is why
    /// token offsets always point into the **normalised** text, never into the input.
    #[must_use]
    pub fn normalize<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.normalizer.normalize(text)
    }

    /// Normalises and segments `text`, keeping every token (stopwords and punctuation included,
    /// marked with [`Token::is_feature`]).
    #[must_use]
    pub fn analyze(&self, text: &str) -> Analysis {
        let normalized = self.normalize(text).into_owned();
        let cut = self.jieba.cut(&normalized, self.settings.segment.hmm);
        let mut is_feature = vec![false; cut.len()];
        // Byte ranges of the lines that cleaning removes: their tokens are no features.
        let mut removed = Vec::new();
        if self.settings.clean.web_boilerplate {
            let mut start = 0;
            for line in normalized.split('\n') {
                if crate::clean::is_web_boilerplate(line) {
                    removed.push(start..start + line.len());
                }
                start += line.len() + 1;
            }
        }
        self.word_events(&cut, |event| {
            if let Event::Word(i, _) = event {
                let kept = cut.get(i).is_some_and(|t| !removed.iter().any(|r| r.contains(&t.byte_start)));
                if let Some(flag) = is_feature.get_mut(i).filter(|_| kept) {
                    *flag = true;
                }
            }
        });
        let tokens = cut
            .iter()
            .zip(is_feature)
            .map(|(t, is_feature)| Token {
                text: t.word.to_owned(),
                start: t.start,
                end: t.end,
                byte_start: t.byte_start,
                byte_end: t.byte_end,
                is_feature,
            })
            .collect();
        Analysis { normalized, tokens }
    }

    /// Calls `f` with every feature of a piece: the title's features `title_weight` times, then the
    /// text's. Feature strings are borrowed (from the normalised text, a static class name or a
    /// reused buffer): nothing is allocated per feature.
    ///
    /// | Feature | Form | Setting |
    /// |---------|------|---------|
    /// | word | `招商引资` | `word_unigrams` |
    /// | word bigram | `招商引资 推介会` (adjacent feature words, not across punctuation; stopwords skipped) | `word_bigrams` |
    /// | char bigram | `[招商]` (adjacent CJK chars of one CJK run) | `char_bigrams` |
    /// | number class | `<YEAR>` `<DATE>` `<MONEY>` `<PCT>` `<NUM>` in place of the number and its unit | `number_classes` |
    ///
    /// ```
    /// # fn main() -> Result<(), bulletin_segmenter::SegmenterError> {
    /// let mut settings = bulletin_core::PipelineSettings::default();
    /// settings.features.char_bigrams = false;
    /// settings.features.word_bigrams = false;
    /// let pipeline = bulletin_segmenter::Pipeline::new(&settings)?;
    /// let mut features = Vec::new();
    /// pipeline.for_each_feature("招商引资开门红", "2023年签约项目总投资11.7亿元。", |f| features.push(f.to_owned()));
    /// assert_eq!(features, ["招商引资", "开门红", "<YEAR>", "签约项目", "总投资", "<MONEY>"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn for_each_feature(&self, title: &str, text: &str, mut f: impl FnMut(&str)) {
        let mut buf = String::new();
        self.for_each_feature_ref(title, text, |feature| match feature {
            Feature::Text(t) => f(t),
            Feature::CharPair(..) => {
                buf.clear();
                feature.write_to(&mut buf);
                f(&buf);
            }
        });
    }

    /// The hot path behind [`for_each_feature`](Self::for_each_feature): character bigrams come as
    /// [`Feature::CharPair`], so a caller can look them up by [`Feature::pair_key`] without
    /// building their `[xy]` string.
    ///
    /// Text is processed line by line (lines are paragraphs): the features of a text are exactly
    /// the union of the features of its lines, so a caller may score an article's paragraphs one
    /// by one and add their vectors up to get the article's.
    pub fn for_each_feature_ref(&self, title: &str, text: &str, mut f: impl FnMut(Feature<'_>)) {
        let mut buf = String::new();
        for _ in 0..self.settings.features.title_weight {
            for line in title.split('\n') {
                self.line_features(line, &mut buf, &mut f);
            }
        }
        for line in text.split('\n') {
            self.line_features(line, &mut buf, &mut f);
        }
    }

    fn line_features(&self, line: &str, buf: &mut String, f: &mut impl FnMut(Feature<'_>)) {
        if line.trim().is_empty() {
            return;
        }
        let normalized = self.normalize(line);
        if self.settings.clean.web_boilerplate && crate::clean::is_web_boilerplate(&normalized) {
            return;
        }
        let cut = self.jieba.cut(&normalized, self.settings.segment.hmm);
        self.emit_features(&normalized, &cut, buf, f);
    }

    /// [`for_each_feature`](Self::for_each_feature), collected.
    #[must_use]
    pub fn features(&self, title: &str, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_feature(title, text, |f| out.push(f.to_owned()));
        out
    }

    /// SHA-256 over everything that decides the features: [`PIPELINE_VERSION`], the settings (an
    /// explicit field-by-field encoding), the domain lexicon, the user lexicon, the effective
    /// stopword list (sorted) and the jieba-rs and ferrous-opencc versions. Models store it;
    /// classification refuses a pipeline whose fingerprint differs.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    fn compute_fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        let mut put = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        let flag = |b: bool| [u8::from(b)];
        let s = &self.settings;
        put(b"bulletin-segmenter fingerprint 1");
        put(&PIPELINE_VERSION.to_le_bytes());
        let n = &s.normalize;
        put(&[
            u8::from(n.fullwidth_to_halfwidth),
            u8::from(n.unify_punctuation),
            u8::from(n.traditional_to_simplified),
            u8::from(n.lowercase_ascii),
        ]);
        put(&flag(s.segment.hmm));
        put(&flag(s.segment.domain_lexicon));
        put(&(s.segment.user_lexicon.len() as u64).to_le_bytes());
        for entry in &s.segment.user_lexicon {
            put(entry.word.as_bytes());
            put(&entry.freq.to_le_bytes());
            put(entry.tag.as_deref().map_or(&b"\xFF"[..], str::as_bytes));
        }
        put(&flag(s.stopwords.builtin));
        for list in [&s.stopwords.extra, &s.stopwords.keep] {
            put(&(list.len() as u64).to_le_bytes());
            for w in list {
                put(w.as_bytes());
            }
        }
        let FeatureSettings { word_unigrams, word_bigrams, char_bigrams, number_classes, min_token_chars, title_weight, .. } = s.features;
        put(&[u8::from(word_unigrams), u8::from(word_bigrams), u8::from(char_bigrams), u8::from(number_classes)]);
        put(&(min_token_chars as u64).to_le_bytes());
        put(&title_weight.to_le_bytes());
        // Settings added after the first models were trained are hashed only when they differ
        // from what those models did, so their fingerprints still reproduce.
        if s.clean.web_boilerplate {
            put(b"clean: web boilerplate");
        }
        if s.features.lead_weight != FeatureSettings::no_lead_weight() {
            put(b"lead weight");
            put(&s.features.lead_weight.to_le_bytes());
        }
        if let Some(vote) = s.features.article_vote {
            put(b"article vote");
            put(&vote.weight.to_le_bytes());
            put(&vote.fallback_bias_percent.to_le_bytes());
        }
        put(DOMAIN_LEXICON.as_bytes());
        put(&(self.stopword_list.len() as u64).to_le_bytes());
        for w in &self.stopword_list {
            put(w.as_bytes());
        }
        put(JIEBA_VERSION.as_bytes());
        put(OPENCC_VERSION.as_bytes());
        h.finalize().into()
    }

    /// Walks the tokens and reports which yield word features (words or number classes).
    fn word_events<'t>(&self, tokens: &[jieba_rs::Token<'t>], mut on: impl FnMut(Event<'t>)) {
        let fs = &self.settings.features;
        let mut i = 0;
        while let Some(token) = tokens.get(i) {
            let word = token.word;
            if is_punctuation(word) {
                on(Event::Break);
                i += 1;
            } else if fs.number_classes && is_number(word) {
                let (class, consumed) = number_class(tokens, i);
                on(Event::Word(i, class));
                i += consumed;
            } else {
                if long_enough(word, fs.min_token_chars) && !self.stopwords.contains(word) {
                    on(Event::Word(i, word));
                }
                i += 1;
            }
        }
    }

    fn emit_features(&self, normalized: &str, tokens: &[jieba_rs::Token<'_>], buf: &mut String, f: &mut impl FnMut(Feature<'_>)) {
        let fs = &self.settings.features;
        if fs.word_unigrams || fs.word_bigrams {
            let mut previous: Option<&str> = None;
            self.word_events(tokens, |event| match event {
                Event::Word(_, word) => {
                    if fs.word_unigrams {
                        f(Feature::Text(word));
                    }
                    if fs.word_bigrams {
                        if let Some(prev) = previous {
                            buf.clear();
                            buf.push_str(prev);
                            buf.push(' ');
                            buf.push_str(word);
                            f(Feature::Text(buf));
                        }
                        previous = Some(word);
                    }
                }
                Event::Break => previous = None,
            });
        }
        if fs.char_bigrams {
            let mut prev: Option<char> = None;
            for c in normalized.chars() {
                if is_cjk(c) {
                    if let Some(p) = prev {
                        f(Feature::CharPair(p, c));
                    }
                    prev = Some(c);
                } else {
                    prev = None;
                }
            }
        }
    }
}

/// One feature, as [`Pipeline::for_each_feature_ref`] emits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature<'a> {
    /// A word, a word bigram (`a b`) or a number class (`<MONEY>`), as its canonical string.
    Text(&'a str),
    /// Two adjacent CJK characters; canonical string `[xy]`.
    CharPair(char, char),
}

impl Feature<'_> {
    /// Appends the canonical string (`招商引资`, `[招商]`).
    pub fn write_to(&self, buf: &mut String) {
        match *self {
            Self::Text(t) => buf.push_str(t),
            Self::CharPair(a, b) => {
                buf.push('[');
                buf.push(a);
                buf.push(b);
                buf.push(']');
            }
        }
    }

    /// A collision-free 32-bit key for a pair of BMP characters, 16 bits each; `None` outside
    /// the BMP. Every [`Feature::CharPair`] the pipeline emits is a pair of CJK ideographs, all
    /// in the BMP, so none is without a key.
    #[must_use]
    #[inline]
    pub fn pair_key(a: char, b: char) -> Option<u32> {
        let (a, b) = (u32::from(a), u32::from(b));
        ((a | b) <= 0xFFFF).then_some((a << 16) | b)
    }

    /// The pair of a canonical `[xy]` string, if it is one.
    #[must_use]
    pub fn parse_pair(s: &str) -> Option<(char, char)> {
        let mut chars = s.strip_prefix('[')?.strip_suffix(']')?.chars();
        let (a, b) = (chars.next()?, chars.next()?);
        (chars.next().is_none() && is_cjk(a) && is_cjk(b)).then_some((a, b))
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::default_pipeline()
    }
}

/// A CJK ideograph (URO, extension A, compatibility ideographs): the characters of words,
/// character pairs and reporter names.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Punctuation or whitespace: no letter, digit or ideograph.
fn is_punctuation(word: &str) -> bool {
    !word.chars().any(is_word_char)
}

/// `char::is_alphanumeric`, answered without Unicode tables for the characters bulletins are
/// made of: ASCII, CJK ideographs and CJK, general and full-width punctuation.
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if is_cjk(c) {
        return true;
    }
    if is_common_punctuation(c) {
        return false;
    }
    c.is_alphanumeric()
}

/// Non-ASCII punctuation, spaces and symbols common in Chinese text, none alphanumeric: general
/// punctuation (`—…“”‘’`), the CJK symbols block minus its letters and numerals (`、。《》【】`),
/// and the full-width punctuation forms (`，：；！？（）`).
fn is_common_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{2000}'..='\u{206F}'
            | '\u{3000}'..='\u{3004}'
            | '\u{3008}'..='\u{3020}'
            | '\u{3030}'
            | '\u{303D}'..='\u{303F}'
            | '\u{FF01}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}'
            | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF65}'
    )
}

fn long_enough(word: &str, min_chars: usize) -> bool {
    min_chars == 0 || word.len() >= min_chars * 4 || word.chars().nth(min_chars - 1).is_some()
}

/// A numeric token as jieba cuts it: `2023`, `11.7`, `22.8%`, `1,200`, `1-2`.
fn is_number(word: &str) -> bool {
    word.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && word.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'%' | b'-'))
}

/// A year, or a range of years: `2023`, `2023-2025` (1900–2099).
fn is_year(word: &str) -> bool {
    word.split('-').all(|part| part.len() == 4 && part.parse::<u16>().is_ok_and(|y| (1900..=2099).contains(&y)))
}

/// The class of the number at `i` and how many tokens (number and unit) it takes.
fn number_class(tokens: &[jieba_rs::Token<'_>], i: usize) -> (&'static str, usize) {
    let word = tokens.get(i).map_or("", |t| t.word);
    let next = |k: usize| tokens.get(i + k).map_or("", |t| t.word);
    if word.ends_with('%') {
        return (PCT, 1);
    }
    match next(1) {
        "%" | "个百分点" | "百分点" => (PCT, 2),
        "个" if next(2) == "百分点" => (PCT, 3),
        "年" if is_year(word) => (YEAR, 2),
        "月" | "日" => (DATE, 2),
        "元" | "万元" | "亿元" | "千元" | "千万元" | "百万元" | "万亿元" | "美元" | "万美元" | "亿美元" => {
            (MONEY, 2)
        }
        "万" | "亿" | "千万" | "百万" | "万亿" if matches!(next(2), "元" | "美元") => (MONEY, 3),
        "万" | "亿" | "千万" | "百万" | "万亿" => (NUM, 2),
        unit if unit.starts_with('年') && is_year(word) => (YEAR, 1),
        unit if unit.starts_with('月') => (DATE, 1),
        _ => (NUM, 1),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use bulletin_core::LexiconEntry;
    use expect_test::expect;
    use proptest::prelude::*;

    use super::*;

    /// Word unigrams and number classes only, whatever the defaults say.
    fn words_only() -> PipelineSettings {
        let mut settings = PipelineSettings::default();
        settings.features.word_unigrams = true;
        settings.features.word_bigrams = false;
        settings.features.char_bigrams = false;
        settings.features.number_classes = true;
        settings.features.min_token_chars = 2;
        settings.features.title_weight = 1;
        settings.features.lead_weight = 1;
        settings.features.article_vote = None;
        settings.clean = bulletin_core::CleanSettings::off();
        settings
    }

    static DEFAULT: LazyLock<Pipeline> = LazyLock::new(|| Pipeline::new(&words_only()).unwrap());
    static ALL_FEATURES: LazyLock<Pipeline> = LazyLock::new(|| {
        let mut settings = words_only();
        settings.features.word_bigrams = true;
        settings.features.char_bigrams = true;
        Pipeline::new(&settings).unwrap()
    });

    /// Tokens separated by `|`, features marked with `*`.
    fn cut(text: &str) -> String {
        let analysis = DEFAULT.analyze(text);
        analysis.tokens.iter().map(|t| if t.is_feature { format!("{}*", t.text) } else { t.text.clone() }).collect::<Vec<_>>().join("|")
    }

    fn features(text: &str) -> String {
        DEFAULT.features("", text).join(" ")
    }

    #[test]
    fn domain_terms_stay_whole() {
        expect!["高新技术企业*|认定*"].assert_eq(&cut("高新技术企业认定"));
        expect!["招商引资*|工作|获得*|开门红*"].assert_eq(&cut("招商引资工作获得开门红"));
        expect!["本报讯|(|记者| |张三*|)| |高新区*|管委会*|召开*|招商引资*|推介会*"]
            .assert_eq(&cut("本报讯(记者 张三) 高新区管委会召开招商引资推介会"));
        expect!["科技型中小企业*|申报*|知识产权质押*|融资*|和|研发费用加计扣除*|政策*|落地*"]
            .assert_eq(&cut("科技型中小企业申报知识产权质押融资和研发费用加计扣除政策落地"));
        expect!["专精特新*|“|小巨人*|”|企业*|、|瞪羚企业*|获|投贷联动*|支持*"]
            .assert_eq(&cut("专精特新“小巨人”企业、瞪羚企业获投贷联动支持"));
    }

    #[test]
    fn traditional_and_fullwidth_input_give_the_same_features() {
        assert_eq!(features("高新區管委會召開招商引資推介會"), features("高新区管委会召开招商引资推介会"));
        expect!["高新区 管委会 召开 招商引资 推介会"].assert_eq(&features("高新區管委會召開招商引資推介會"));
        assert_eq!(features("ＧＤＰ增长２２．８％"), features("GDP增长22.8%"));
        expect!["gdp 增长 <PCT>"].assert_eq(&features("ＧＤＰ增长２２．８％"));
    }

    #[test]
    fn number_classes() {
        expect!["<YEAR> 全区 营收 <MONEY> 增长 <PCT> 投资 <MONEY> 提高 <PCT> <DATE> <DATE> <NUM> 项目"]
            .assert_eq(&features("2023年全区营收16万元，增长22.8%，投资11.7亿元，提高3个百分点。3月15日，共5个项目"));
        expect!["<DATE> 产值 <NUM> 人民币 <MONEY> <YEAR> 年底"].assert_eq(&features("1-2月产值3万，人民币5万元，2025年底"));
        let mut settings = words_only();
        settings.features.number_classes = false;
        let literal = Pipeline::new(&settings).unwrap();
        expect!["2023 营收 22.8%"].assert_eq(&literal.features("", "2023年营收22.8%").join(" "));
    }

    #[test]
    fn stopwords_punctuation_and_short_words_are_not_features() {
        let f = DEFAULT.features("", "本报讯 近日，记者从高新区获悉，相关工作进一步开展。");
        assert_eq!(f, ["高新区"]);
        let mut settings = words_only();
        settings.stopwords.keep = vec!["记者".into()];
        settings.stopwords.extra = vec!["高新区".into()];
        let adjusted = Pipeline::new(&settings).unwrap();
        assert_eq!(adjusted.features("", "记者从高新区获悉"), ["记者"]);
        assert!(adjusted.is_stopword("高新区") && !adjusted.is_stopword("记者"));
    }

    #[test]
    fn titles_bigrams_and_char_bigrams() {
        let mut settings = words_only();
        settings.features.word_bigrams = true;
        settings.features.char_bigrams = true;
        settings.features.title_weight = 2;
        let p = Pipeline::new(&settings).unwrap();
        expect!["招商引资 [招商] [商引] [引资] 招商引资 [招商] [商引] [引资] 签约项目 落地 签约项目 落地 项目 开工 项目 开工 [签约] [约项] [项目] [目落] [落地] [项目] [目开] [开工]"]
            .assert_eq(&p.features("招商引资", "签约项目落地，项目开工").join(" "));
    }

    #[test]
    fn user_lexicon_keeps_a_made_up_compound_whole() {
        let text = "星舟智链平台上线";
        assert!(!DEFAULT.features("", text).iter().any(|f| f == "星舟智链"));
        let mut settings = words_only();
        settings.segment.user_lexicon = vec![LexiconEntry { word: "星舟智链".into(), freq: 30_000, tag: Some("nz".into()) }];
        let p = Pipeline::new(&settings).unwrap();
        assert_eq!(p.features("", text)[0], "星舟智链");
        assert_ne!(p.fingerprint(), DEFAULT.fingerprint());

        settings.segment.user_lexicon =
            vec![LexiconEntry { word: "甲乙".into(), freq: 1, tag: None }, LexiconEntry { word: "丙丁".into(), freq: 0, tag: None }];
        let err = Pipeline::new(&settings).unwrap_err();
        assert!(matches!(err, SegmenterError::Lexicon { line: 2, reason: LexiconProblem::ZeroFrequency }), "{err}");
    }

    #[test]
    fn fingerprint_covers_settings_and_stopwords() {
        let base = DEFAULT.fingerprint();
        assert_eq!(base, Pipeline::new(&words_only()).unwrap().fingerprint());
        let changed = |edit: fn(&mut PipelineSettings)| {
            let mut settings = words_only();
            edit(&mut settings);
            Pipeline::new(&settings).unwrap().fingerprint()
        };
        let variants = [
            changed(|s| s.stopwords.extra.push("园区".into())),
            changed(|s| s.stopwords.keep.push("记者".into())),
            changed(|s| s.features.min_token_chars = 1),
            changed(|s| s.features.title_weight = 2),
            changed(|s| s.features.lead_weight = 3),
            changed(|s| s.features.article_vote = Some(bulletin_core::ArticleVote::default())),
            changed(|s| s.features.article_vote = Some(bulletin_core::ArticleVote::new(1000, 30))),
            changed(|s| s.clean.web_boilerplate = true),
            changed(|s| s.segment.hmm = false),
            changed(|s| s.normalize.lowercase_ascii = false),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(*v, base, "variant {i}");
        }
        // Keeping a word that is not a stopword changes the settings but not the list: still a
        // different fingerprint, because the settings are hashed too.
        assert_ne!(changed(|s| s.stopwords.keep.push("不存在的词".into())), base);
    }

    /// The field names of a `Debug` dump, values blanked (defaults may change; fields must not
    /// appear unnoticed).
    fn shape(debug: &str) -> String {
        let mut out = String::new();
        let mut in_value = false;
        for c in debug.chars() {
            match c {
                ':' => {
                    in_value = true;
                    out.push(c);
                }
                ',' | '{' | '}' | '[' | ']' => {
                    in_value = false;
                    out.push(c);
                }
                _ if in_value && !c.is_whitespace() => {}
                _ => out.push(c),
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn fingerprint_encoding_knows_every_setting() {
        // If bulletin-core adds a setting, this fails: add the field to `compute_fingerprint`, then
        // update the snapshot.
        expect!["PipelineSettings { normalize: { fullwidth_to_halfwidth: , unify_punctuation: , traditional_to_simplified: , lowercase_ascii: }, segment: { hmm: , domain_lexicon: , user_lexicon: [] }, stopwords: { builtin: , extra: [], keep: [] }, features: { word_unigrams: , word_bigrams: , char_bigrams: , number_classes: , min_token_chars: , title_weight: , lead_weight: , article_vote: { weight: , fallback_bias_percent: }) }, clean: { web_boilerplate: } }"]
            .assert_eq(&shape(&format!("{:?}", PipelineSettings::default())));
    }

    #[test]
    fn web_boilerplate_lines_yield_no_features_when_cleaning_is_on() {
        let page = "首頁 >> 新聞中心 >> 招商動態\n發佈時間：2023-06-14　瀏覽次數：1276\n签约项目落地\n【打印本页】【关闭窗口】";
        let mut settings = words_only();
        settings.clean.web_boilerplate = true;
        let clean = Pipeline::new(&settings).unwrap();
        assert_eq!(clean.features("", page), ["签约项目", "落地"]);
        // The title is cleaned like any line; off, every line counts.
        assert!(clean.features("首页 > 新闻中心", "").is_empty());
        let mut off = settings.clone();
        off.clean.web_boilerplate = false;
        expect!["首页 新闻 中心 招商 动态 发布 时间 <NUM> 浏览 次数 <NUM> 签约项目 落地 打印 本页 关闭 窗口"]
            .assert_eq(&Pipeline::new(&off).unwrap().features("", page).join(" "));
        let analysis = clean.analyze(page);
        let features: Vec<&str> = analysis.tokens.iter().filter(|t| t.is_feature).map(|t| t.text.as_str()).collect();
        assert_eq!(features, ["签约项目", "落地"]);
        assert_ne!(clean.fingerprint(), DEFAULT.fingerprint());
    }

    #[test]
    fn settings_of_older_models_read_new_steps_as_off() {
        // The settings JSON of a model trained before cleaning existed has no `clean` field.
        let mut json: serde_json::Value = serde_json::to_value(PipelineSettings::default()).unwrap();
        json.as_object_mut().unwrap().remove("clean");
        json["features"].as_object_mut().unwrap().remove("lead_weight");
        json["features"].as_object_mut().unwrap().remove("article_vote");
        let old: PipelineSettings = serde_json::from_value(json).unwrap();
        assert!(!old.clean.web_boilerplate);
        assert_eq!(old.features.lead_weight, 1);
        assert_eq!(old.features.article_vote, None);
        assert!(PipelineSettings::default().features.article_vote.is_some(), "new models vote");
        assert!(PipelineSettings::default().clean.web_boilerplate, "new models clean");
        // And their fingerprint is what it was: settings off hash nothing new.
        let mut off = words_only();
        off.clean = bulletin_core::CleanSettings::off();
        off.features.lead_weight = FeatureSettings::no_lead_weight();
        off.features.article_vote = FeatureSettings::no_article_vote();
        assert_eq!(Pipeline::new(&off).unwrap().fingerprint(), DEFAULT.fingerprint());
    }

    #[test]
    fn analysis_offsets_point_into_the_normalised_text() {
        let a = DEFAULT.analyze("高新區ＧＤＰ增長２２．８％");
        assert_eq!(a.normalized, "高新区gdp增长22.8%");
        let t = &a.tokens[1];
        assert_eq!((t.text.as_str(), t.start, t.end, t.byte_start, t.byte_end), ("gdp", 3, 6, 9, 12));
    }

    proptest! {
        #[test]
        fn tokens_cover_the_normalised_text(text in "[\u{4E00}-\u{4E30}a-zＡ-Ｚ0-9０-９。，、 \n\r%.「」高新區企業]{0,60}") {
            let a = DEFAULT.analyze(&text);
            let mut chars = 0;
            let mut bytes = 0;
            let mut joined = String::new();
            for t in &a.tokens {
                prop_assert_eq!((t.start, t.byte_start), (chars, bytes));
                prop_assert!(t.end > t.start);
                prop_assert_eq!(a.normalized.get(t.byte_start..t.byte_end), Some(t.text.as_str()));
                chars = t.end;
                bytes = t.byte_end;
                joined.push_str(&t.text);
            }
            prop_assert_eq!(chars, a.normalized.chars().count());
            prop_assert_eq!(joined, a.normalized);
        }

        #[test]
        fn features_never_panic_and_are_never_blank(text in "\\PC{0,80}") {
            ALL_FEATURES.for_each_feature(&text, &text, |f| assert!(!f.trim().is_empty()));
        }

        /// The Tagger scores an article's paragraphs one by one and adds their vectors up: that is
        /// only exact if a text's features are the union of its lines' features.
        #[test]
        fn features_are_additive_over_lines(lines in proptest::collection::vec("[高新区招商引资签约项目贷款2023年亿元，。 a-z]{0,20}", 0..5)) {
            let text = lines.join("\n");
            let mut whole = ALL_FEATURES.features("园区快讯", &text);
            let mut parts = ALL_FEATURES.features("园区快讯", "");
            for line in &lines {
                parts.extend(ALL_FEATURES.features("", line));
            }
            whole.sort();
            parts.sort();
            prop_assert_eq!(whole, parts);
        }

        /// Training featurises trimmed paragraphs once for both the paragraph and its article,
        /// which reads them untrimmed: whitespace around a line must change no feature.
        #[test]
        fn features_ignore_whitespace_around_a_line(
            before in "[ \t\r\u{3000}]{0,3}",
            line in "[高新区招商引资签约项目贷款2023年亿元万%，。 a-z0-9]{0,20}",
            after in "[ \t\r\u{3000}]{0,3}",
        ) {
            let padded = format!("{before}{line}{after}");
            prop_assert_eq!(ALL_FEATURES.features("", &padded), ALL_FEATURES.features("", padded.trim()));
        }
    }

    #[test]
    fn the_word_char_shortcuts_agree_with_unicode() {
        for c in (0..=0x1_0000).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric() || is_cjk(c), "U+{:04X}", u32::from(c));
        }
        assert!(is_punctuation("，") && is_punctuation("……") && is_punctuation(" \u{3000}"));
        assert!(!is_punctuation("々") && !is_punctuation("〇") && !is_punctuation("a。"));
    }

    #[test]
    fn char_pairs_have_a_canonical_string_and_key() {
        let mut buf = String::new();
        Feature::CharPair('招', '商').write_to(&mut buf);
        assert_eq!(buf, "[招商]");
        assert_eq!(Feature::parse_pair(&buf), Some(('招', '商')));
        assert_eq!(Feature::parse_pair("[招商引]"), None);
        assert_eq!(Feature::parse_pair("[ab]"), None);
        assert_ne!(Feature::pair_key('招', '商'), Feature::pair_key('商', '招'));
        let mut pairs = Vec::new();
        ALL_FEATURES.for_each_feature_ref("", "招商引资", |f| {
            if let Feature::CharPair(a, b) = f {
                pairs.push((a, b));
            }
        });
        assert_eq!(pairs, [('招', '商'), ('商', '引'), ('引', '资')]);
    }
}
