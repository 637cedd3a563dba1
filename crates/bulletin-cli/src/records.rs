//! `--input-format records`: corpus records (JSON Lines with `id`, `title`, `text`) read as
//! pieces, so that existing records are classified (or split, segmented, suggested) with their
//! ids kept. Labels are not needed and not read.
//!
//! At article granularity a record is one article piece: its title, and its text with the `## `
//! markers of section lines removed (as the page splitter gives them). At paragraph granularity
//! each paragraph (non-empty line that is not a `## ` section line) is a piece, with its record
//! number as `article_index`, its number within the record and the section it sits under.
//! Offsets count chars in the record's `text` field; `index` counts pieces in the file.

use std::io::{BufRead, BufReader, Read};

use anyhow::{Result, anyhow};
use bulletin_core::{Granularity, Piece, PieceKind};
use serde::Deserialize;

use crate::report;

/// Records turned into pieces at a time.
const BATCH: usize = 256;

/// The fields of a record that matter here; everything else (labels too) is ignored.
#[derive(Debug, Deserialize)]
struct PageRecord {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// Reads records from `reader` (named `name` in messages), handing their pieces to `emit` in
/// batches. A line that is not a record is reported as `name:line: reason` and skipped. Returns
/// the number of records read; the outer error is `emit`'s (the output failed), the inner one a
/// read error of the input.
pub fn read(
    reader: &mut dyn Read,
    name: &str,
    granularity: Granularity,
    max_piece_chars: usize,
    emit: &mut dyn FnMut(Vec<Piece>) -> Result<()>,
) -> Result<Result<usize>> {
    let mut reader = BufReader::new(reader);
    let (mut line_no, mut records, mut pieces) = (0usize, 0usize, 0usize);
    let mut batch = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => {
                if !batch.is_empty() {
                    emit(std::mem::take(&mut batch))?;
                }
                let what = if name == "-" { "cannot read standard input".to_owned() } else { format!("cannot read {name}") };
                return Ok(Err(anyhow!(err).context(what)));
            }
        }
        line_no += 1;
        let Some(record) = parse(&buf, name, line_no) else { continue };
        let new = record_pieces(&record, records, pieces, granularity);
        records += 1;
        pieces += new.len();
        for mut piece in new {
            crate::input::truncate_piece(&mut piece, max_piece_chars, name);
            batch.push(piece);
        }
        if batch.len() >= BATCH {
            emit(std::mem::take(&mut batch))?;
        }
    }
    if !batch.is_empty() {
        emit(batch)?;
    }
    Ok(Ok(records))
}

/// Parses one line; `None` for a blank line or a defective one (reported).
fn parse(bytes: &[u8], name: &str, line: usize) -> Option<PageRecord> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        report::warn(format_args!("{name}:{line}: not valid UTF-8; line skipped"));
        return None;
    };
    let text = text.trim_start_matches('\u{FEFF}').trim();
    if text.is_empty() {
        return None;
    }
    match serde_json::from_str::<PageRecord>(text) {
        Ok(r) => Some(r),
        Err(e) => {
            report::warn(format_args!("{name}:{line}: not a record ({e}); line skipped"));
            None
        }
    }
}

/// The pieces of record number `number`, the first one numbered `first_index`.
fn record_pieces(record: &PageRecord, number: usize, first_index: usize, granularity: Granularity) -> Vec<Piece> {
    let title = record.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let mut lines = Vec::new(); // (start char, end char, text, is_section)
    let mut offset = 0;
    for raw in record.text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let lead = body.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = body.trim();
        if !trimmed.is_empty() {
            let start = offset + lead;
            let end = start + trimmed.chars().count();
            match trimmed.strip_prefix("##") {
                Some(section) => lines.push((start, end, section.trim().to_owned(), true)),
                None => lines.push((start, end, trimmed.to_owned(), false)),
            }
        }
        offset += raw.chars().count();
    }
    let total = record.text.chars().count();
    match granularity {
        Granularity::Article => {
            let text = lines.iter().map(|(_, _, t, _)| t.as_str()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n");
            let mut piece = Piece::new(PieceKind::Article, text, 0, total);
            piece.index = first_index;
            piece.title = title;
            piece.id.clone_from(&record.id);
            vec![piece]
        }
        Granularity::Paragraph => {
            let mut pieces = Vec::new();
            let mut section = None;
            for (start, end, text, is_section) in lines {
                if is_section {
                    section = Some(text).filter(|t| !t.is_empty());
                    continue;
                }
                let mut piece = Piece::new(PieceKind::Article, text, start, end);
                piece.index = first_index + pieces.len();
                piece.title.clone_from(&title);
                piece.article_index = Some(number);
                piece.paragraph = Some(pieces.len());
                piece.section.clone_from(&section);
                piece.id.clone_from(&record.id);
                pieces.push(piece);
            }
            pieces
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(json: &str, granularity: Granularity) -> Vec<Piece> {
        let mut out = Vec::new();
        let read = read(&mut json.as_bytes(), "t.jsonl", granularity, 1_000_000, &mut |batch| {
            out.extend(batch);
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(read, json.lines().filter(|l| l.contains("text")).count());
        out
    }

    #[test]
    fn records_become_articles_with_their_ids() {
        let json = "{\"id\":\"r1\",\"title\":\"标题\",\"text\":\"第一段。\\n## 小标题\\n第二段。\",\"labels\":[\"other\"]}\n\n{\"text\":\"无题。\"}\n";
        let p = pieces(json, Granularity::Article);
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].id.as_deref(), p[0].title.as_deref(), p[0].text.as_str()),
            (Some("r1"), Some("标题"), "第一段。\n小标题\n第二段。")
        );
        assert_eq!((p[0].start, p[0].end, p[1].index, p[1].id.as_deref()), (0, 16, 1, None));
    }

    #[test]
    fn paragraphs_keep_their_sections_and_offsets() {
        let json = "{\"id\":\"r1\",\"text\":\" 第一段。\\n## 小标题\\n\\n第二段。\"}\n{\"id\":\"r2\",\"text\":\"另一篇。\"}\n";
        let p = pieces(json, Granularity::Paragraph);
        let got: Vec<_> =
            p.iter().map(|p| (p.index, p.article_index, p.paragraph, p.section.as_deref(), p.start, p.end, p.id.as_deref())).collect();
        assert_eq!(
            got,
            [
                (0, Some(0), Some(0), None, 1, 5, Some("r1")),
                (1, Some(0), Some(1), Some("小标题"), 14, 18, Some("r1")),
                (2, Some(1), Some(0), None, 0, 4, Some("r2")),
            ]
        );
        assert_eq!(" 第一段。\n## 小标题\n\n第二段。".chars().skip(14).take(4).collect::<String>(), "第二段。");
    }
}
