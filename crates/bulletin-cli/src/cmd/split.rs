//! `bulletin split`: pages → pieces.

use std::io::Write;

use anyhow::Result;
use bulletin_core::{Granularity, Piece};
use comfy_table::Table;

use crate::cli::{Format, SplitArgs};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::jsonl::PieceRecord;
use crate::output::{self, Emitter, Stdout};

/// Validated `split` options.
#[derive(Debug)]
pub struct SplitConfig {
    /// Inputs.
    pub input: InputConfig,
    /// Output format.
    pub format: Format,
}

impl SplitConfig {
    /// Validates the parsed arguments.
    pub fn new(args: SplitArgs) -> Result<Self> {
        let granularity = super::granularity(args.granularity);
        Ok(Self {
            input: InputConfig::new(&args.input.files, args.input.encoding, args.input.max_piece_chars, args.input.strict, granularity)?,
            format: args.input.format,
        })
    }
}

/// Runs `split`.
pub fn run(config: &SplitConfig) -> Result<ExitCode> {
    let paragraphs = config.input.granularity == Granularity::Paragraph;
    let mut sink = SplitSink { emitter: Emitter::new(output::stdout(), config.format)?, format: config.format, paragraphs, table: None };
    let code = input::for_each_page(&config.input, &mut sink)?;
    sink.emitter.finish()?;
    Ok(code)
}

/// Writes pieces as they come; a table is printed whole at the end of its page.
struct SplitSink {
    emitter: Emitter<Stdout>,
    format: Format,
    paragraphs: bool,
    table: Option<Table>,
}

impl PageSink for SplitSink {
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()> {
        if self.format != Format::Table {
            for piece in &pieces {
                self.emitter.record(&PieceRecord::new(&page.source, page.encoding, piece))?;
            }
            return Ok(());
        }
        let paragraphs = self.paragraphs;
        let table = self.table.get_or_insert_with(|| new_table(paragraphs));
        for p in &pieces {
            let mut row = vec![
                p.index.to_string(),
                p.kind.as_str().to_owned(),
                output::truncate(p.title.as_deref().unwrap_or(""), 30),
                p.byline.clone().or_else(|| p.credit.as_ref().map(|c| format!("图片来源:{c}"))).unwrap_or_default(),
                format!("{}..{}", p.start, p.end),
                output::truncate(&p.text, 40),
            ];
            if paragraphs {
                let opt = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_default();
                row.splice(1..1, [opt(p.article_index), opt(p.paragraph), output::truncate(p.section.as_deref().unwrap_or(""), 16)]);
            }
            table.add_row(row);
        }
        Ok(())
    }

    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        if self.format == Format::Table {
            let table = self.table.take().unwrap_or_else(|| new_table(self.paragraphs));
            let out = self.emitter.out();
            writeln!(out, "{} ({}): {} pieces", page.source, page.encoding, total)?;
            writeln!(out, "{table}")?;
        }
        Ok(())
    }
}

/// The table of one page's pieces.
fn new_table(paragraphs: bool) -> Table {
    let mut header = vec!["#", "kind", "title", "byline", "chars", "text"];
    if paragraphs {
        header.splice(1..1, ["article", "para", "section"]);
    }
    output::table(&header)
}
