//! `bulletin split`: pages → pieces.

use anyhow::Result;
use bulletin_core::{Granularity, Piece};

use crate::cli::{Format, SplitArgs};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::jsonl::PieceRecord;
use crate::output::{self, Emitter, PagedTable, Stdout};

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
    pub fn new(args: &SplitArgs) -> Result<Self> {
        let granularity = super::granularity(args.granularity);
        Ok(Self { input: InputConfig::from_args(&args.input, granularity)?, format: args.output.format })
    }
}

/// Runs `split`.
pub fn run(config: &SplitConfig) -> Result<ExitCode> {
    let paragraphs = config.input.granularity == Granularity::Paragraph;
    let mut sink = SplitSink {
        emitter: Emitter::new(output::stdout(), config.format)?,
        format: config.format,
        paragraphs,
        table: new_table(paragraphs),
    };
    let code = input::for_each_page(&config.input, &mut sink)?;
    sink.emitter.finish()?;
    Ok(code)
}

/// Writes pieces as they come; a table is printed at the end of its page, or in parts of
/// [`output::TABLE_ROWS`] rows.
struct SplitSink {
    emitter: Emitter<Stdout>,
    format: Format,
    paragraphs: bool,
    table: PagedTable,
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
        for p in &pieces {
            let mut row = vec![p.index.to_string(), p.kind.as_str().to_owned()];
            if paragraphs {
                // The article's title and byline would repeat on each of its paragraphs' rows.
                let opt = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_default();
                row.splice(1..1, [opt(p.article_index), opt(p.paragraph), output::truncate(p.section.as_deref().unwrap_or(""), 16)]);
            } else {
                row.push(output::truncate(p.title.as_deref().unwrap_or(""), 30));
                row.push(p.byline.clone().or_else(|| p.credit.as_ref().map(|c| format!("图片来源:{c}"))).unwrap_or_default());
            }
            row.extend([format!("{}..{}", p.start, p.end), output::truncate(&p.text, 40)]);
            self.table.add_row(self.emitter.out(), &page.source, page.encoding, row)?;
        }
        Ok(())
    }

    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        crate::report::input_read(&page.source, page.encoding, total);
        if self.format == Format::Table {
            self.table.end_page(self.emitter.out(), &page.source, page.encoding, total)?;
        }
        Ok(())
    }
}

/// The table of one page's pieces.
fn new_table(paragraphs: bool) -> PagedTable {
    let mut header = vec!["#", "kind", "title", "byline", "chars", "text"];
    if paragraphs {
        header.splice(2..4, []);
        header.splice(1..1, ["article", "para", "section"]);
    }
    PagedTable::new(header)
}
