//! Labelled JSON Lines: expanding `--data` paths, reading line by line, and validating each
//! record before it reaches the trainer or the evaluator. A defective line is reported as
//! `file:line: reason` and skipped (fatal with `--strict`); a label outside the taxonomy is
//! always fatal.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use bulletin_core::{ParagraphRecord, Record, Taxonomy};

use crate::report;

/// The `*.jsonl` files named by `--data`: files as given, directories expanded to the `*.jsonl`
/// files directly inside them (not recursive), sorted by name.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot list {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "jsonl") && p.is_file())
                .collect();
            inside.sort();
            if inside.is_empty() {
                report::warn(format_args!("{}: no *.jsonl file in this directory", path.display()));
            }
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

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
    /// Valid records read.
    pub read: u64,
    /// Lines skipped as defective.
    pub skipped: u64,
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
            read: 0,
            skipped: 0,
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

    /// Reads every line of `files`, calling `each` with each valid item and the bytes read so far
    /// in the current file.
    pub fn read_files(&mut self, files: &[PathBuf], mut each: impl FnMut(Item, u64) -> Result<()>) -> Result<()> {
        for path in files {
            self.read_file(path, &mut each)?;
        }
        Ok(())
    }

    fn read_file(&mut self, path: &Path, each: &mut impl FnMut(Item, u64) -> Result<()>) -> Result<()> {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            bail!("cannot read {}: it is a directory", path.display());
        }
        let mut reader = BufReader::new(file);
        let mut buf = Vec::new();
        let mut line = 0;
        let mut bytes = 0u64;
        loop {
            buf.clear();
            let limit = u64::try_from(self.max_record_bytes).unwrap_or(u64::MAX).saturating_add(1);
            let n = (&mut reader).take(limit).read_until(b'\n', &mut buf).with_context(|| format!("cannot read {}", path.display()))?;
            if n == 0 {
                return Ok(());
            }
            line += 1;
            bytes += n as u64;
            let at = Location { file: path.display().to_string(), line };
            if buf.strip_suffix(b"\n").unwrap_or(&buf).len() > self.max_record_bytes {
                bail!("{at}: a line longer than {} bytes: not a record (or raise --max-record-bytes if it is one)", self.max_record_bytes);
            }
            match self.parse_line(&buf, &at)? {
                Ok(Some(item)) => {
                    self.read += 1;
                    each(item, bytes)?;
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

    /// `Ok(Ok(Some))` a valid item, `Ok(Ok(None))` a blank line, `Ok(Err(reason))` a defective
    /// line, `Err` a fatal error (unknown label).
    fn parse_line(&mut self, bytes: &[u8], at: &Location) -> Result<Result<Option<Item>, String>> {
        let Ok(text) = std::str::from_utf8(bytes) else { return Ok(Err("not valid UTF-8".to_owned())) };
        let text = text.trim_start_matches('\u{FEFF}').trim();
        if text.is_empty() {
            return Ok(Ok(None));
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return Ok(Err(format!("malformed JSON: {e}"))),
        };
        let Some(object) = value.as_object() else { return Ok(Err("not a JSON object".to_owned())) };
        let is_paragraph = self.paragraph_records && !object.contains_key("title") && !object.contains_key("paragraph_labels");
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
