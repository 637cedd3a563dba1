//! Reading and decoding pages: each input is read once, checked for changes during the read,
//! decoded and split. A failing input is reported and skipped; the caller learns how many failed.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use bulletin_core::{Granularity, Piece};
use bulletin_segmenter::{SegmenterError, decode, split_page_with};

use crate::exit::ExitCode;
use crate::report;

/// Where a page comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-` or no file).
    Stdin,
    /// A path as given on the command line.
    File(PathBuf),
}

impl Source {
    /// The name printed in messages and in the `source` field: the path as given, `-` for stdin.
    pub fn name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(p) => p.display().to_string(),
        }
    }
}

/// Validated page inputs.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// Inputs in order.
    pub sources: Vec<Source>,
    /// Forced encoding label.
    pub encoding: Option<String>,
    /// Longest piece processed, in chars.
    pub max_piece_chars: usize,
    /// Article or paragraph pieces.
    pub granularity: Granularity,
}

impl InputConfig {
    /// Validates the raw arguments: an unknown `--encoding` label is an error up front.
    pub fn new(files: &[PathBuf], encoding: Option<String>, max_piece_chars: u64, granularity: Granularity) -> Result<Self> {
        if let Some(label) = &encoding {
            if let Err(e @ SegmenterError::UnknownEncoding { .. }) = decode(b"", Some(label)) {
                return Err(anyhow!(e)).context("invalid --encoding");
            }
        }
        let sources = if files.is_empty() {
            vec![Source::Stdin]
        } else {
            files.iter().map(|f| if f.as_os_str() == "-" { Source::Stdin } else { Source::File(f.clone()) }).collect()
        };
        let max_piece_chars = usize::try_from(max_piece_chars).unwrap_or(usize::MAX);
        Ok(Self { sources, encoding, max_piece_chars, granularity })
    }
}

/// A decoded page.
#[derive(Debug)]
pub struct Page {
    /// The input's name as given (`-` for stdin).
    pub source: String,
    /// The encoding used (`encoding_rs` name).
    pub encoding: &'static str,
    /// The decoded text (BOM removed).
    pub text: String,
}

/// Reads, decodes and splits every input, calling `each` with the page and its pieces. Input
/// failures are reported on stderr and counted; an error returned by `each` (writing the
/// output) stops everything.
pub fn for_each_page(config: &InputConfig, mut each: impl FnMut(&Page, Vec<Piece>) -> Result<()>) -> Result<ExitCode> {
    let (mut failed, mut succeeded) = (0, 0);
    for source in &config.sources {
        let page = match read_page(source, config.encoding.as_deref()) {
            Ok(page) => page,
            Err(err) => {
                report::error(&err);
                failed += 1;
                continue;
            }
        };
        succeeded += 1;
        if page.text.trim().is_empty() {
            report::note(format_args!("{}: no text", page.source));
            continue;
        }
        let mut pieces = split_page_with(&page.text, config.granularity);
        for piece in &mut pieces {
            truncate_piece(piece, config.max_piece_chars, &page.source);
        }
        each(&page, pieces)?;
    }
    Ok(ExitCode::for_inputs(failed, succeeded))
}

/// Cuts a piece's text to its first `max` chars, with a warning.
fn truncate_piece(piece: &mut Piece, max: usize, source: &str) {
    if let Some((byte, _)) = piece.text.char_indices().nth(max) {
        let chars = piece.text.chars().count();
        report::warn(format_args!(
            "{source}: piece {} has {chars} characters; only its first {max} are processed (--max-piece-chars)",
            piece.index
        ));
        piece.text.truncate(byte);
    }
}

/// Reads and decodes one input.
pub fn read_page(source: &Source, encoding: Option<&str>) -> Result<Page> {
    let name = source.name();
    let bytes = match source {
        Source::Stdin => {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes).context("cannot read standard input")?;
            bytes
        }
        Source::File(path) => read_file(path)?,
    };
    let decoded = decode(&bytes, encoding).with_context(|| format!("{name}: cannot decode"))?;
    Ok(Page { source: name, encoding: decoded.encoding, text: decoded.text })
}

/// Reads a whole file once, warning when its size or modification time changed meanwhile.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let name = path.display();
    let before = std::fs::metadata(path).with_context(|| format!("cannot read {name}"))?;
    if before.is_dir() {
        bail!("cannot read {name}: it is a directory");
    }
    let mut file = File::open(path).with_context(|| format!("cannot read {name}"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(before.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
    if before.is_file() {
        if let Ok(after) = std::fs::metadata(path) {
            if changed(&before, &after) || after.len() != bytes.len() as u64 {
                report::warn(format_args!("{name}: the file changed while it was being read; its contents may be inconsistent"));
            }
        }
    }
    Ok(bytes)
}

fn changed(before: &Metadata, after: &Metadata) -> bool {
    before.len() != after.len() || before.modified().ok() != after.modified().ok()
}
