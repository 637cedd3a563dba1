//! Standard output: a buffered writer, the JSON Lines / JSON array emitter, and table helpers.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::sync::atomic::{AtomicU8, Ordering};

use comfy_table::presets::{NOTHING, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use unicode_width::UnicodeWidthChar;

use crate::cli::Format;
use crate::style;

/// The locked, buffered standard output every command writes its results to.
pub type Stdout = BufWriter<Named<StdoutLock<'static>>>;

/// Opens standard output.
pub fn stdout() -> Stdout {
    BufWriter::with_capacity(64 * 1024, Named(io::stdout().lock()))
}

/// A writer whose errors say that it is standard output (`/dev/full` gave a bare "No space left
/// on device"); the error kind is kept, so a closed pipe is still recognised.
#[derive(Debug)]
pub struct Named<W>(W);

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(name)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(name)
    }
}

fn name(err: io::Error) -> io::Error {
    io::Error::new(err.kind(), StdoutError(err))
}

/// A write error of standard output.
#[derive(Debug)]
struct StdoutError(io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

/// Which standard streams (bit 0: stdin, bit 1: stdout) were closed when the process started,
/// recorded by [`RECORD_CLOSED_STREAMS`] before Rust's runtime could hide it.
static CLOSED_AT_START: AtomicU8 = AtomicU8::new(0);

/// Records which of stdin and stdout were closed at exec (`<&-`, `>&-`), before `main`.
///
/// Rust's runtime reopens a closed standard stream on `/dev/null` (read-write) before `main`, so
/// that no file takes its number; after that, a closed stdout cannot be told from a `/dev/null`
/// that the parent opened read-write on purpose, as Python's `subprocess.DEVNULL` and Node's
/// `'ignore'` do. Functions in `.init_array` run before the runtime's start-up, so this one looks
/// at the descriptors as the process received them. Linux only (it asks `/proc/self`); when
/// `/proc` is not mounted nothing is recorded, and elsewhere a closed stream behaves as
/// `/dev/null`.
#[cfg(target_os = "linux")]
#[used]
// SAFETY: the function takes no arguments (extra arguments the loader passes to `.init_array`
// entries are ignored by the C calling convention), does not unwind (every error is ignored),
// and touches nothing but `/proc` and an atomic, which need no initialisation by the runtime.
#[allow(unsafe_code)]
#[unsafe(link_section = ".init_array")]
static RECORD_CLOSED_STREAMS: extern "C" fn() = record_closed_streams;

#[cfg(target_os = "linux")]
extern "C" fn record_closed_streams() {
    if std::fs::symlink_metadata("/proc/self/fd").is_err() {
        return;
    }
    let closed = |fd: u8| u8::from(std::fs::symlink_metadata(format!("/proc/self/fd/{fd}")).is_err()) << fd;
    CLOSED_AT_START.store(closed(0) | closed(1), Ordering::Relaxed);
}

/// Whether standard stream `fd` (0 or 1) was closed when the process started (`<&-`, `>&-`).
///
/// A `/dev/null` opened by the parent, read-only, write-only or read-write, is not closed.
pub fn was_closed(fd: u32) -> bool {
    fd < 2 && CLOSED_AT_START.load(Ordering::Relaxed) & (1 << fd) != 0
}

/// Writes records as JSON Lines or as one JSON array, as they come.
pub struct Emitter<W: Write> {
    out: W,
    format: Format,
    written: usize,
}

impl<W: Write> Emitter<W> {
    /// Starts the output (`[` for the JSON array).
    pub fn new(mut out: W, format: Format) -> io::Result<Self> {
        if format == Format::Json {
            out.write_all(b"[")?;
        }
        Ok(Self { out, format, written: 0 })
    }

    /// The underlying writer (for table output).
    pub fn out(&mut self) -> &mut W {
        &mut self.out
    }

    /// Writes one record.
    pub fn record<T: Serialize>(&mut self, record: &T) -> io::Result<()> {
        match self.format {
            Format::Json => {
                self.out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, record)?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Table => {}
        }
        self.written += 1;
        Ok(())
    }

    /// Writes one record already serialised as one line of JSON (by a worker thread, so that
    /// serialising runs in parallel while the output stays in order).
    pub fn json_record(&mut self, json: &[u8]) -> io::Result<()> {
        match self.format {
            Format::Json => {
                self.out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
                self.out.write_all(json)?;
            }
            Format::Jsonl => {
                self.out.write_all(json)?;
                self.out.write_all(b"\n")?;
            }
            Format::Table => {}
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the output (`]` for the JSON array) and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

/// Rows of a page's table written at once: a page of more pieces is printed in several tables,
/// so table output holds at most this many rows, whatever the page's size.
pub const TABLE_ROWS: usize = 1000;

/// The heading line above (a part of) a page's table: `SOURCE (ENCODING): N pieces` for a page
/// printed whole, `SOURCE (ENCODING): pieces A–B` for a part and `…: pieces A–B of N` for the
/// last part of a page printed in parts.
pub fn table_heading(source: &str, encoding: &str, first: usize, rows: usize, total: Option<usize>) -> String {
    let source = escape(source, false);
    match total {
        Some(total) if first == 0 => format!("{source} ({encoding}): {}", count(total, "piece", "pieces")),
        Some(total) => format!("{source} ({encoding}): pieces {first}–{} of {total}", total.saturating_sub(1)),
        None => format!("{source} ({encoding}): pieces {first}–{}", first + rows.saturating_sub(1)),
    }
}

/// `n` and the noun, singular for one: `1 piece`, `0 pieces`, `7 pieces`.
pub fn count<N: std::fmt::Display + PartialEq + From<u8> + Copy>(n: N, one: &str, many: &str) -> String {
    format!("{n} {}", if n == N::from(1) { one } else { many })
}

/// A page's table built row by row and printed in parts of [`TABLE_ROWS`] rows (`split`,
/// `segment`).
pub struct PagedTable {
    header: Vec<&'static str>,
    table: Option<Table>,
    rows: usize,
    written: usize,
}

impl PagedTable {
    /// An empty table with these column headers.
    pub fn new(header: Vec<&'static str>) -> Self {
        Self { header, table: None, rows: 0, written: 0 }
    }

    /// Adds a row of the page `source` (`encoding`), printing the table so far once it holds
    /// [`TABLE_ROWS`] rows.
    pub fn add_row(&mut self, out: &mut impl Write, source: &str, encoding: &str, row: Vec<String>) -> io::Result<()> {
        let header = &self.header;
        self.table.get_or_insert_with(|| table(header)).add_row(row);
        self.rows += 1;
        if self.rows == TABLE_ROWS {
            let heading = table_heading(source, encoding, self.written, self.rows, None);
            self.write(out, &heading)?;
        }
        Ok(())
    }

    /// Prints the rest of the page's table, `total` pieces in all.
    pub fn end_page(&mut self, out: &mut impl Write, source: &str, encoding: &str, total: usize) -> io::Result<()> {
        let heading = table_heading(source, encoding, self.written, self.rows, Some(total));
        self.write(out, &heading)?;
        self.written = 0;
        Ok(())
    }

    fn write(&mut self, out: &mut impl Write, heading: &str) -> io::Result<()> {
        let table = self.table.take().unwrap_or_else(|| table(&self.header));
        self.written += self.rows;
        self.rows = 0;
        write_human(out, &format!("{heading}\n{}\n", render(&table)))
    }
}

/// Width of tables on a terminal that does not report its size.
const FALLBACK_WIDTH: u16 = 120;

/// A table for people. On a terminal: boxes, fitted to its width (comfy-table measures it).
/// Piped: plain columns without box drawing, never cut, so that `grep`, `cut` and editors get
/// whole lines. Cells may hold colours ([`crate::style`]); their width is measured without them.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    if style::stdout_is_terminal() {
        table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        // A terminal that reports no size (0 columns: `script`, some CI consoles and serial
        // lines) would squeeze every column to one character.
        if table.width().is_none_or(|w| w == 0) {
            table.set_width(FALLBACK_WIDTH);
        }
    } else {
        table.load_preset(NOTHING).force_no_tty();
    }
    if style::stdout() {
        table.enforce_styling();
    }
    table.set_header(header.iter().copied());
    table
}

/// A table as text: piped (plain columns), each line without the padding at its end.
pub fn render(table: &Table) -> String {
    if style::stdout_is_terminal() { table.to_string() } else { table.trim_fmt() }
}

/// Display width of a char in a terminal (CJK and full-width forms take two columns), as
/// comfy-table measures cells.
fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Whether a char must not reach a terminal as is: C0 controls (ESC, BEL, backspace, …), DEL,
/// C1 controls (CSI U+009B, OSC U+009D, …) and the bidirectional overrides and isolates that
/// make text display in another order than it is stored.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` made safe for a terminal, as ripgrep and ls do: every unsafe char (see [`is_unsafe`])
/// becomes a visible escape (`\n`, `\r`, `\t`, `\x1b`, `\u{9b}`, `\u{202e}`), except `\n` when
/// `keep_newlines` (multi-line reports). Borrowed when there is nothing to escape.
pub fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !(keep_newlines && c == '\n')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A table cell naming a theme of `taxonomy` by `label` (its id or Chinese name): escaped, and
/// in the theme's colour when `color`.
pub fn theme_cell(taxonomy: &bulletin_core::Taxonomy, label: &str, color: bool) -> String {
    let style = taxonomy.index_of(label).map_or_else(anstyle::Style::new, |t| style::theme(t, taxonomy.fallback()));
    style::paint(&escape(label, false), style, color)
}

/// Writes a human-readable report (tables, summaries) with [`escape`]: file names, titles,
/// theme names and features from files cannot send escape sequences to the terminal.
pub fn write_human(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(escape(text, true).as_bytes())
}

/// The text on one line, cut to `width` display columns with `…`; whitespace becomes spaces and
/// other unsafe chars visible escapes (see [`escape`]), before the width is measured.
pub fn truncate(text: &str, width: usize) -> String {
    let text = escape(text, true);
    let flat = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c });
    if flat.clone().map(char_width).sum::<usize>() <= width {
        return flat.collect();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in flat {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A ten-cell bar and the value: `█████░░░░░ 0.52`.
pub fn bar(p: f64) -> String {
    let p = if p.is_finite() { p.clamp(0.0, 1.0) } else { 0.0 };
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "p is clamped to 0..=1")]
    let full = (p * 10.0).round() as usize;
    format!("{}{} {p:.2}", "█".repeat(full), "░".repeat(10 - full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_cjk_as_two_columns() {
        assert_eq!(truncate("高新区招商", 6), "高新…");
        assert_eq!(truncate("高新区", 6), "高新区");
        assert_eq!(truncate("abc\ndef", 10), "abc def");
    }

    #[test]
    fn control_characters_are_escaped_visibly() {
        assert!(matches!(escape("高新区 plain\n", true), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}]0;owned\u{7}b\u{8}", false), "a\\x1b]0;owned\\x07b\\x08");
        assert_eq!(escape("x\ny\rz\t", false), "x\\ny\\rz\\t");
        assert_eq!(escape("x\ny", true), "x\ny");
        assert_eq!(escape("\u{9b}31m\u{7f}\u{202e}txt", false), "\\u{9b}31m\\x7f\\u{202e}txt");
        assert_eq!(truncate("标题\u{1b}[2J", 40), "标题\\x1b[2J");
    }

    #[test]
    fn one_piece_is_singular() {
        assert_eq!(table_heading("p.txt", "UTF-8", 0, 1, Some(1)), "p.txt (UTF-8): 1 piece");
        assert_eq!(table_heading("p.txt", "UTF-8", 0, 0, Some(0)), "p.txt (UTF-8): 0 pieces");
        assert_eq!(count(2, "piece", "pieces"), "2 pieces");
    }

    #[test]
    fn bar_has_ten_cells() {
        assert_eq!(bar(0.52), "█████░░░░░ 0.52");
        assert_eq!(bar(f64::NAN), "░░░░░░░░░░ 0.00");
    }
}
