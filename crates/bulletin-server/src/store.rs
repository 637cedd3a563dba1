//! What the workbench keeps on disk: the model folder (`model-<n>.bin`, the pointer to the
//! current one) and the corrections file (one corpus record per line). Every name on disk is
//! made here from numbers; nothing a request sends becomes part of a path.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use bulletin_core::Record;
use bulletin_core::outfile::write_atomic;
use sha2::{Digest, Sha256};

use crate::ServerError;

/// The file in the model folder that names the current model.
const CURRENT: &str = "CURRENT";

/// The name of model number `n`.
#[must_use]
pub fn model_name(n: u32) -> String {
    format!("model-{n}.bin")
}

/// The number of a `model-<n>.bin` file name.
fn model_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("model-")?.strip_suffix(".bin")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    digits.parse().ok()
}

/// The model folder: `model-0.bin` is the model the folder was started from, each update adds
/// the next number, `CURRENT` lists the chain of updates that led to the model in use (one name
/// a line, the model in use last), so that undo goes back to the model an update started from.
#[derive(Debug)]
pub struct ModelFolder {
    dir: PathBuf,
    /// Model numbers present, ascending.
    numbers: Vec<u32>,
    /// From the first model to the current one.
    chain: Vec<u32>,
}

impl ModelFolder {
    /// Opens (creating it if needed) the folder started from `base` (a model file's bytes, or
    /// the embedded model's). A folder started from another model is refused, so updates of two
    /// different models never mix.
    pub fn open(dir: &Path, base: &[u8], base_name: &str) -> Result<Self, ServerError> {
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| ServerError::Io { action, path, source }
        };
        fs::create_dir_all(dir).map_err(io("create the model folder", dir))?;
        let mut numbers: Vec<u32> = fs::read_dir(dir)
            .map_err(io("read the model folder", dir))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().and_then(model_number))
            .collect();
        numbers.sort_unstable();
        let first = dir.join(model_name(0));
        if numbers.first() == Some(&0) {
            let bytes = fs::read(&first).map_err(io("read", &first))?;
            if bytes != base {
                return Err(ServerError::ForeignModelFolder { dir: dir.to_owned(), base: base_name.to_owned() });
            }
        } else {
            write_atomic(&first, base).map_err(|source| ServerError::Save { path: first.clone(), source })?;
            numbers.insert(0, 0);
        }
        let listed: Option<Vec<u32>> =
            fs::read_to_string(dir.join(CURRENT)).ok().and_then(|s| s.lines().map(|l| model_number(l.trim())).collect());
        let valid = |chain: &Vec<u32>| !chain.is_empty() && chain.iter().all(|n| numbers.contains(n)) && chain.is_sorted_by(|a, b| a < b);
        let chain = listed.filter(valid).unwrap_or_else(|| vec![numbers.last().copied().unwrap_or(0)]);
        Ok(Self { dir: dir.to_owned(), numbers, chain })
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The number of the current model.
    #[must_use]
    pub fn current(&self) -> u32 {
        self.chain.last().copied().unwrap_or(0)
    }

    /// The path of the current model.
    #[must_use]
    pub fn current_path(&self) -> PathBuf {
        self.dir.join(model_name(self.current()))
    }

    /// The model the current one was made from, if any.
    #[must_use]
    pub fn previous(&self) -> Option<u32> {
        self.chain.len().checked_sub(2).and_then(|i| self.chain.get(i)).copied()
    }

    /// Saves `bytes` as the next model (never over an earlier one) and makes it current.
    pub fn push(&mut self, bytes: &[u8]) -> Result<u32, ServerError> {
        let next = self.numbers.last().map_or(0, |n| n.saturating_add(1));
        let path = self.dir.join(model_name(next));
        if path.exists() {
            return Err(ServerError::Io {
                action: "save a new model as",
                path,
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the file exists"),
            });
        }
        write_atomic(&path, bytes).map_err(|source| ServerError::Save { path: path.clone(), source })?;
        self.numbers.push(next);
        let mut chain = self.chain.clone();
        chain.push(next);
        self.set_chain(chain)?;
        Ok(next)
    }

    /// Goes back to the model the current one was made from; returns its number, or `None`
    /// when the current model is the first.
    pub fn undo(&mut self) -> Result<Option<u32>, ServerError> {
        let Some(previous) = self.previous() else { return Ok(None) };
        let mut chain = self.chain.clone();
        chain.pop();
        self.set_chain(chain)?;
        Ok(Some(previous))
    }

    fn set_chain(&mut self, chain: Vec<u32>) -> Result<(), ServerError> {
        let path = self.dir.join(CURRENT);
        let text: String = chain.iter().map(|&n| model_name(n) + "\n").collect();
        write_atomic(&path, text.as_bytes()).map_err(|source| ServerError::Save { path, source })?;
        self.chain = chain;
        Ok(())
    }
}

/// The content id of a correction record: the same title, text and labels give the same id.
#[must_use]
pub fn correction_id(record: &Record) -> String {
    let content = serde_json::json!([record.title, record.text, record.labels, record.paragraph_labels]);
    let digest = Sha256::digest(content.to_string().as_bytes());
    format!("correction-{}", bulletin_classifier::short_hex(&digest))
}

/// The corrections file: records appended one complete line at a time, flushed and synced.
#[derive(Debug)]
pub struct Corrections {
    path: PathBuf,
    records: Vec<Record>,
    ids: HashSet<String>,
}

impl Corrections {
    /// Reads the corrections already in `path` (none when it does not exist). A line that is not
    /// a record is skipped and counted in the second value.
    pub fn open(path: &Path) -> Result<(Self, usize), ServerError> {
        let mut store = Self { path: path.to_owned(), records: Vec::new(), ids: HashSet::new() };
        let file = match fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((store, 0)),
            Err(source) => return Err(ServerError::Io { action: "read", path: path.to_owned(), source }),
        };
        let mut skipped = 0;
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|source| ServerError::Io { action: "read", path: path.to_owned(), source })?;
            if line.trim().is_empty() {
                continue;
            }
            match Record::from_json(&line) {
                Ok(mut record) => {
                    if record.id.is_empty() {
                        record.id = correction_id(&record);
                    }
                    if store.ids.insert(record.id.clone()) {
                        store.records.push(record);
                    }
                }
                Err(_) => skipped += 1,
            }
        }
        Ok((store, skipped))
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every correction, in file order.
    #[must_use]
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Appends `record` (its `id` set to its content id) unless the same correction is already
    /// there; returns the id and whether it was new.
    pub fn append(&mut self, mut record: Record) -> Result<(String, bool), ServerError> {
        let id = correction_id(&record);
        if self.ids.contains(&id) {
            return Ok((id, false));
        }
        record.id.clone_from(&id);
        let mut line = serde_json::to_vec(&record).map_err(|e| ServerError::Io {
            action: "serialise a correction for",
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        let io = |source| ServerError::Io { action: "append to", path: self.path.clone(), source };
        let mut file = OpenOptions::new().create(true).append(true).open(&self.path).map_err(io)?;
        file.write_all(&line).map_err(io)?;
        file.flush().map_err(io)?;
        file.sync_data().map_err(io)?;
        self.ids.insert(id.clone());
        self.records.push(record);
        Ok((id, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_model_names_have_numbers() {
        assert_eq!(model_number("model-0.bin"), Some(0));
        assert_eq!(model_number("model-12.bin"), Some(12));
        for bad in ["model-.bin", "model-01.bin", "model-1.bin.tmp", "model--1.bin", "x-1.bin", "model-99999999999.bin"] {
            assert_eq!(model_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_same_correction_has_the_same_id() {
        let a = Record::new("", "标题", "正文。", vec!["financing".into()]);
        let b = Record::new("other-id", "标题", "正文。", vec!["financing".into()]);
        let c = Record::new("", "标题", "正文。", vec!["transfer".into()]);
        assert_eq!(correction_id(&a), correction_id(&b));
        assert_ne!(correction_id(&a), correction_id(&c));
    }
}
