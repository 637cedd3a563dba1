//! Soundness of the labelled corpus under `data/`.
//!
//! The corpus is read straight from disk (not through the binary):
//!
//! - `data/train/*.jsonl` and `data/test/*.jsonl` hold article records
//!   (`{"id","batch","form","zone","title","text","labels","paragraph_labels"}`, optional `script`);
//! - `data/test/paragraphs*.jsonl` hold single paragraphs (`{"id","batch","form","zone","text","labels"}`);
//! - `data/field/articles.jsonl` and `data/field/paragraphs.jsonl` are the field batch, a third split
//!   written by other writers from the brief alone;
//! - corpus-v2 records (the field batch and every training batch after [`LEGACY_BATCHES`]) also carry
//!   `noise` (`clean`/`web`) and `topic` (a sub-topic code of `data/COVERAGE.md`), and may carry
//!   `region` (`tw`/`hk`);
//! - `data/themes.toml` is the taxonomy, `data/allowed_phrases.txt` the phrases that may recur,
//!   `data/allowed_boilerplate.txt` web boilerplate that may recur in records marked `web`.
//!
//! Each check is a small function returning the problems it found as `file:line: id: …` lines, so the
//! tests only assert that the lists are empty, and `checker_catches_planted_problems` proves on a
//! synthetic corpus that the checks do report what they are meant to catch. The schema is written
//! down in `data/GUIDELINES.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use bulletin_core::{ParagraphRecord, Record, Taxonomy};
use serde_json::{Map, Value};

/// The forms a record may name (`data/COVERAGE.md` section 8).
const FORMS: [&str; 13] = [
    "news",
    "webnews",
    "feature",
    "brief",
    "headline",
    "caption",
    "notice",
    "policy",
    "report",
    "statistics",
    "yearbook",
    "workreport",
    "interview",
];
/// Training batches written before corpus v2: they carry neither `noise` nor `topic`.
const LEGACY_BATCHES: [&str; 5] = ["train-a", "train-b", "train-c", "train-d", "train-e"];
/// The fallback label, which never goes with another one.
const OTHER: &str = "other";
/// Character n-gram length of the train/test near-duplicate check.
const GRAM: usize = 8;
/// A train/test pair with at least this Jaccard similarity of their n-gram sets is a near-duplicate.
const MAX_JACCARD: f64 = 0.5;
/// Length of the runs that the templating check counts.
const RUN: usize = 15;
/// A run may occur in at most this many records.
const MAX_RUN_RECORDS: usize = 5;
/// How many problems a failing test shows.
const SHOWN: usize = 20;

/// Which side of the train/test split a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    Train,
    Test,
    Field,
}

/// Whether a line holds a whole article or a single paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Article,
    Paragraph,
}

/// One corpus line, parsed through the `bulletin-core` record types.
#[derive(Debug)]
struct Entry {
    /// `data/train/train-a.jsonl:12`.
    loc: String,
    split: Split,
    kind: Kind,
    /// Required keys the line lacks.
    missing: Vec<&'static str>,
    id: String,
    batch: String,
    form: String,
    zone: String,
    script: Option<String>,
    noise: Option<String>,
    topic: Option<String>,
    region: Option<String>,
    title: String,
    text: String,
    labels: Vec<String>,
    /// Paragraphs as counted by [`Record::paragraphs`] (non-empty lines for paragraph records).
    paragraphs: usize,
    paragraph_labels: Option<Vec<Vec<String>>>,
}

impl Entry {
    /// `file:line: id` for messages.
    fn name(&self) -> String {
        format!("{}: {}", self.loc, self.id)
    }

    fn is_web(&self) -> bool {
        self.noise.as_deref() == Some("web")
    }

    /// Title and text with all whitespace removed, the unit of the overlap checks.
    fn squeezed(&self) -> Vec<char> {
        self.title.chars().chain(self.text.chars()).filter(|c| !c.is_whitespace()).collect()
    }
}

/// The corpus as found on disk, loaded once for all tests.
struct Corpus {
    entries: Vec<Entry>,
    load_problems: Vec<String>,
    taxonomy: Taxonomy,
    allowed: Vec<String>,
    boilerplate: Vec<String>,
    /// Sub-topic codes of `data/COVERAGE.md` and the theme each belongs to.
    topics: BTreeMap<String, &'static str>,
}

static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let data = data_dir();
    let themes = fs::read_to_string(data.join("themes.toml")).expect("read data/themes.toml");
    let taxonomy = Taxonomy::from_toml(&themes).expect("data/themes.toml is a valid taxonomy");
    let allowed = fs::read_to_string(data.join("allowed_phrases.txt")).expect("read data/allowed_phrases.txt");
    let boilerplate = fs::read_to_string(data.join("allowed_boilerplate.txt")).expect("read data/allowed_boilerplate.txt");
    let coverage = fs::read_to_string(data.join("COVERAGE.md")).expect("read data/COVERAGE.md");
    let (entries, load_problems) = load_records(&data);
    Corpus {
        entries,
        load_problems,
        taxonomy,
        allowed: parse_allowed(&allowed),
        boilerplate: parse_allowed(&boilerplate),
        topics: parse_topics(&coverage),
    }
});

/// The sub-topic codes of COVERAGE.md's tables (`| I-05 | …`), with their themes: `I` investment,
/// `H` hightech, `F` financing, `T` transfer, `OE`/`ON` other.
fn parse_topics(coverage: &str) -> BTreeMap<String, &'static str> {
    coverage
        .lines()
        .filter_map(|line| {
            let code = line.strip_prefix("| ")?.split(" |").next()?.trim();
            let (prefix, number) = code.split_once('-')?;
            let theme = match prefix {
                "I" => "investment",
                "H" => "hightech",
                "F" => "financing",
                "T" => "transfer",
                "OE" | "ON" => OTHER,
                _ => return None,
            };
            (number.len() == 2 && number.bytes().all(|b| b.is_ascii_digit())).then(|| (code.to_owned(), theme))
        })
        .collect()
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The `.jsonl` files of a directory, sorted by name.
fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    files
}

/// Reads every corpus file; lines that cannot be parsed become problems instead of entries.
fn load_records(data: &Path) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (split, dir) in [(Split::Train, "train"), (Split::Test, "test"), (Split::Field, "field")] {
        for path in jsonl_files(&data.join(dir)) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let kind = if name.starts_with("paragraphs") { Kind::Paragraph } else { Kind::Article };
            let content = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            for (number, line) in content.lines().enumerate() {
                let loc = format!("data/{dir}/{name}:{}", number + 1);
                if line.trim().is_empty() {
                    problems.push(format!("{loc}: blank line"));
                    continue;
                }
                match parse_line(loc, split, kind, line) {
                    Ok(entry) => entries.push(entry),
                    Err(problem) => problems.push(problem),
                }
            }
        }
    }
    (entries, problems)
}

/// Parses one line with [`Record`] or [`ParagraphRecord`], keeping note of missing keys.
fn parse_line(loc: String, split: Split, kind: Kind, line: &str) -> Result<Entry, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("{loc}: invalid JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err(format!("{loc}: not a JSON object"));
    };
    let string = |key: &str| string_field(object, key).map_err(|e| format!("{loc}: {e}"));
    let (batch, zone, form, script) = (string("batch")?, string("zone")?, string("form")?, string("script")?);
    let (noise, topic, region) = (string("noise")?, string("topic")?, string("region")?);
    let v2 = split == Split::Field || (split == Split::Train && !batch.as_deref().is_some_and(|b| LEGACY_BATCHES.contains(&b)));
    let required: &[&'static str] = match (kind, v2) {
        (Kind::Article, false) => &["id", "batch", "form", "zone", "title", "text", "labels", "paragraph_labels"],
        (Kind::Article, true) => &["id", "batch", "form", "zone", "title", "text", "labels", "paragraph_labels", "noise", "topic"],
        (Kind::Paragraph, false) => &["id", "batch", "form", "zone", "text", "labels"],
        (Kind::Paragraph, true) => &["id", "batch", "form", "zone", "text", "labels", "noise"],
    };
    let missing = required.iter().copied().filter(|key| !object.contains_key(*key)).collect();
    let (id, title, text, labels, paragraphs, paragraph_labels) = match kind {
        Kind::Article => {
            let record = Record::from_json(line).map_err(|e| format!("{loc}: not an article record: {e}"))?;
            let paragraphs = record.paragraphs().count();
            (record.id, record.title, record.text, record.labels, paragraphs, record.paragraph_labels)
        }
        Kind::Paragraph => {
            let record: ParagraphRecord =
                serde_json::from_value(value.clone()).map_err(|e| format!("{loc}: not a paragraph record: {e}"))?;
            let paragraphs = record.text.lines().filter(|l| !l.trim().is_empty()).count();
            (record.id, String::new(), record.text, record.labels, paragraphs, None)
        }
    };
    Ok(Entry {
        loc,
        split,
        kind,
        missing,
        id,
        batch: batch.unwrap_or_default(),
        form: form.unwrap_or_default(),
        zone: zone.unwrap_or_default(),
        script,
        noise,
        topic,
        region,
        title,
        text,
        labels,
        paragraphs,
        paragraph_labels,
    })
}

/// An optional string field; present with another type is an error.
fn string_field(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, found {other}")),
    }
}

/// The allow-list: one phrase per line, `#` comments, whitespace ignored.
fn parse_allowed(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|phrase| !phrase.is_empty() && !phrase.starts_with('#'))
        .collect()
}

/// What is wrong with a label list, if anything: empty, repeated, unknown, or `other` with company.
fn label_problem(labels: &[String], taxonomy: &Taxonomy) -> Option<String> {
    if labels.is_empty() {
        return Some("is empty".to_owned());
    }
    if let Some(unknown) = labels.iter().find(|l| taxonomy.get(l).is_none()) {
        return Some(format!("{labels:?} has unknown theme `{unknown}`"));
    }
    if labels.iter().collect::<BTreeSet<_>>().len() != labels.len() {
        return Some(format!("{labels:?} repeats a theme"));
    }
    if labels.len() > 1 && labels.iter().any(|l| l == OTHER) {
        return Some(format!("{labels:?} combines `{OTHER}` with other themes"));
    }
    None
}

/// Schema of each record, and ids unique across the corpus.
fn check_shape(entries: &[Entry], taxonomy: &Taxonomy, topics: &BTreeMap<String, &str>) -> Vec<String> {
    let mut problems: Vec<String> = entries.iter().flat_map(|e| entry_problems(e, taxonomy, topics)).collect();
    let mut first: HashMap<&str, &Entry> = HashMap::new();
    for entry in entries {
        if let Some(earlier) = first.insert(&entry.id, entry) {
            problems.push(format!("{}: duplicate id, first used at {}", entry.name(), earlier.loc));
        }
    }
    problems
}

fn entry_problems(entry: &Entry, taxonomy: &Taxonomy, topics: &BTreeMap<String, &str>) -> Vec<String> {
    let name = entry.name();
    let mut problems = Vec::new();
    if !entry.missing.is_empty() {
        problems.push(format!("{name}: missing {}", entry.missing.join(", ")));
    }
    if entry.id.is_empty() || entry.batch.is_empty() || entry.zone.is_empty() {
        problems.push(format!("{name}: empty id, batch or zone"));
    } else if !id_matches_batch(&entry.id, &entry.batch) {
        problems.push(format!("{name}: id is not `{}-<3 digits>`", entry.batch));
    }
    if !FORMS.contains(&entry.form.as_str()) {
        problems.push(format!("{name}: form `{}` is not one of {FORMS:?}", entry.form));
    }
    if entry.script.as_deref().is_some_and(|s| s != "traditional") {
        problems.push(format!("{name}: script must be `traditional` or absent"));
    }
    if entry.noise.as_deref().is_some_and(|n| n != "clean" && n != "web") {
        problems.push(format!("{name}: noise must be `clean` or `web`"));
    }
    if let Some(region) = entry.region.as_deref() {
        if region != "tw" && region != "hk" {
            problems.push(format!("{name}: region must be `tw`, `hk` or absent"));
        } else if !is_traditional(entry) {
            problems.push(format!("{name}: region `{region}` needs script `traditional`"));
        }
    }
    if let Some(topic) = entry.topic.as_deref() {
        match topics.get(topic) {
            None => problems.push(format!("{name}: topic `{topic}` is not a code of data/COVERAGE.md")),
            Some(theme) if entry.labels.first().is_some_and(|l| l != theme) => {
                problems.push(format!("{name}: topic `{topic}` is a `{theme}` sub-topic but the primary label is `{}`", primary(entry)));
            }
            Some(_) => {}
        }
    }
    if entry.text.trim().is_empty() {
        problems.push(format!("{name}: empty text"));
    }
    if let Some(problem) = label_problem(&entry.labels, taxonomy) {
        problems.push(format!("{name}: labels {problem}"));
    }
    match entry.kind {
        Kind::Article => problems.extend(paragraph_label_problems(entry, taxonomy)),
        Kind::Paragraph if entry.paragraphs > 1 => problems.push(format!("{name}: a paragraph record must be one line")),
        Kind::Paragraph => {}
    }
    problems
}

/// `<batch>-<3 digits>`.
fn id_matches_batch(id: &str, batch: &str) -> bool {
    id.strip_prefix(batch).and_then(|rest| rest.strip_prefix('-')).is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `paragraph_labels` of an article: one valid list per paragraph, covering the article's themes.
fn paragraph_label_problems(entry: &Entry, taxonomy: &Taxonomy) -> Vec<String> {
    let name = entry.name();
    let mut problems = Vec::new();
    if entry.title.starts_with('#') {
        problems.push(format!("{name}: title starts with `#`"));
    }
    let Some(paragraph_labels) = &entry.paragraph_labels else {
        return problems;
    };
    if paragraph_labels.len() != entry.paragraphs {
        problems.push(format!("{name}: {} paragraphs but {} paragraph_labels entries", entry.paragraphs, paragraph_labels.len()));
    }
    for (i, labels) in paragraph_labels.iter().enumerate() {
        if let Some(problem) = label_problem(labels, taxonomy) {
            problems.push(format!("{name}: paragraph_labels[{i}] {problem}"));
        }
    }
    for label in entry.labels.iter().filter(|l| *l != OTHER) {
        if !paragraph_labels.iter().flatten().any(|l| l == label) {
            problems.push(format!("{name}: label `{label}` is not given to any paragraph"));
        }
    }
    problems
}

/// No batch and no zone in two splits (train, test, field).
fn check_independence(entries: &[Entry]) -> Vec<String> {
    let mut problems = on_both_sides(entries, "batch", |e| &e.batch);
    problems.extend(on_both_sides(entries, "zone", |e| &e.zone));
    problems
}

fn split_name(split: usize) -> &'static str {
    ["train", "test", "field"][split]
}

/// Values of `key` found in two splits, with the first record of each.
fn on_both_sides<'a>(entries: &'a [Entry], what: &str, key: impl Fn(&'a Entry) -> &'a str) -> Vec<String> {
    let mut sides: BTreeMap<&str, [Option<&Entry>; 3]> = BTreeMap::new();
    for entry in entries {
        sides.entry(key(entry)).or_default()[entry.split as usize].get_or_insert(entry);
    }
    let mut problems = Vec::new();
    for (value, side) in sides {
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            if let (Some(x), Some(y)) = (side[a], side[b]) {
                problems.push(format!("{what} `{value}` is in {} ({}) and in {} ({})", split_name(a), x.name(), split_name(b), y.name()));
            }
        }
    }
    problems
}

/// Hashes a window of characters (`FxHash` steps, then a `splitmix64` finaliser for well-mixed low bits).
fn hash_window(window: &[char]) -> u64 {
    let h = window.iter().fold(0_u64, |h, &c| (h.rotate_left(5) ^ u64::from(c)).wrapping_mul(0x517c_c1b7_2722_0a95));
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The distinct `n`-character windows of a text, hashed and sorted.
fn window_set(chars: &[char], n: usize) -> Vec<u64> {
    let mut set: Vec<u64> = chars.windows(n).map(hash_window).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// A hasher for keys that already are hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<PreHashed>>;

/// Train/test pairs whose character 8-gram sets have a Jaccard similarity of at least `min`:
/// `(train index, test index, similarity)`. Only pairs sharing an 8-gram are compared, through an
/// inverted index over the test side.
fn similar_pairs(entries: &[Entry], min: f64) -> Vec<(usize, usize, f64)> {
    let grams: Vec<Vec<u64>> = entries.iter().map(|e| window_set(&e.squeezed(), GRAM)).collect();
    // The held-out side: test and field records.
    let tests: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].split != Split::Train).collect();
    let mut postings: HashKeyed<Vec<usize>> = HashKeyed::default();
    for (slot, &t) in tests.iter().enumerate() {
        for &gram in &grams[t] {
            postings.entry(gram).or_default().push(slot);
        }
    }
    let mut shared = vec![0_usize; tests.len()];
    let mut pairs = Vec::new();
    for train in (0..entries.len()).filter(|&i| entries[i].split == Split::Train) {
        shared.fill(0);
        for gram in &grams[train] {
            for &slot in postings.get(gram).into_iter().flatten() {
                shared[slot] += 1;
            }
        }
        for (slot, &both) in shared.iter().enumerate().filter(|(_, both)| **both > 0) {
            let test = tests[slot];
            let union = grams[train].len() + grams[test].len() - both;
            let jaccard = both as f64 / union as f64;
            if jaccard >= min {
                pairs.push((train, test, jaccard));
            }
        }
    }
    pairs
}

/// Near-duplicates across the split.
fn jaccard_pairs(entries: &[Entry]) -> Vec<String> {
    similar_pairs(entries, MAX_JACCARD)
        .into_iter()
        .map(|(train, test, jaccard)| {
            format!(
                "near-duplicate: train {} and {} {} have character {GRAM}-gram Jaccard {jaccard:.2} (limit {MAX_JACCARD})",
                entries[train].name(),
                split_name(entries[test].split as usize),
                entries[test].name()
            )
        })
        .collect()
}

/// Runs of [`RUN`] characters (whitespace removed, over title and text) found in more than
/// [`MAX_RUN_RECORDS`] records. Allowed phrases never count, nor do web boilerplate words in
/// records marked `web`. Overlapping windows shared by the same records are reported
/// once, as one longer run.
fn repeated_runs(entries: &[Entry], allowed: &[String], boilerplate: &[String]) -> Vec<String> {
    // Each allowed phrase, and in records marked `web` each boilerplate word, becomes a character
    // of that record's own (from a private-use plane): the phrase never counts nor joins a shared
    // run, while the text around it (titles in link lists, dates, site names) must still vary.
    let texts: Vec<Vec<char>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mark = char::from_u32(0xF_0000 + u32::try_from(i % 0xFFFD).unwrap_or(0)).unwrap_or('\u{FFFD}').to_string();
            let mut text: String = e.squeezed().into_iter().collect();
            let words = allowed.iter().chain(boilerplate.iter().filter(|_| e.is_web()));
            for word in words {
                text = text.replace(word.as_str(), &mark);
            }
            text.chars().collect()
        })
        .collect();
    let windows: Vec<Vec<u64>> = texts.iter().map(|t| window_set(t, RUN)).collect();
    // window hash → (first record holding it, number of records holding it)
    let mut holders: HashKeyed<(usize, usize)> = HashKeyed::default();
    for (record, set) in windows.iter().enumerate() {
        for &window in set {
            holders.entry(window).or_insert((record, 0)).1 += 1;
        }
    }
    let is_allowed = |window: &[char]| {
        let window: String = window.iter().collect();
        allowed.iter().any(|phrase| window.contains(phrase.as_str()))
    };
    // A window to report: over the limit, first seen in `record`, not allowed.
    let offending = |record: usize, window: &[char]| {
        let (first, count) = holders[&hash_window(window)];
        (first == record && count > MAX_RUN_RECORDS && !is_allowed(window)).then_some(count)
    };
    let mut problems = Vec::new();
    for (record, text) in texts.iter().enumerate() {
        let mut start = 0;
        while start + RUN <= text.len() {
            let Some(count) = offending(record, &text[start..start + RUN]) else {
                start += 1;
                continue;
            };
            let mut end = start + RUN;
            while end < text.len() && offending(record, &text[end + 1 - RUN..=end]) == Some(count) {
                end += 1;
            }
            let hash = hash_window(&text[start..start + RUN]);
            let names: Vec<String> =
                (0..entries.len()).filter(|&r| windows[r].binary_search(&hash).is_ok()).take(6).map(|r| entries[r].name()).collect();
            let more = if count > names.len() { ", …" } else { "" };
            let run: String = text[start..end].iter().collect();
            problems.push(format!("{count} records share «{run}»: {}{more}", names.join("; ")));
            start = end + 1 - RUN;
        }
    }
    problems
}

/// Adds a problem when `have < min`.
fn at_least(problems: &mut Vec<String>, what: &str, have: usize, min: usize) {
    if have < min {
        problems.push(format!("{what}: {have}, need at least {min}"));
    }
}

fn is_mixed(entry: &Entry) -> bool {
    entry.labels.len() > 1
}

fn is_traditional(entry: &Entry) -> bool {
    entry.script.as_deref() == Some("traditional")
}

fn primary(entry: &Entry) -> &str {
    entry.labels.first().map_or("", String::as_str)
}

fn is_web(entry: &Entry) -> bool {
    entry.is_web()
}

fn is_economic_negative(entry: &Entry) -> bool {
    entry.topic.as_deref().is_some_and(|t| t.starts_with("OE-"))
}

/// Forms of yearbooks, reports and policies.
fn is_official(entry: &Entry) -> bool {
    ["yearbook", "workreport", "report", "statistics", "policy"].contains(&entry.form.as_str())
}

/// The sizes corpus v2 asks for (issue: "Corpus v2 and a model that beats the peer").
fn minimum_sizes(entries: &[Entry], topics: &BTreeMap<String, &str>) -> Vec<String> {
    let articles = |split| entries.iter().filter(move |e| e.split == split && e.kind == Kind::Article);
    let train: Vec<&Entry> = articles(Split::Train).collect();
    let test: Vec<&Entry> = articles(Split::Test).collect();
    let field: Vec<&Entry> = articles(Split::Field).collect();
    let paragraphs = |split| entries.iter().filter(|e| e.split == split && e.kind == Kind::Paragraph).count();
    let count = |set: &[&Entry], f: fn(&Entry) -> bool| set.iter().filter(|e| f(e)).count();
    let mut problems = Vec::new();
    let p = &mut problems;
    for (theme, min) in [("investment", 25), ("hightech", 25), ("financing", 25), ("transfer", 25), (OTHER, 50)] {
        at_least(p, &format!("COVERAGE.md sub-topics of `{theme}`"), topics.values().filter(|t| **t == theme).count(), min);
    }
    at_least(p, "training articles", train.len(), 2500);
    for (theme, min) in [("investment", 300), ("hightech", 300), ("financing", 300), ("transfer", 300), (OTHER, 800)] {
        let have = train.iter().filter(|e| primary(e) == theme).count();
        at_least(p, &format!("training articles with primary label `{theme}`"), have, min);
    }
    at_least(p, "economic hard negatives (OE-) in training", count(&train, is_economic_negative), 400);
    at_least(p, "mixed-label training articles", count(&train, is_mixed), 250);
    at_least(p, "traditional-character training records", count(&train, is_traditional), 250);
    at_least(p, "Taiwan/Hong Kong vocabulary training records", train.iter().filter(|e| e.region.is_some()).count(), 125);
    at_least(p, "training records with web noise", count(&train, is_web), 200);
    at_least(p, "training records in yearbook, report or policy forms", count(&train, is_official), 150);
    at_least(p, "training articles with paragraph labels", train.iter().filter(|e| e.paragraph_labels.is_some()).count(), train.len());
    // Real pages (work reports above all) have paragraphs that cover two themes; a corpus without
    // them taught the model that a paragraph is always about one theme, surely (session 7: 3 of
    // 10,954 training paragraphs had two labels, 68 of the 840 field paragraphs).
    let two_label_paragraphs = train.iter().flat_map(|e| e.paragraph_labels.iter().flatten()).filter(|l| l.len() > 1).count();
    at_least(p, "training paragraphs with two labels", two_label_paragraphs, 150);
    at_least(p, "test articles", test.len(), 150);
    at_least(p, "mixed-label test articles", count(&test, is_mixed), 30);
    at_least(p, "traditional-character test articles", count(&test, is_traditional), 15);
    at_least(p, "test paragraphs", paragraphs(Split::Test), 300);
    at_least(p, "field articles", field.len(), 400);
    at_least(p, "field paragraphs", paragraphs(Split::Field), 800);
    // Shares in per cent of the field articles.
    at_least(
        p,
        "economic hard negatives in the field batch (% of articles)",
        100 * count(&field, is_economic_negative) / field.len().max(1),
        30,
    );
    at_least(p, "mixed articles in the field batch (% of articles)", 100 * count(&field, is_mixed) / field.len().max(1), 20);
    at_least(p, "distinct zones", entries.iter().map(|e| &e.zone).collect::<BTreeSet<_>>().len(), 60);
    for year in 2018..=2026 {
        let year = year.to_string();
        if !entries.iter().any(|e| e.text.contains(&year) || e.title.contains(&year)) {
            problems.push(format!("no record mentions the year {year}"));
        }
    }
    problems
}

/// Counts per primary theme and form, mixed, traditional, zones and average length of a subset.
fn summary(what: &str, entries: &[&Entry]) -> String {
    let mut themes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in entries {
        *themes.entry(primary(entry)).or_default() += 1;
        *forms.entry(&entry.form).or_default() += 1;
    }
    let zones = entries.iter().map(|e| &e.zone).collect::<BTreeSet<_>>().len();
    let chars: usize = entries.iter().map(|e| e.text.chars().count()).sum();
    format!(
        "{what}: {} records, primary {themes:?}, forms {forms:?}, mixed {}, traditional {}, zones {zones}, average text {:.0} chars",
        entries.len(),
        entries.iter().filter(|e| is_mixed(e)).count(),
        entries.iter().filter(|e| is_traditional(e)).count(),
        chars as f64 / entries.len().max(1) as f64,
    )
}

/// Panics listing the first [`SHOWN`] problems, if there are any.
fn assert_none(what: &str, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let shown = problems.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join("\n  ");
    let more = problems.len().saturating_sub(SHOWN);
    let more = if more > 0 { format!("\n  … and {more} more") } else { String::new() };
    panic!("{} {what} problem(s):\n  {shown}{more}", problems.len());
}

#[test]
fn records_are_well_formed() {
    let corpus = &*CORPUS;
    let mut problems = corpus.load_problems.clone();
    problems.extend(check_shape(&corpus.entries, &corpus.taxonomy, &corpus.topics));
    assert_none("record shape", &problems);
}

#[test]
fn train_and_test_are_independent() {
    let entries = &CORPUS.entries;
    let mut problems = check_independence(entries);
    problems.extend(jaccard_pairs(entries));
    assert_none("train/test independence", &problems);
}

#[test]
fn no_templated_runs() {
    assert_none(
        "templating (15-character run in more than 5 records)",
        &repeated_runs(&CORPUS.entries, &CORPUS.allowed, &CORPUS.boilerplate),
    );
}

#[test]
fn corpus_meets_minimum_sizes() {
    let entries = &CORPUS.entries;
    let problems = minimum_sizes(entries, &CORPUS.topics);
    if !problems.is_empty() {
        let subset = |split, kind| entries.iter().filter(|e| e.split == split && e.kind == kind).collect::<Vec<_>>();
        let sizes = [
            summary("train articles", &subset(Split::Train, Kind::Article)),
            summary("test articles", &subset(Split::Test, Kind::Article)),
            summary("test paragraphs", &subset(Split::Test, Kind::Paragraph)),
            summary("field articles", &subset(Split::Field, Kind::Article)),
            summary("field paragraphs", &subset(Split::Field, Kind::Paragraph)),
        ];
        assert_none(&format!("minimum size (corpus now: {})", sizes.join("; ")), &problems);
    }
}

/// A synthetic record whose text, apart from `extra`, is made of characters no other record uses.
fn planted(n: u32, split: Split, zone: &str, extra: &str, paragraph_labels: usize) -> Entry {
    planted_with(n, split, zone, extra, paragraph_labels, "clean")
}

fn planted_with(n: u32, split: Split, zone: &str, extra: &str, paragraph_labels: usize, noise: &str) -> Entry {
    let filler: String = (0..60).filter_map(|k| char::from_u32(0x4E00 + n * 100 + k)).collect();
    let batch = match split {
        Split::Train => "train-z",
        Split::Test => "test-z",
        Split::Field => "field-z",
    };
    let line = serde_json::json!({
        "id": format!("{batch}-{n:03}"), "batch": batch, "form": "news", "zone": zone, "title": "",
        "text": format!("{filler}{extra}"), "labels": ["investment"],
        "paragraph_labels": vec![vec!["investment"]; paragraph_labels], "noise": noise, "topic": "I-01",
    });
    parse_line(format!("planted.jsonl:{n}"), split, Kind::Article, &line.to_string()).expect("a planted record parses")
}

#[test]
fn checker_catches_planted_problems() {
    let taxonomy = Taxonomy::from_toml(&fs::read_to_string(data_dir().join("themes.toml")).unwrap()).unwrap();
    let allowed = parse_allowed("# comment\n本报讯\n");
    let boilerplate = parse_allowed("上一篇\n");
    let topics = parse_topics("| I-01 | 项目签约 | news |\n| OE-02 | rankings | brief |\n");
    assert_eq!(topics.get("OE-02"), Some(&OTHER));
    let template = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰";
    let mut entries: Vec<Entry> = (1..=6).map(|n| planted(n, Split::Train, "甲区", template, 1)).collect();
    // Allowed: a run holding an allowed phrase, in six records.
    entries.extend((7..=12).map(|n| planted(n, Split::Train, "乙区", "本报讯巳午未申酉戌亥天地玄黄宇", 1)));
    // A near-duplicate of record 13 on the other side of the split, and a paragraph-count mismatch.
    entries.push(planted(13, Split::Train, "丙区", "", 1));
    let mut near = planted(14, Split::Test, "丁区", "", 1);
    near.text = format!("{}。", entries[12].text);
    entries.push(near);
    entries.push(planted(15, Split::Test, "丁区", "\n第二段。", 1));
    let clean = planted(16, Split::Test, "戊区", "\n第二段。", 2);
    assert_eq!(check_shape(std::slice::from_ref(&clean), &taxonomy, &topics), Vec::<String>::new());
    // Web boilerplate may recur in six records marked `web`, not in clean ones.
    let footer = "上一篇甲乙丙丁戊己庚辛壬癸子丑寅卯";
    entries.extend((20..=25).map(|n| planted_with(n, Split::Train, "己区", footer, 1, "web")));
    let mut clean_footer: Vec<Entry> =
        (30..=35).map(|n| planted_with(n, Split::Train, "庚区", "上一篇天地玄黄宇宙洪荒日月盈昃", 1, "clean")).collect();
    clean_footer[0].topic = Some("OE-02".to_owned());

    let runs = repeated_runs(&entries, &allowed, &boilerplate);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].starts_with(&format!("6 records share «{template}»: planted.jsonl:1: train-z-001")), "{runs:?}");

    let pairs = jaccard_pairs(&entries);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert!(pairs[0].contains("train-z-013") && pairs[0].contains("test-z-014"), "{pairs:?}");

    let shape = check_shape(&entries, &taxonomy, &topics);
    assert_eq!(shape, ["planted.jsonl:15: test-z-015: 2 paragraphs but 1 paragraph_labels entries"]);
    let runs = repeated_runs(&clean_footer, &allowed, &boilerplate);
    assert_eq!(runs.len(), 1, "boilerplate in clean records is templating: {runs:?}");
    let shape = check_shape(&clean_footer[..1], &taxonomy, &topics);
    assert_eq!(shape, ["planted.jsonl:30: train-z-030: topic `OE-02` is a `other` sub-topic but the primary label is `investment`"]);

    entries.push(planted(17, Split::Test, "甲区", "", 1));
    let independence = check_independence(&entries);
    assert_eq!(independence.len(), 1, "{independence:?}");
    assert!(independence[0].starts_with("zone `甲区`"), "{independence:?}");
    entries.push(planted(18, Split::Field, "乙区", "", 1));
    let independence = check_independence(&entries);
    assert!(independence.iter().any(|p| p.starts_with("zone `乙区` is in train") && p.contains("in field")), "{independence:?}");
}
