//! Standard output: a buffered writer, the JSON Lines / JSON array emitter, and table helpers.

use std::io::{self, BufWriter, StdoutLock, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::cli::Format;

/// The locked, buffered standard output every command writes its results to.
pub type Stdout = BufWriter<StdoutLock<'static>>;

/// Opens standard output.
pub fn stdout() -> Stdout {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
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

/// A table sized to the terminal (120 columns when standard output is not one).
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_header(header.iter().copied());
    let width = terminal_size::terminal_size().map_or(120, |(w, _)| w.0);
    table.set_width(width);
    table
}

/// Display width of a char: 2 for CJK and full-width forms, 1 otherwise.
fn char_width(c: char) -> usize {
    let c = u32::from(c);
    let wide = (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
        || (0x20000..=0x3FFFD).contains(&c);
    if wide { 2 } else { 1 }
}

/// The text on one line, cut to `width` display columns with `…`.
pub fn truncate(text: &str, width: usize) -> String {
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
    fn bar_has_ten_cells() {
        assert_eq!(bar(0.52), "█████░░░░░ 0.52");
        assert_eq!(bar(f64::NAN), "░░░░░░░░░░ 0.00");
    }
}
