//! Reading, decoding and splitting pages as streams, in bounded memory.
//!
//! Each input is read once, in chunks of [`CHUNK`] bytes. The encoding is decided on the first
//! chunk by [`bulletin_segmenter::detect_encoding`], the function behind [`bulletin_segmenter::decode`] (a forced
//! label, a byte-order mark, the NUL-byte pattern of UTF-16, UTF-8 with at most 1 % bad bytes,
//! else GB18030 or Big5 by trial decodes and chardetng); for an
//! input no larger than one chunk the decision is therefore the whole-file one. The bytes are
//! then decoded incrementally, and the decoded text is cut into segments just before article
//! heading lines (`# 标题`, not `## 小标题`) and caption credit lines (`图片来源:`). The splitter
//! starts afresh at every such line, so
//! splitting segment by segment and shifting offsets and indices gives exactly the pieces of
//! splitting the whole page at once; a test checks it on every page fixture.
//!
//! Memory is bounded by the chunk, the longest run of text without a heading (cut by force, with
//! a warning, beyond [`block_limit`] chars), the pieces of one segment (about [`SEGMENT_BYTES`]
//! of text cut at a heading) and what the sink keeps in flight, not by the input size.
//!
//! Undecodable text: a forced encoding, or any encoding with `--strict`, fails on the first
//! malformed sequence; a detected one fails when more than 1 % of the characters are
//! replacements, checked on the first chunk (before anything is written) and again over the whole
//! input at its end (pieces already written then stay written, and a note says how many), and
//! when the first chunk's text does not look Chinese ([`bulletin_segmenter::check_plausible`]).
//! Tolerated replacements give one warning at the end of the input (count, first byte offset);
//! a piece with more than 1 % of them is [`damaged`](Piece::damaged), with a warning naming it.
//!
//! A failing input is reported on stderr and skipped, after the sink has written what came
//! before it ([`PageSink::flush`]); the caller learns how many failed.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use bulletin_core::{Granularity, Piece};
use bulletin_segmenter::page::{PageError, PageNotice, PageOptions, read_page};
use bulletin_segmenter::{
    MAX_HTML_BYTES, SegmenterError, check_plausible, detect_encoding, is_blank, is_utf16, split_page_with, too_damaged,
};
use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8};

#[cfg(not(fuzzing))]
use crate::cli::{InputArgs, InputFormatArg};
use crate::exit::ExitCode;
use crate::{records, report, walk};

/// Whether standard input was closed when the process started (set by `main`): reading it (the
/// `/dev/null` Rust's runtime put in its place) would give an empty input ("no text") instead
/// of an error.
pub static STDIN_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Bytes read at a time; the encoding is decided on the first chunk.
const CHUNK: usize = 1 << 20;

pub use crate::walk::Source;
/// Decoded bytes after which the next heading ends a segment: the pieces of a segment are split
/// and handed on at once, so this bounds them whatever their size (a chunk of heading-only lines
/// holds a quarter of a million pieces).
const SEGMENT_BYTES: usize = 64 << 10;

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// By file name: `.html` and `.htm` files are HTML, everything else (and stdin) page text.
    Auto,
    /// Page text.
    Text,
    /// HTML (saved web pages).
    Html,
    /// Corpus records, one JSON object per line (`id`, `title`, `text`).
    Records,
}

/// Validated page inputs.
#[derive(Debug, Clone)]
pub struct InputConfig {
    /// Inputs in order.
    pub sources: Vec<Source>,
    /// Forced encoding.
    pub encoding: Option<&'static Encoding>,
    /// Longest piece processed, in chars.
    pub max_piece_chars: usize,
    /// Article or paragraph pieces.
    pub granularity: Granularity,
    /// How the inputs are read.
    pub format: InputFormat,
    /// Any undecodable byte fails the input (as with a forced encoding).
    pub strict: bool,
}

impl InputConfig {
    /// Validates the raw arguments: an unknown `--encoding` label is an error up front.
    /// Directories are read with the default page globs.
    pub fn new(files: &[PathBuf], encoding: Option<String>, max_piece_chars: u64, strict: bool, granularity: Granularity) -> Result<Self> {
        let encoding = match encoding {
            Some(label) => Some(
                Encoding::for_label(label.trim().as_bytes())
                    .ok_or_else(|| anyhow!(SegmenterError::UnknownEncoding { label }))
                    .context("invalid --encoding")?,
            ),
            None => None,
        };
        let sources = if files.is_empty() { vec![Source::Stdin] } else { walk::expand(files, &[], walk::PAGE_GLOBS)? };
        let max_piece_chars = usize::try_from(max_piece_chars).unwrap_or(usize::MAX);
        Ok(Self { sources, encoding, max_piece_chars, granularity, format: InputFormat::Auto, strict })
    }

    /// The inputs of the shared page flags.
    #[cfg(not(fuzzing))]
    pub fn from_args(args: &InputArgs, granularity: Granularity) -> Result<Self> {
        let mut config = Self::new(&[], args.encoding.clone(), args.max_piece_chars, args.strict, granularity)?;
        config.format = match args.input_format {
            InputFormatArg::Auto => InputFormat::Auto,
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Html => InputFormat::Html,
            InputFormatArg::Records => InputFormat::Records,
        };
        let defaults = if config.format == InputFormat::Records { walk::DATA_GLOBS } else { walk::PAGE_GLOBS };
        if !args.files.is_empty() {
            config.sources = walk::expand(&args.files, &args.glob, defaults)?;
        }
        Ok(config)
    }

    /// How `source` is read.
    fn format_of(&self, source: &Source) -> InputFormat {
        match (self.format, source) {
            (InputFormat::Auto, Source::File(path)) => {
                let html = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
                if html { InputFormat::Html } else { InputFormat::Text }
            }
            (InputFormat::Auto, _) => InputFormat::Text,
            (format, _) => format,
        }
    }
}

/// The page a batch of pieces comes from.
#[derive(Debug, Clone)]
pub struct PageInfo {
    /// The input's name as given (`-` for stdin).
    pub source: String,
    /// The encoding used (`encoding_rs` name).
    pub encoding: &'static str,
}

/// What a command does with the pieces of each page, batch by batch, in input order.
pub trait PageSink {
    /// The next pieces of `page` (indices continue across batches).
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()>;

    /// The end of a page with some text, after `total` pieces.
    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()>;

    /// Writes everything received so far: an input failure is about to be reported, and its
    /// message must follow the output of what came before it. A sink that writes as it
    /// receives has nothing to do.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// What the reader hands to the sink.
enum Event {
    Pieces(PageInfo, Vec<Piece>),
    End(PageInfo, usize),
    Flush,
}

impl Event {
    fn deliver(self, sink: &mut impl PageSink) -> Result<()> {
        match self {
            Self::Pieces(page, pieces) => sink.pieces(&page, pieces),
            Self::End(page, total) => sink.end_page(&page, total),
            Self::Flush => sink.flush(),
        }
    }
}

/// Reads, decodes and splits every input on the calling thread, handing the pieces to `sink`
/// batch by batch (about one chunk of input each). Input failures are reported on stderr and
/// counted; an error returned by the sink (writing the output) stops everything.
pub fn for_each_page(config: &InputConfig, sink: &mut impl PageSink) -> Result<ExitCode> {
    read_all(config, &mut |event: Event| event.deliver(sink))
}

fn read_all(config: &InputConfig, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<ExitCode> {
    let (mut failed, mut succeeded) = (0, 0);
    for source in &config.sources {
        match read_source(source, config, emit)? {
            Ok(()) => succeeded += 1,
            Err(err) => {
                report::error(&err);
                failed += 1;
            }
        }
    }
    Ok(ExitCode::for_inputs(failed, succeeded))
}

/// Streams one input to `emit`. The outer error stops everything (the output failed), the
/// inner one fails this input only.
fn read_source(source: &Source, config: &InputConfig, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<Result<()>> {
    let name = source.name();
    let format = config.format_of(source);
    match source {
        Source::Unreadable(..) => {
            emit(Event::Flush)?;
            Ok(Err(source.error().unwrap_or_else(|| anyhow!("cannot read {name}"))))
        }
        Source::Stdin => {
            if STDIN_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
                emit(Event::Flush)?;
                return Ok(Err(anyhow!("cannot read standard input: it is closed")));
            }
            let stdin = io::stdin();
            let mut reader = stdin.lock();
            read_stream(&mut reader, name, format, config, emit)
        }
        Source::File(path) => {
            let (mut file, before) = match open(path) {
                Ok(opened) => opened,
                Err(err) => {
                    emit(Event::Flush)?;
                    return Ok(Err(err));
                }
            };
            let (outcome, bytes_read) = {
                let mut reader = bulletin_test_hooks::wrap_read(&mut file, path);
                let mut counted = CountingReader { inner: &mut reader, bytes: 0 };
                let outcome = read_stream(&mut counted, name, format, config, emit)?;
                (outcome, counted.bytes)
            };
            if outcome.is_ok() {
                warn_if_changed(path, &before, bytes_read);
            }
            Ok(outcome)
        }
    }
}

/// A reader that counts the bytes it gave.
struct CountingReader<'r> {
    inner: &'r mut dyn Read,
    bytes: u64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads one input in its format.
fn read_stream(
    reader: &mut dyn Read,
    name: String,
    format: InputFormat,
    config: &InputConfig,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<Result<()>> {
    match format {
        InputFormat::Records => {
            let mut pieces = 0;
            let read = records::read(reader, &name, config.granularity, config.max_piece_chars, &mut |pieces_batch| {
                pieces += pieces_batch.len();
                emit(Event::Pieces(PageInfo { source: name.clone(), encoding: UTF_8.name() }, pieces_batch))
            })?;
            let page = PageInfo { source: name.clone(), encoding: UTF_8.name() };
            match read {
                Ok(0) => {
                    report::note(format_args!("{name}: no record"));
                    Ok(Ok(()))
                }
                Ok(_) => {
                    emit(Event::End(page, pieces))?;
                    Ok(Ok(()))
                }
                Err(err) => {
                    emit(Event::Flush)?;
                    Ok(Err(err))
                }
            }
        }
        InputFormat::Html => {
            let mut stream = PageStream::new(name, config);
            let read = stream.run_html(reader, emit)?;
            stream.outcome(read, emit)
        }
        InputFormat::Text | InputFormat::Auto => {
            let mut stream = PageStream::new(name, config);
            let read = stream.run(reader, emit)?;
            stream.outcome(read, emit)
        }
    }
}

/// Opens a file for reading, refusing directories, and returns its metadata before the read.
fn open(path: &Path) -> Result<(File, Metadata)> {
    let name = path.display();
    let before = std::fs::metadata(path).with_context(|| format!("cannot read {name}"))?;
    if before.is_dir() {
        bail!("cannot read {name}: it is a directory");
    }
    let file = File::open(path).with_context(|| format!("cannot read {name}"))?;
    Ok((file, before))
}

/// The largest lexicon or taxonomy file read whole: 64 MiB, far beyond any real one.
pub const MAX_SMALL_FILE: u64 = 64 << 20;

/// Reads a whole file once (lexicons, taxonomies), warning when it changed meanwhile; a file
/// larger than [`MAX_SMALL_FILE`] (or endless, as `/dev/zero`) is an error after reading that much.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let (file, before) = open(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(before.len().min(MAX_SMALL_FILE)).unwrap_or(0));
    file.take(MAX_SMALL_FILE + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        bail!("cannot read {}: larger than {MAX_SMALL_FILE} bytes, which no lexicon or taxonomy file needs", path.display());
    }
    warn_if_changed(path, &before, bytes.len() as u64);
    Ok(bytes)
}

/// Warns when a regular file's size or modification time changed while it was read.
fn warn_if_changed(path: &Path, before: &Metadata, bytes_read: u64) {
    if !before.is_file() {
        return;
    }
    if let Ok(after) = std::fs::metadata(path) {
        let changed = before.len() != after.len() || before.modified().ok() != after.modified().ok();
        if changed || after.len() != bytes_read {
            report::warn(format_args!("{}: the file changed while it was being read; its contents may be inconsistent", path.display()));
        }
    }
}

/// How many malformed sequences an encoding may meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tolerance {
    /// Any replacement is an error (forced encodings).
    None,
    /// More than 1 % replaced characters is an error (detected encodings).
    OnePercent,
}

/// Whether a line (without its line break) starts a piece afresh for the splitter: an article
/// heading (`#` after whitespace, not `##`) or a caption's credit line (`图片来源:`). Each resets
/// all of the splitter's state, so the text can be cut just before it.
fn starts_piece(line: &str) -> bool {
    let trimmed = line.trim_start();
    let credit = trimmed.strip_prefix("图片来源").or_else(|| trimmed.strip_prefix("圖片來源")).is_some_and(|r| r.starts_with([':', '：']));
    (trimmed.starts_with('#') && !trimmed.starts_with("##")) || credit
}

/// The longest run of text without a heading that is split as a whole, in chars; beyond it the
/// text is cut by force (at a line end when possible).
fn block_limit(max_piece_chars: usize) -> usize {
    max_piece_chars.saturating_mul(4).max(1 << 20)
}

/// One input being streamed: decoder state, the decoded text not yet split, counters.
struct PageStream<'c> {
    config: &'c InputConfig,
    /// Bytes read at a time ([`CHUNK`]; smaller in tests).
    chunk: usize,
    page: PageInfo,
    decoder: Option<(Decoder, Tolerance)>,
    /// Decoded text not yet split; it starts at a line start.
    pending: String,
    /// Chars of `pending`.
    pending_chars: usize,
    /// Char offset of `pending` in the page.
    pending_offset: usize,
    /// Byte offset in `pending` of the first line not yet examined for a heading.
    line_start: usize,
    /// Start of the last heading line found in `pending` after its first line.
    last_heading: Option<usize>,
    /// Byte offset in `pending` up to which the text is split and emitted (dropped at the end of
    /// [`Self::cut`]).
    emitted: usize,
    bytes_read: u64,
    replaced: usize,
    /// Byte offset of the first malformed sequence.
    first_replaced_at: Option<u64>,
    chars: usize,
    pieces: usize,
    articles: usize,
    any_text: bool,
    forced_cut: bool,
}

impl<'c> PageStream<'c> {
    fn new(source: String, config: &'c InputConfig) -> Self {
        Self {
            config,
            chunk: CHUNK,
            page: PageInfo { source, encoding: UTF_8.name() },
            decoder: None,
            pending: String::new(),
            pending_chars: 0,
            pending_offset: 0,
            line_start: 0,
            last_heading: None,
            emitted: 0,
            bytes_read: 0,
            replaced: 0,
            first_replaced_at: None,
            chars: 0,
            pieces: 0,
            articles: 0,
            any_text: false,
            forced_cut: false,
        }
    }

    /// The input's outcome. On failure, the sink first writes what it received, then a note
    /// says how many pieces of this input were written, if any.
    fn outcome(&self, read: Result<()>, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<Result<()>> {
        let Err(err) = read else { return Ok(Ok(())) };
        emit(Event::Flush)?;
        if self.pieces > 0 {
            report::note(format_args!(
                "{}: the first {} of this input {} written before the error",
                self.page.source,
                if self.pieces == 1 { "1 piece".to_owned() } else { format!("{} pieces", self.pieces) },
                if self.pieces == 1 { "was" } else { "were" }
            ));
        }
        Ok(Err(err))
    }

    /// Reads, decodes and splits the whole input. Outer error: the output failed; inner: the
    /// input did.
    fn run(&mut self, reader: &mut dyn Read, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<Result<()>> {
        let name = self.page.source.clone();
        let mut chunk = vec![0u8; self.chunk];
        loop {
            let filled = match fill(reader, &mut chunk) {
                Ok(n) => n,
                Err(err) => {
                    let what = if name == "-" { "cannot read standard input".to_owned() } else { format!("cannot read {name}") };
                    return Ok(Err(anyhow!(err).context(what)));
                }
            };
            let eof = filled < chunk.len();
            let bytes = chunk.get(..filled).unwrap_or_default();
            if let Err(err) = self.decode(bytes, eof) {
                return Ok(Err(anyhow!(err).context(format!("{name}: cannot decode"))));
            }
            self.bytes_read += filled as u64;
            self.cut(eof, emit)?;
            if eof {
                break;
            }
        }
        if let Some(at) = self.first_replaced_at {
            report::warn(format_args!(
                "{name}: {} undecodable byte sequence(s) in {}, the first at byte offset {at}, were replaced by U+FFFD \
                 (--strict makes any of them an error)",
                self.replaced, self.page.encoding
            ));
        }
        if !self.any_text {
            report::note(format_args!("{name}: no text"));
            return Ok(Ok(()));
        }
        emit(Event::End(self.page.clone(), self.pieces))?;
        Ok(Ok(()))
    }

    /// Reads a whole HTML page (at most [`MAX_HTML_BYTES`]) and hands it to the library's
    /// whole-page reader ([`read_page`]: decoded with its charset declaration as a hint, its text
    /// extracted and split), then emits its pieces. Outer error: the output failed; inner: the
    /// input did.
    fn run_html(&mut self, reader: &mut dyn Read, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<Result<()>> {
        let name = self.page.source.clone();
        let mut bytes = Vec::new();
        let limit = MAX_HTML_BYTES as u64;
        if let Err(err) = reader.take(limit + 1).read_to_end(&mut bytes) {
            let what = if name == "-" { "cannot read standard input".to_owned() } else { format!("cannot read {name}") };
            return Ok(Err(anyhow!(err).context(what)));
        }
        self.bytes_read = bytes.len() as u64;
        if bytes.len() as u64 > limit {
            return Ok(Err(anyhow!("{name}: an HTML page is read whole and may hold at most {} MiB", MAX_HTML_BYTES >> 20)));
        }
        let mut options = PageOptions::default().with_html(true).with_granularity(self.config.granularity);
        options.encoding = self.config.encoding;
        options.strict = self.config.strict;
        options.max_piece_chars = self.config.max_piece_chars;
        let page = match read_page(&bytes, &options) {
            Ok(page) => page,
            Err(err) => return Ok(Err(page_error(err, &name))),
        };
        drop(bytes);
        self.page.encoding = page.encoding;
        for notice in &page.notices {
            match notice {
                PageNotice::NoText => {
                    report::note(format_args!("{name}: no text"));
                    return Ok(Ok(()));
                }
                notice => report::warn(format_args!("{name}: {notice}")),
            }
        }
        self.pieces = page.pieces.len();
        self.any_text = true;
        if !page.pieces.is_empty() {
            emit(Event::Pieces(self.page.clone(), page.pieces))?;
        }
        emit(Event::End(self.page.clone(), self.pieces))?;
        Ok(Ok(()))
    }

    /// Decodes the next chunk onto `pending`, deciding the encoding on the first one.
    fn decode(&mut self, bytes: &[u8], eof: bool) -> Result<(), SegmenterError> {
        let first = self.decoder.is_none();
        let mut rest = bytes;
        if first {
            // The library's rules, on the first chunk: small files get exactly `decode`'s decision.
            let detected = detect_encoding(bytes, eof, self.config.encoding)?;
            self.page.encoding = detected.encoding.name();
            let tolerance = if detected.strict || self.config.strict { Tolerance::None } else { Tolerance::OnePercent };
            self.decoder = Some((detected.encoding.new_decoder_without_bom_handling(), tolerance));
            rest = bytes.get(detected.bom_len..).unwrap_or_default();
        }
        let Some((decoder, tolerance)) = self.decoder.as_mut() else { return Ok(()) };
        let tolerance = *tolerance;
        if !is_utf16(decoder.encoding()) {
            if let Some(nul) = rest.iter().position(|&b| b == 0) {
                let base = usize::try_from(self.bytes_read).unwrap_or(usize::MAX) + (bytes.len() - rest.len());
                return Err(SegmenterError::BinaryInput { offset: base + nul });
            }
        }
        let before = self.pending.len();
        // File offset of `rest`.
        let mut offset = self.bytes_read + (bytes.len() - rest.len()) as u64;
        loop {
            let need = decoder.max_utf8_buffer_length_without_replacement(rest.len()).unwrap_or(rest.len().saturating_mul(3)).max(16);
            self.pending.reserve(need);
            let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut self.pending, eof);
            rest = rest.get(read..).unwrap_or_default();
            offset += read as u64;
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    self.replaced += 1;
                    // The malformed bytes may have begun in the previous chunk.
                    self.first_replaced_at.get_or_insert(offset.saturating_sub(u64::from(bad) + u64::from(after)));
                    self.pending.push('\u{FFFD}');
                }
            }
        }
        let added = self.pending.get(before..).unwrap_or_default();
        let added_chars = added.chars().count();
        self.chars += added_chars;
        self.pending_chars += added_chars;
        self.any_text = self.any_text || !is_blank(added);
        let encoding = decoder.encoding();
        let too_many = match tolerance {
            Tolerance::None => self.replaced > 0,
            Tolerance::OnePercent => (first || eof) && too_damaged(self.replaced, self.chars),
        };
        if too_many {
            return Err(SegmenterError::Undecodable { encoding: encoding.name(), replaced: self.replaced, total: self.chars });
        }
        if first && tolerance == Tolerance::OnePercent && self.config.encoding.is_none() {
            // Mojibake decodes without a single error: the first chunk's text must look Chinese.
            check_plausible(added, encoding)?;
        }
        Ok(())
    }

    /// Splits and emits the decoded text up to the last heading line (everything at the end of
    /// the input), in segments of about [`SEGMENT_BYTES`] cut at headings, and cuts by force
    /// when a run without heading grows too long.
    fn cut(&mut self, eof: bool, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        // Lines end at `\n`, `\r\n` or a lone `\r`, as for the splitter; a `\r` at the end of
        // the decoded text waits for the next chunk, which may start with its `\n`.
        while let Some(rest) = self.pending.get(self.line_start..) {
            let Some(at) = rest.find(['\n', '\r']) else { break };
            let separator = match rest.as_bytes().get(at..at + 2) {
                Some(b"\r\n") => 2,
                None if !eof && rest.as_bytes()[at] == b'\r' => break,
                _ => 1,
            };
            if self.line_start > self.emitted && starts_piece(rest.get(..at).unwrap_or_default()) {
                self.last_heading = Some(self.line_start);
                // Small segments keep the pieces in flight few, however small the pieces are.
                if self.line_start - self.emitted >= SEGMENT_BYTES {
                    self.emit_until(self.line_start, emit)?;
                }
            }
            self.line_start += at + separator;
        }
        if eof {
            self.emit_until(self.pending.len(), emit)?;
        } else {
            if let Some(heading) = self.last_heading {
                self.emit_until(heading, emit)?;
            }
            let limit = block_limit(self.config.max_piece_chars);
            if self.pending_chars > limit {
                if !self.forced_cut {
                    self.forced_cut = true;
                    report::warn(format_args!(
                        "{}: more than {limit} characters without an article heading; the text is split in blocks of about that size, \
                         so an article may be cut in two",
                        self.page.source
                    ));
                }
                let at = if self.line_start > self.emitted { self.line_start } else { self.pending.len() };
                self.emit_until(at, emit)?;
            }
        }
        // The emitted text is dropped once per chunk, not once per segment.
        self.pending.drain(..self.emitted);
        self.line_start = self.line_start.saturating_sub(self.emitted);
        self.last_heading = None;
        self.emitted = 0;
        Ok(())
    }

    /// Splits `pending[emitted..end]` and emits its pieces; the text is dropped by [`Self::cut`].
    fn emit_until(&mut self, end: usize, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        let Some(segment) = self.pending.get(self.emitted..end) else { return Ok(()) };
        if segment.is_empty() {
            return Ok(());
        }
        let granularity = self.config.granularity;
        let mut pieces = split_page_with(segment, granularity);
        let articles = match granularity {
            Granularity::Article => pieces.len(),
            // Paragraph pieces do not tell how many articles had no paragraph.
            Granularity::Paragraph => split_page_with(segment, Granularity::Article).len(),
        };
        for piece in &mut pieces {
            piece.index += self.pieces;
            piece.start += self.pending_offset;
            piece.end += self.pending_offset;
            if let Some(article) = piece.article_index.as_mut() {
                *article += self.articles;
            }
            if piece.damaged {
                report::warn(format_args!(
                    "{}: piece {} is damaged: more than 1 % of its characters could not be decoded; its result is unreliable",
                    self.page.source, piece.index
                ));
            }
            truncate_piece(piece, self.config.max_piece_chars, &self.page.source);
        }
        let segment_chars = if end == self.pending.len() { self.pending_chars } else { segment.chars().count() };
        self.pieces += pieces.len();
        self.articles += articles;
        self.pending_offset += segment_chars;
        self.pending_chars -= segment_chars;
        self.emitted = end;
        if !pieces.is_empty() {
            emit(Event::Pieces(self.page.clone(), pieces))?;
        }
        Ok(())
    }
}

/// Streams `bytes` through [`PageStream`] in chunks of `chunk` bytes and returns the pieces and
/// the encoding used, or the input's error: the entry point of the fuzz target `stream_chunks`,
/// which compares it with the whole-buffer path (`fuzz/`, built with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub fn stream_pieces(bytes: &[u8], chunk: usize, config: &InputConfig) -> Result<(Vec<Piece>, &'static str)> {
    let mut stream = PageStream::new("fuzz".to_owned(), config);
    stream.chunk = chunk.max(4);
    let mut pieces = Vec::new();
    let mut reader = bytes;
    stream.run(&mut reader, &mut |event| {
        if let Event::Pieces(_, batch) = event {
            pieces.extend(batch);
        }
        Ok(())
    })??;
    Ok((pieces, stream.page.encoding))
}

/// A page that cannot be read, worded as [`PageError::context`] says (as `bulletin serve` does).
fn page_error(err: PageError, name: &str) -> anyhow::Error {
    let context = err.context(name);
    anyhow::Error::new(err.into_cause()).context(context)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Cuts a piece's text to its first `max` chars ([`bulletin_segmenter::page::truncate_piece`]),
/// with a warning.
pub(crate) fn truncate_piece(piece: &mut Piece, max: usize, source: &str) {
    if let Some(chars) = bulletin_segmenter::page::truncate_piece(piece, max) {
        report::warn(format_args!(
            "{source}: piece {} has {chars} characters; only its first {max} are processed (--max-piece-chars)",
            piece.index
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_start_at_single_hash_headings_and_credit_lines() {
        assert!(starts_piece("# 标题"));
        assert!(starts_piece("\u{3000}#标题\r"));
        assert!(starts_piece("#"));
        assert!(!starts_piece("## 小标题"));
        assert!(!starts_piece("正文 # 不是"));
        assert!(starts_piece("图片来源:高新区") && starts_piece(" 圖片來源：園區"));
        assert!(!starts_piece("图片来源高新区"));
    }

    /// Streams `bytes` in chunks of `chunk` bytes and returns the pieces.
    fn stream(bytes: &[u8], chunk: usize, config: &InputConfig) -> (Vec<Piece>, &'static str) {
        let mut stream = PageStream::new("page".to_owned(), config);
        stream.chunk = chunk;
        let mut pieces = Vec::new();
        let mut reader = bytes;
        let read = stream
            .run(&mut reader, &mut |event| {
                if let Event::Pieces(_, batch) = event {
                    pieces.extend(batch);
                }
                Ok(())
            })
            .unwrap();
        read.unwrap();
        (pieces, stream.page.encoding)
    }

    fn page_fixtures() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["tests/fixtures/pages", "data/samples"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                // data/samples also holds the walkthrough's zone example (a directory): pages only.
                if path.extension().is_some_and(|e| e == "txt") {
                    files.push(path);
                }
            }
        }
        files.sort();
        assert!(files.len() >= 10);
        files
    }

    #[test]
    fn streaming_in_small_chunks_gives_the_pieces_of_the_whole_page() {
        for path in page_fixtures() {
            let bytes = std::fs::read(&path).unwrap();
            let whole = bulletin_segmenter::decode(&bytes, None).unwrap();
            // Pages repeated, so that headings fall everywhere relative to the chunk edges.
            let bom = match (whole.had_bom, whole.encoding) {
                (false, _) => 0,
                (true, "UTF-8") => 3,
                (true, _) => 2,
            };
            let twice = [bytes.as_slice(), bytes.get(bom..).unwrap()].concat();
            let text = format!("{}{}", whole.text, whole.text);
            stream_equals_whole(&twice, &text, whole.encoding, &path);
            // The same page with old-Mac line endings (a lone `\r`), in UTF-8.
            let mac = text.replace("\r\n", "\n").replace('\n', "\r");
            stream_equals_whole(mac.as_bytes(), &mac, "UTF-8", &path);
        }
    }

    /// Streaming `bytes` (which decode to `text` with `encoding`) in chunks of many sizes gives
    /// the pieces of splitting `text` at once.
    fn stream_equals_whole(bytes: &[u8], text: &str, encoding: &'static str, path: &Path) {
        for granularity in [Granularity::Article, Granularity::Paragraph] {
            let expected = split_page_with(text, granularity);
            let config = InputConfig::new(&[], Some(encoding.to_owned()), 1_000_000, false, granularity).unwrap();
            // The first chunk must hold the BOM (3 bytes); a real first chunk is 1 MiB.
            for chunk in [3, 4, 7, 64, 1000, CHUNK] {
                let (pieces, used) = stream(bytes, chunk, &config);
                assert_eq!(used, encoding);
                assert_eq!(pieces, expected, "{} {granularity:?} chunk {chunk}", path.display());
            }
            let detected = InputConfig { encoding: None, ..config };
            assert_eq!(stream(bytes, CHUNK, &detected), (expected, encoding), "{}", path.display());
        }
    }

    #[test]
    fn a_long_run_without_heading_is_cut_by_force() {
        let config = InputConfig::new(&[], None, 10, false, Granularity::Article).unwrap();
        let line = "高新区招商引资项目签约落地。\n".repeat(100_000);
        let (pieces, _) = stream(line.as_bytes(), 4096, &config);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.last().unwrap().end, line.chars().count() - 1);
        assert!(pieces.iter().enumerate().all(|(i, p)| p.index == i && p.text.chars().count() <= 10));
    }

    /// Streams `bytes` in chunks of `chunk` bytes; returns the number of pieces and the input error.
    fn stream_failing(bytes: &[u8], chunk: usize) -> (usize, String) {
        let config = InputConfig::new(&[], None, 1_000_000, false, Granularity::Article).unwrap();
        let mut stream = PageStream::new("page".to_owned(), &config);
        stream.chunk = chunk;
        let mut pieces = 0;
        let mut reader = bytes;
        let read = stream
            .run(&mut reader, &mut |event| {
                if let Event::Pieces(_, batch) = event {
                    pieces += batch.len();
                }
                Ok(())
            })
            .unwrap();
        (pieces, format!("{:#}", read.unwrap_err()))
    }

    #[test]
    fn undecodable_text_after_the_first_chunk_fails_the_input_at_its_end() {
        let mut page = "# 标题\n正文。\n".repeat(20).into_bytes();
        page.extend_from_slice(&[0xFF; 40]);
        let (pieces, err) = stream_failing(&page, 64);
        // The 20th article runs into the garbage and was still pending.
        assert_eq!(pieces, 19, "the articles before the garbage were emitted");
        assert!(err.contains("cannot decode") && err.contains("UTF-8") && err.contains("40 of"), "{err}");
    }

    #[test]
    fn a_nul_byte_after_the_first_chunk_is_binary_input_at_its_file_offset() {
        let mut page = "# 标题\n正文。\n".repeat(20).into_bytes();
        let at = page.len();
        page.push(0);
        let (_, err) = stream_failing(&page, 64);
        assert!(err.contains(&format!("NUL byte at offset {at}")), "{err}");
    }

    #[test]
    fn block_limit_has_a_floor() {
        assert_eq!(block_limit(10), 1 << 20);
        assert_eq!(block_limit(1_000_000), 4_000_000);
        assert_eq!(block_limit(usize::MAX), usize::MAX);
    }
}
