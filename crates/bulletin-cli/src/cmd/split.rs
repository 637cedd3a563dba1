//! `bulletin split`: pages → pieces.

use std::io::Write;

use anyhow::Result;
use bulletin_core::Granularity;

use crate::cli::{Format, SplitArgs};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig};
use crate::jsonl::PieceRecord;
use crate::output::{self, Emitter};

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
            input: InputConfig::new(&args.input.files, args.input.encoding, args.input.max_piece_chars, granularity)?,
            format: args.input.format,
        })
    }
}

/// Runs `split`.
pub fn run(config: &SplitConfig) -> Result<ExitCode> {
    let mut emitter = Emitter::new(output::stdout(), config.format)?;
    let code = input::for_each_page(&config.input, |page, pieces| {
        if config.format == Format::Table {
            let paragraphs = config.input.granularity == Granularity::Paragraph;
            let mut header = vec!["#", "kind", "title", "byline", "chars", "text"];
            if paragraphs {
                header.splice(1..1, ["article", "para", "section"]);
            }
            let mut table = output::table(&header);
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
            let out = emitter.out();
            writeln!(out, "{} ({}): {} pieces", page.source, page.encoding, pieces.len())?;
            writeln!(out, "{table}")?;
        } else {
            for piece in &pieces {
                emitter.record(&PieceRecord::new(&page.source, page.encoding, piece))?;
            }
        }
        Ok(())
    })?;
    emitter.finish()?;
    Ok(code)
}
