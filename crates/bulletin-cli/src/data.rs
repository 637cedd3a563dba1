//! Labelled JSON Lines: expanding `--data` paths, reading line by line, and validating each
//! record before it reaches the trainer or the evaluator. A defective line is reported as
//! `file:line: reason` and skipped (fatal with `--strict`); a label outside the taxonomy is
//! always fatal.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use bulletin_core::{ParagraphRecord, Record, Taxonomy};

use crate::report;
use crate::walk::{self, Source};

/// The total size of the files among `files` (standard input counts 0): the length of a
/// progress bar in bytes.
pub fn file_bytes(files: &[Source]) -> u64 {
    files.iter().filter_map(|f| if let Source::File(p) = f { std::fs::metadata(p).ok() } else { None }).map(|m| m.len()).sum()
}

/// The inputs named by `--data`: `-` for standard input (once at most), files as given,
/// directories read recursively (see [`crate::walk`]) for `globs`, by default `*.jsonl`.
pub fn expand_paths(paths: &[PathBuf], globs: &[String]) -> Result<Vec<Source>> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        bail!("--data - (standard input) may be given once only");
    }
    walk::expand(paths, globs, walk::DATA_GLOBS)
}

/// Whether drafts written by `bulletin suggest` (records that still carry `suggested`) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drafts {
    /// Skipped with a warning naming `file:line` (the default: drafts must not train by accident).
    Exclude,
    /// Read like reviewed records (`train --include-suggested`).
    Include,
}

/// Draft warnings printed one by one before a summary takes over.
const DRAFT_WARNINGS: u64 = 10;

/// One valid line.
#[derive(Debug)]
pub enum Item {
    /// An article record (or, in training, any record).
    Article(Record),
    /// A paragraph record: no `title` and no `paragraph_labels` (evaluation only).
    Paragraph(ParagraphRecord),
}

/// Where a line sits, for messages.
#[derive(Debug, Clone)]
pub struct Location {
    /// The file.
    pub file: String,
    /// Line number from 1.
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Reads labelled records with per-line validation.
#[derive(Debug)]
pub struct RecordReader<'t> {
    taxonomy: &'t Taxonomy,
    strict: bool,
    /// Tell paragraph records apart from article records.
    paragraph_records: bool,
    /// Ids seen so far, with the file (index into `seen_files`) and line where each first
    /// appeared. Kept compact: a training run over millions of records holds every id.
    seen: HashMap<Box<str>, (u32, u32)>,
    seen_files: Vec<String>,
    drafts: Drafts,
    /// Valid records read.
    pub read: u64,
    /// Lines skipped as defective.
    pub skipped: u64,
    /// Drafts of `bulletin suggest` met (skipped unless included).
    pub draft_lines: u64,
    /// Inputs that could not be read (reported).
    pub failed_inputs: usize,
    /// Inputs read to their end.
    pub read_inputs: usize,
    /// The longest line read, in bytes without its `\n`.
    max_record_bytes: usize,
}

/// The default longest JSON line (`--max-record-bytes`): 16 MiB, hundreds of times a long article.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

impl<'t> RecordReader<'t> {
    /// A reader checking labels against `taxonomy`. With `paragraph_records`, lines without
    /// `title` and `paragraph_labels` are read as [`Item::Paragraph`].
    pub fn new(taxonomy: &'t Taxonomy, strict: bool, paragraph_records: bool) -> Self {
        Self {
            taxonomy,
            strict,
            paragraph_records,
            seen: HashMap::new(),
            seen_files: Vec::new(),
            drafts: Drafts::Exclude,
            read: 0,
            skipped: 0,
            draft_lines: 0,
            failed_inputs: 0,
            read_inputs: 0,
            max_record_bytes: MAX_RECORD_BYTES,
        }
    }

    /// Sets the longest line accepted, in bytes: a longer line is a fatal `file:line` error, read
    /// no further than that (so `--data /dev/zero` stops after `max` bytes).
    #[must_use]
    pub fn with_max_record_bytes(mut self, max: usize) -> Self {
        self.max_record_bytes = max;
        self
    }

    /// The same reader, reading drafts of `bulletin suggest` as `drafts` says.
    #[must_use]
    pub fn with_drafts(mut self, drafts: Drafts) -> Self {
        self.drafts = drafts;
        self
    }

    /// Reads every line of `sources`, calling `each` with each valid item, where it is, and the
    /// bytes read so far in the current input. An input that cannot be read is reported and
    /// counted in `failed_inputs` (exit code 3); fatal errors (a label outside the taxonomy,
    /// `--strict`, the callback's) stop everything.
    pub fn read_sources(&mut self, sources: &[Source], mut each: impl FnMut(Item, &Location, u64) -> Result<()>) -> Result<()> {
        for source in sources {
            let outcome = match source {
                Source::Unreadable(..) => Err(source.error().unwrap_or_else(|| anyhow!("cannot read {}", source.name()))),
                Source::Stdin => self.read_one(&mut std::io::stdin().lock(), "-", &mut each)?,
                Source::File(path) => match File::open(path) {
                    Ok(file) if file.metadata().is_ok_and(|m| m.is_dir()) => {
                        Err(anyhow!("cannot read {}: it is a directory", path.display()))
                    }
                    Ok(file) => {
                        let mut file = bulletin_test_hooks::wrap_read(file, path);
                        self.read_one(&mut file, &path.display().to_string(), &mut each)?
                    }
                    Err(err) => Err(anyhow!(err).context(format!("cannot read {}", path.display()))),
                },
            };
            match outcome {
                Ok(()) => self.read_inputs += 1,
                Err(err) => {
                    report::error(&err);
                    self.failed_inputs += 1;
                }
            }
        }
        Ok(())
    }

    /// Drafts of `bulletin suggest` left out (0 when drafts are read).
    pub fn drafts_left_out(&self) -> u64 {
        if self.drafts == Drafts::Exclude { self.draft_lines } else { 0 }
    }

    /// Ends the reading: sums up the drafts left out beyond those listed one by one, and
    /// returns the exit code of the inputs (3 when some failed).
    pub fn finish(&self) -> crate::exit::ExitCode {
        if self.drafts == Drafts::Exclude && self.draft_lines > DRAFT_WARNINGS {
            report::warn(format_args!(
                "{} drafts of `bulletin suggest` excluded in all ({} more than listed); review them and delete their `suggested` field",
                self.draft_lines,
                self.draft_lines - DRAFT_WARNINGS
            ));
        }
        crate::exit::ExitCode::for_inputs(self.failed_inputs, self.read_inputs)
    }

    /// Reads one input. Outer error: fatal; inner: this input failed (read error).
    fn read_one(
        &mut self,
        input: &mut dyn Read,
        name: &str,
        each: &mut impl FnMut(Item, &Location, u64) -> Result<()>,
    ) -> Result<Result<()>> {
        let mut reader = BufReader::new(input);
        let mut buf = Vec::new();
        let mut line = 0;
        let mut bytes = 0u64;
        loop {
            buf.clear();
            let limit = u64::try_from(self.max_record_bytes).unwrap_or(u64::MAX).saturating_add(1);
            let n = match (&mut reader).take(limit).read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(err) => {
                    let what = if name == "-" { "cannot read standard input".to_owned() } else { format!("cannot read {name}") };
                    return Ok(Err(anyhow!(err).context(what)));
                }
            };
            if n == 0 {
                return Ok(Ok(()));
            }
            line += 1;
            bytes += n as u64;
            let at = Location { file: name.to_owned(), line };
            if buf.strip_suffix(b"\n").unwrap_or(&buf).len() > self.max_record_bytes {
                bail!("{at}: a line longer than {} bytes: not a record (or raise --max-record-bytes if it is one)", self.max_record_bytes);
            }
            match self.parse_line(&buf, &at)? {
                Ok(Some(item)) => {
                    self.read += 1;
                    each(item, &at, bytes)?;
                }
                Ok(None) => {}
                Err(reason) => {
                    if self.strict {
                        bail!("{at}: {reason} (--strict makes this fatal)");
                    }
                    report::warn(format_args!("{at}: {reason}; line skipped"));
                    self.skipped += 1;
                }
            }
        }
    }

    /// One line as [`Self::read_files`] parses it (the fuzz target `jsonl_record`'s entry point,
    /// built with `--cfg fuzzing`).
    #[cfg(fuzzing)]
    pub fn parse(&mut self, line: &[u8]) -> Result<Result<Option<Item>, String>> {
        self.parse_line(line, &Location { file: "fuzz".to_owned(), line: 1 })
    }

    /// `Ok(Ok(Some))` a valid item, `Ok(Ok(None))` a blank line, `Ok(Err(reason))` a defective
    /// line, `Err` a fatal error (unknown label).
    fn parse_line(&mut self, bytes: &[u8], at: &Location) -> Result<Result<Option<Item>, String>> {
        let Ok(text) = std::str::from_utf8(bytes) else { return Ok(Err("not valid UTF-8".to_owned())) };
        let text = text.trim_start_matches('\u{FEFF}').trim();
        if text.is_empty() {
            return Ok(Ok(None));
        }
        let object = match serde_json::from_str::<UniqueKeys>(text) {
            Ok(UniqueKeys(Some(object))) => object,
            Ok(UniqueKeys(None)) => return Ok(Err("not a JSON object".to_owned())),
            Err(e) => return Ok(Err(format!("malformed JSON: {e}"))),
        };
        if object.contains_key("suggested") {
            self.draft_lines += 1;
            if self.drafts == Drafts::Exclude {
                if self.draft_lines <= DRAFT_WARNINGS {
                    report::warn(format_args!(
                        "{at}: a draft of `bulletin suggest` (it still has a `suggested` field); excluded. Review its labels and \
                         delete that field, or pass --include-suggested"
                    ));
                }
                return Ok(Ok(None));
            }
        }
        let is_paragraph = self.paragraph_records && !object.contains_key("title") && !object.contains_key("paragraph_labels");
        let value = serde_json::Value::Object(object);
        let item = if is_paragraph {
            match serde_json::from_value::<ParagraphRecord>(value) {
                Ok(r) => Item::Paragraph(r),
                Err(e) => return Ok(Err(format!("invalid record: {e}"))),
            }
        } else {
            match serde_json::from_value::<Record>(value) {
                Ok(r) => Item::Article(r),
                Err(e) => return Ok(Err(format!("invalid record: {e}"))),
            }
        };
        let (id, text, labels) = match &item {
            Item::Article(r) => (&r.id, &r.text, &r.labels),
            Item::Paragraph(r) => (&r.id, &r.text, &r.labels),
        };
        if text.trim().is_empty() {
            return Ok(Err("empty text".to_owned()));
        }
        if labels.is_empty() {
            return Ok(Err("no labels".to_owned()));
        }
        self.taxonomy.resolve_labels(labels).map_err(|e| anyhow!(e)).with_context(|| at.to_string())?;
        if let Item::Article(r) = &item {
            if let Some(paragraph_labels) = &r.paragraph_labels {
                for labels in paragraph_labels {
                    self.taxonomy.resolve_labels(labels).map_err(|e| anyhow!(e)).with_context(|| at.to_string())?;
                }
                let paragraphs = r.paragraphs().count();
                if paragraph_labels.len() != paragraphs {
                    return Ok(Err(format!(
                        "paragraph_labels has {} entries but the text has {paragraphs} paragraphs",
                        paragraph_labels.len()
                    )));
                }
                if let Some(i) = paragraph_labels.iter().position(Vec::is_empty) {
                    return Ok(Err(format!("paragraph {i} has no labels")));
                }
            }
        }
        if !id.is_empty() {
            if let Some(&(file, line)) = self.seen.get(id.as_str()) {
                let file = self.seen_files.get(file as usize).map_or("?", String::as_str);
                return Ok(Err(format!("duplicate id `{id}` (first seen at {file}:{line})")));
            }
            if self.seen_files.last() != Some(&at.file) {
                self.seen_files.push(at.file.clone());
            }
            let file = u32::try_from(self.seen_files.len() - 1).unwrap_or(u32::MAX);
            self.seen.insert(id.as_str().into(), (file, u32::try_from(at.line).unwrap_or(u32::MAX)));
        }
        Ok(Ok(Some(item)))
    }
}

/// A JSON line parsed with its top-level keys checked: a key given twice is an error (a generic
/// JSON parser keeps the last one silently, so `{"labels":["a"],…,"labels":["b"]}` trained on
/// `b`). `None` for a value that is not an object.
struct UniqueKeys(Option<serde_json::Map<String, serde_json::Value>>);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let value = map.next_value()?;
            object.insert(key, value);
        }
        Ok(UniqueKeys(Some(object)))
    }

    // Any other JSON value parses (it is valid JSON) but is not a record.
    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(None))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(UniqueKeys(None))
    }
}
