//! `bulletin classify`: pages → pieces with themes, in parallel, output in input order.
//!
//! Threads. With `--threads 1` everything runs on the calling thread. With N > 1, N pool
//! workers tag the pieces while the calling thread reads, decodes and splits the input and
//! writes the results: about a tenth of the tagging's CPU time, so the calling thread mostly
//! waits and N workers keep N cores busy (a separate reader thread, as before, only added a
//! thread and a hand-off).
//!
//! No barrier: each batch of pieces from the reader is cut into units of about
//! [`UNIT_BYTES`] of text, spawned on the pool in input order (the pool takes work spawned
//! from outside first in, first out), and the calling thread writes a unit's results once it
//! and every unit before it are done, while the next ones are being tagged. It spawns ahead
//! until [`IN_FLIGHT_BYTES`] are in flight, then waits for the oldest unit, so memory stays
//! bounded by the largest batch (one segment of the reader) plus that window (and its JSON),
//! whatever the input size. A piece counts its text plus [`PIECE_OVERHEAD`]: counting text alone
//! let a page of heading-only lines (no text at all) put every piece in flight at once.
//!
//! Memory is not freed across threads: glibc's allocator locks a block's arena when another
//! thread frees it (and may trim the arena with the lock held), so freeing each piece's JSON on
//! the writing thread and each piece's text on a worker made the threads wait on each other
//! thousands of times per run. A unit's buffers (pieces in, JSON out) are recycled from unit to
//! unit instead, and the pieces come back to be dropped by the thread that split them.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, TryRecvError};

use anyhow::{Context, Result, anyhow, bail};
use bulletin_classifier::{ClassifierError, TagOptions, Tagged, Tagger};
use bulletin_core::{Granularity, Piece};

use crate::cli::{ClassifyArgs, Format, SortArg};
use crate::exit::{ExitCode, UsageError};
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::jsonl::{ClassifyRecord, PieceRecord};
use crate::output::{self, Emitter, Stdout};
use crate::walk::Source;
use crate::{model, style};

/// Cost ([`cost`]: text bytes plus a per-piece overhead) per unit of work: small enough that the last unit of the input leaves the other
/// workers idle for little time (about a millisecond of tagging), large enough that spawning
/// and receiving a unit costs nothing next to tagging it.
const UNIT_BYTES: usize = 16 << 10;

/// Cost in flight (spawned, not yet written) beyond which reading waits for the oldest
/// unit: 32 units, enough to keep the workers busy while the calling thread reads and splits
/// the next chunk, and small for memory (the JSON of a unit is up to six times its text, in
/// paragraphs).
const IN_FLIGHT_BYTES: usize = 512 << 10;

/// What a piece counts for in [`UNIT_BYTES`] and [`IN_FLIGHT_BYTES`]: its text, its other
/// strings, and [`PIECE_OVERHEAD`] for its structure, its result and its JSON record, so that
/// tiny pieces (heading-only lines, one-line captions) are bounded by number as well as by bytes.
fn cost(piece: &Piece) -> usize {
    let strings = [&piece.title, &piece.byline, &piece.credit, &piece.section].into_iter().flatten().map(String::len).sum::<usize>();
    piece.text.len() + strings + PIECE_OVERHEAD
}

/// The bytes a piece costs beyond its strings: the `Piece` and its allocations, its prediction
/// (scores and tags), and its JSON record (about 300 bytes of fields and scores).
const PIECE_OVERHEAD: usize = 512;

/// Validated `classify` options.
#[derive(Debug)]
pub struct ClassifyConfig {
    /// Inputs.
    pub input: InputConfig,
    /// Output format.
    pub format: Format,
    /// The model file; `None` for the embedded model.
    pub model: Option<PathBuf>,
    /// Abstain threshold and explanations.
    pub options: TagOptions,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Table rows least confident first (each input's table is then held until the input ends).
    pub sort_by_confidence: bool,
    /// Whether table cells are coloured by theme.
    pub color: bool,
}

impl ClassifyConfig {
    /// Validates the parsed arguments.
    pub fn new(args: ClassifyArgs) -> Result<Self> {
        let granularity = super::granularity(args.granularity);
        let sort_by_confidence = args.sort == SortArg::Confidence;
        if sort_by_confidence && args.output.format != Format::Table {
            bail!(
                "--sort confidence orders table rows; JSON output stays in input order (sort it with e.g. `jq -s 'sort_by(.confidence)'`)"
            );
        }
        Ok(Self {
            sort_by_confidence,
            color: crate::style::stdout(),
            input: InputConfig::from_args(&args.input, granularity)?,
            format: args.output.format,
            model: args.model,
            options: TagOptions::default().with_min_confidence(args.min_confidence).with_explain(args.explain),
            threads: args.threads.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        })
    }
}

/// Runs `classify`.
pub fn run(config: &ClassifyConfig) -> Result<ExitCode> {
    let tagger = model::load_tagger(config.model.as_deref())?;
    if config.options.explain > 0 {
        let plugin = tagger.model().plugin();
        if let Err(ClassifierError::Unsupported { .. }) = plugin.explain(&[]) {
            // An empty `why` for every piece would look like an explanation that found nothing.
            return Err(UsageError(format!(
                "--explain: the `{}` classifier of this model cannot explain its decisions; use a model trained with multinomial, complement or bernoulli, or drop --explain",
                plugin.name()
            ))
            .into());
        }
    }
    let emitter = Emitter::new(output::stdout(), config.format)?;
    if config.threads == 1 {
        return classify(&tagger, config, None, emitter);
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build().context("cannot start the worker threads")?;
    pool.in_place_scope(|scope| classify(&tagger, config, Some(scope), emitter))
}

/// Classifies every input, tagging on `scope`'s pool or, without one, on the calling thread.
fn classify<'scope>(
    tagger: &'scope Tagger,
    config: &'scope ClassifyConfig,
    scope: Option<&rayon::Scope<'scope>>,
    emitter: Emitter<Stdout>,
) -> Result<ExitCode> {
    let mut sink = ClassifySink {
        tagger,
        config,
        scope,
        emitter,
        progress: InputProgress::new(&config.input),
        rows: Vec::new(),
        rows_written: 0,
        counts: Counts::default(),
        in_flight: VecDeque::new(),
        spare: Vec::new(),
        in_flight_bytes: 0,
    };
    let code = input::for_each_page(&config.input, &mut sink)?;
    sink.write_done(true)?;
    sink.progress = None;
    sink.emitter.finish()?;
    Ok(code)
}

/// Tags pieces (on the pool when there is one) and writes the results in input order.
struct ClassifySink<'s, 'scope> {
    tagger: &'scope Tagger,
    config: &'scope ClassifyConfig,
    scope: Option<&'s rayon::Scope<'scope>>,
    emitter: Emitter<Stdout>,
    /// Table rows of the current page not yet written.
    rows: Vec<Row>,
    /// Rows of the current page already written, in tables of [`output::TABLE_ROWS`].
    rows_written: usize,
    /// The current page's pieces per reported theme, for the line under its table.
    counts: Counts,
    /// The progress bar of a large run.
    progress: Option<InputProgress>,
    /// Spawned units and page ends not yet written, in input order.
    in_flight: VecDeque<Pending>,
    /// Written units, to reuse.
    spare: Vec<Unit>,
    /// Cost of the units in `in_flight`.
    in_flight_bytes: usize,
}

/// A unit of pieces, tagged and rendered for the output format; its buffers are reused.
#[derive(Default)]
struct Unit {
    /// The pieces to tag (tagging moves them to `pieces`).
    input: Vec<Piece>,
    /// JSON records one after the other; record `i` ends at `ends[i]`.
    json: Vec<u8>,
    ends: Vec<usize>,
    /// Table rows.
    rows: Vec<Row>,
    /// The page of the pieces (for a table written before the page ends).
    page: Option<PageInfo>,
    /// The pieces, given back to be dropped by the thread that allocated them.
    pieces: Vec<Piece>,
    /// The error rendering the piece after the last record, which ends the unit.
    error: Option<serde_json::Error>,
}

/// Something to write once everything before it is written.
enum Pending {
    /// A unit being tagged, and its cost.
    Unit(mpsc::Receiver<Unit>, usize),
    /// The end of a page, after its pieces.
    End(PageInfo, usize),
}

/// Tags the pieces of `unit.input` and renders them for the output format.
fn tag(tagger: &Tagger, config: &ClassifyConfig, page: &PageInfo, mut out: Unit) -> Unit {
    let mut input = std::mem::take(&mut out.input);
    for piece in input.drain(..) {
        let t = tagger.tag_piece(piece, config.options);
        if config.format == Format::Table {
            out.rows.push(table_row(tagger, config, &t));
        } else {
            let piece = PieceRecord::new(&page.source, page.encoding, &t.piece);
            if let Err(err) = serde_json::to_writer(&mut out.json, &ClassifyRecord::new(piece, &t.prediction, tagger.model().taxonomy())) {
                out.json.truncate(out.ends.last().copied().unwrap_or(0));
                out.error = Some(err);
                break;
            }
            out.ends.push(out.json.len());
        }
        out.pieces.push(t.piece);
    }
    out.input = input;
    out
}

impl<'scope> ClassifySink<'_, 'scope> {
    /// Spawns the tagging of `unit` (`bytes` of text) on the pool.
    fn spawn(&mut self, scope: &rayon::Scope<'scope>, page: &PageInfo, unit: Unit, bytes: usize) {
        let (tagger, config, page) = (self.tagger, self.config, page.clone());
        let (tx, rx) = mpsc::sync_channel(1);
        scope.spawn(move |_| {
            // The receiver is gone only when the output failed: the results are not wanted then.
            let _ = tx.send(tag(tagger, config, &page, unit));
        });
        self.in_flight.push_back(Pending::Unit(rx, bytes));
        self.in_flight_bytes += bytes;
    }

    /// Writes what is done at the front of the queue, in order. With `all`, or while more than
    /// [`IN_FLIGHT_BYTES`] are in flight, waits for the unit at the front; otherwise stops at
    /// the first unit still being tagged.
    fn write_done(&mut self, all: bool) -> Result<()> {
        while let Some(pending) = self.in_flight.pop_front() {
            match pending {
                Pending::End(page, total) => self.write_end(&page, total)?,
                Pending::Unit(rx, bytes) => {
                    let received = if all || self.in_flight_bytes > IN_FLIGHT_BYTES {
                        rx.recv().ok()
                    } else {
                        match rx.try_recv() {
                            Ok(results) => Some(results),
                            Err(TryRecvError::Empty) => {
                                self.in_flight.push_front(Pending::Unit(rx, bytes));
                                return Ok(());
                            }
                            Err(TryRecvError::Disconnected) => None,
                        }
                    };
                    // The sender is dropped without sending only when tagging panicked; the
                    // panic is resumed when the scope ends.
                    let unit = received.ok_or_else(|| anyhow!("a worker thread stopped"))?;
                    self.in_flight_bytes -= bytes;
                    self.write(unit)?;
                }
            }
        }
        Ok(())
    }

    /// Writes a unit's records (keeps its table rows for the end of the page) and keeps the
    /// unit for reuse.
    fn write(&mut self, mut unit: Unit) -> Result<()> {
        let mut start = 0;
        for &end in &unit.ends {
            self.emitter.json_record(unit.json.get(start..end).unwrap_or_default())?;
            start = end;
        }
        for row in &unit.rows {
            self.counts.add(row);
        }
        self.rows.append(&mut unit.rows);
        // Sorted by confidence, an input's table is held until it ends (documented); otherwise it
        // is written in tables of TABLE_ROWS rows, so memory does not grow with the input.
        let chunked = !self.config.sort_by_confidence;
        while let Some(page) = unit.page.as_ref().filter(|_| chunked && self.rows.len() >= output::TABLE_ROWS) {
            let rows: Vec<Row> = self.rows.drain(..output::TABLE_ROWS).collect();
            let heading = output::table_heading(&page.source, page.encoding, self.rows_written, rows.len(), None);
            self.rows_written += rows.len();
            write_table(self.emitter.out(), self.config, &heading, rows, None)?;
        }
        if let Some(err) = unit.error.take() {
            return Err(err.into());
        }
        unit.json.clear();
        unit.ends.clear();
        unit.pieces.clear();
        self.spare.push(unit);
        Ok(())
    }

    fn write_end(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        if self.config.format == Format::Table {
            let heading =
                output::table_heading(&page.source, page.encoding, std::mem::take(&mut self.rows_written), self.rows.len(), Some(total));
            let mut rows = std::mem::take(&mut self.rows);
            if self.config.sort_by_confidence {
                // Stable: equally confident pieces keep their input order.
                rows.sort_by(|a, b| a.confidence.total_cmp(&b.confidence));
            }
            let counts = std::mem::take(&mut self.counts).line(self.tagger, self.config.color);
            write_table(self.emitter.out(), self.config, &heading, rows, Some(&counts))?;
        }
        Ok(())
    }
}

impl PageSink for ClassifySink<'_, '_> {
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()> {
        if let Some(progress) = &mut self.progress {
            progress.read(page, &pieces);
        }
        let mut unit = self.spare.pop().unwrap_or_default();
        unit.page = Some(page.clone());
        let mut bytes = 0;
        let mut pieces = pieces.into_iter().peekable();
        while let Some(piece) = pieces.next() {
            bytes += cost(&piece);
            unit.input.push(piece);
            if bytes < UNIT_BYTES && pieces.peek().is_some() {
                continue;
            }
            let mut next = self.spare.pop().unwrap_or_default();
            next.page = Some(page.clone());
            let unit = std::mem::replace(&mut unit, next);
            let unit_bytes = std::mem::take(&mut bytes);
            if let Some(scope) = self.scope {
                self.spawn(scope, page, unit, unit_bytes);
                self.write_done(false)?;
            } else {
                let unit = tag(self.tagger, self.config, page, unit);
                self.write(unit)?;
            }
        }
        self.spare.push(unit);
        Ok(())
    }

    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        crate::report::input_read(&page.source, page.encoding, total);
        if let Some(progress) = &mut self.progress {
            progress.end_page(page);
        }
        if self.in_flight.is_empty() {
            return self.write_end(page, total);
        }
        self.in_flight.push_back(Pending::End(page.clone(), total));
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.write_done(true)?;
        Ok(self.emitter.out().flush()?)
    }
}

/// Inputs of more bytes than this get a progress bar (about a second of tagging on one core).
const PROGRESS_BYTES: u64 = 8 << 20;

/// The progress bar of `classify`: the bytes of the input files, advanced by the text of the
/// pieces read (an estimate within a file: markup, blank lines and other encodings than UTF-8
/// make bytes and text differ) and set exactly at the end of each file.
struct InputProgress {
    bar: crate::report::Progress,
    /// The size of each input file, by the name its pages carry.
    sizes: HashMap<String, u64>,
    /// The bytes of the inputs finished.
    done: u64,
    /// The text read from the current input.
    current: u64,
}

impl InputProgress {
    /// A bar when the input files hold more than [`PROGRESS_BYTES`], standard error is a terminal
    /// that the results do not scroll over (standard output is not a terminal), and `-q` is not given.
    fn new(input: &InputConfig) -> Option<Self> {
        let sizes: HashMap<String, u64> = input
            .sources
            .iter()
            .filter_map(|s| if let Source::File(p) = s { Some((s.name(), std::fs::metadata(p).ok()?.len())) } else { None })
            .collect();
        let total = sizes.values().sum();
        if total < PROGRESS_BYTES || style::stdout_is_terminal() {
            return None;
        }
        let bar = crate::report::progress("classifying", total, "bytes");
        bar.is_drawn().then(|| Self { bar, sizes, done: 0, current: 0 })
    }

    fn read(&mut self, page: &PageInfo, pieces: &[Piece]) {
        let size = self.sizes.get(&page.source).copied().unwrap_or(0);
        self.current += pieces.iter().map(|p| (p.text.len() + p.title.as_ref().map_or(0, String::len)) as u64).sum::<u64>();
        self.bar.set_position(self.done + self.current.min(size));
    }

    fn end_page(&mut self, page: &PageInfo) {
        self.done += self.sizes.get(&page.source).copied().unwrap_or(0);
        self.current = 0;
        self.bar.set_position(self.done);
    }
}

/// A table row: its cells, and what sorting and counting need.
struct Row {
    /// The key of `--sort confidence`: the confidence, or the best guess's score when abstained.
    confidence: f64,
    /// The reported theme.
    theme: usize,
    abstained: bool,
    /// The cells, already escaped for the terminal (and coloured when colour is on).
    cells: Vec<String>,
}

/// Opening text shown for a paragraph, in display columns.
const OPENING_WIDTH: usize = 36;

fn table_row(tagger: &Tagger, config: &ClassifyConfig, result: &Tagged) -> Row {
    let taxonomy = tagger.model().taxonomy();
    let fallback = taxonomy.fallback();
    let on = config.color;
    let name = |t: usize| output::escape(taxonomy.theme(t).map_or("?", |t| t.name_zh()), false).into_owned();
    let painted = |t: usize| style::paint(&name(t), style::theme(t, fallback), on);
    let p = &result.prediction;
    // An abstained piece keeps its best guess in view for the reviewer.
    let theme =
        if p.abstained { format!("{} (? {} {:.2})", painted(p.theme), painted(p.best), p.scores[p.best]) } else { painted(p.theme) };
    let piece = &result.piece;
    let index = match (piece.article_index, piece.paragraph) {
        (Some(a), Some(n)) => format!("{} ({a}.{n})", piece.index),
        _ => piece.index.to_string(),
    };
    let mut cells = vec![index, piece.kind.as_str().to_owned()];
    if config.input.granularity == Granularity::Paragraph {
        // Every paragraph of an article has its title: show where it is and how it opens instead.
        cells.push(output::truncate(piece.section.as_deref().unwrap_or(""), 16));
        cells.push(output::truncate(&piece.text, OPENING_WIDTH));
    } else {
        cells.push(output::truncate(piece.title.as_deref().filter(|t| !t.is_empty()).unwrap_or(&piece.text), OPENING_WIDTH));
    }
    cells.push(theme);
    cells.push(style::paint(&output::bar(p.confidence), style::theme(p.theme, fallback), on));
    cells.push(p.tags.iter().map(|&t| painted(t)).collect::<Vec<_>>().join("、"));
    if config.options.explain > 0 {
        let why = p.why.iter().flatten().map(|r| format!("{} {:+.2}", output::escape(&r.feature, false), r.contribution));
        cells.push(why.collect::<Vec<_>>().join("\n"));
    }
    let confidence = if p.abstained { p.scores[p.best] } else { p.confidence };
    Row { confidence, theme: p.theme, abstained: p.abstained, cells }
}

/// Pieces per reported theme on one page, for the line under its table.
#[derive(Default)]
struct Counts {
    themes: Vec<usize>,
    abstained: usize,
}

impl Counts {
    fn add(&mut self, row: &Row) {
        if self.themes.len() <= row.theme {
            self.themes.resize(row.theme + 1, 0);
        }
        self.themes[row.theme] += 1;
        self.abstained += usize::from(row.abstained);
    }

    /// `per theme: 招商引资 2, 高企培育 1, …, 其他 3 (1 abstained)`, every theme in taxonomy order.
    fn line(&self, tagger: &Tagger, color: bool) -> String {
        let taxonomy = tagger.model().taxonomy();
        let fallback = taxonomy.fallback();
        let themes = taxonomy.themes().iter().enumerate().map(|(i, t)| {
            let name = style::paint(&output::escape(t.name_zh(), false), style::theme(i, fallback), color);
            format!("{name} {}", self.themes.get(i).copied().unwrap_or(0))
        });
        let mut line = format!("per theme: {}", themes.collect::<Vec<_>>().join(", "));
        if self.abstained > 0 {
            let _ = write!(line, " ({} abstained)", self.abstained);
        }
        line
    }
}

/// Writes a table of rows under its heading, and the per-theme line when the page ends.
fn write_table(out: &mut Stdout, config: &ClassifyConfig, heading: &str, rows: Vec<Row>, counts: Option<&str>) -> std::io::Result<()> {
    let mut header = vec!["#", "kind"];
    if config.input.granularity == Granularity::Paragraph {
        header.extend(["section", "text"]);
    } else {
        header.push("title");
    }
    header.extend(["theme", "confidence", "tags"]);
    if config.options.explain > 0 {
        header.push("why");
    }
    let mut table = output::table(&header);
    for row in rows {
        table.add_row(row.cells);
    }
    // Every cell is escaped already; the heading escapes its file name.
    writeln!(out, "{heading}\n{}", output::render(&table))?;
    if let Some(counts) = counts {
        writeln!(out, "{counts}")?;
    }
    Ok(())
}
