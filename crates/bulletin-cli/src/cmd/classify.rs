//! `bulletin classify`: pages → pieces with themes, in parallel, output in input order.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bulletin_classifier::{TagOptions, Tagged, Tagger};
use bulletin_core::Piece;
use rayon::prelude::*;

use crate::cli::{ClassifyArgs, Format};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig};
use crate::jsonl::{ClassifyRecord, PieceRecord};
use crate::model;
use crate::output::{self, Emitter, Stdout};

/// Pieces tagged in parallel before their results are written: bounds memory on huge pages
/// while keeping every core busy.
const BLOCK: usize = 256;

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
}

impl ClassifyConfig {
    /// Validates the parsed arguments.
    pub fn new(args: ClassifyArgs) -> Result<Self> {
        if let Some(p) = args.min_confidence {
            if !(0.0..=1.0).contains(&p) {
                bail!("--min-confidence must be between 0 and 1, got {p}");
            }
        }
        let granularity = super::granularity(args.granularity);
        Ok(Self {
            input: InputConfig::new(&args.input.files, args.input.encoding, args.input.max_piece_chars, granularity)?,
            format: args.input.format,
            model: args.model,
            options: TagOptions::default().with_min_confidence(args.min_confidence).with_explain(args.explain),
            threads: args.threads.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        })
    }
}

/// Runs `classify`.
pub fn run(config: &ClassifyConfig) -> Result<ExitCode> {
    let tagger = model::load_tagger(config.model.as_deref())?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build().context("cannot start the worker threads")?;
    let mut emitter = Emitter::new(output::stdout(), config.format)?;
    let code = input::for_each_page(&config.input, |page, pieces| {
        let mut rows = Vec::new();
        let mut pieces = pieces.into_iter().peekable();
        let total = pieces.len();
        while pieces.peek().is_some() {
            let block: Vec<Piece> = pieces.by_ref().take(BLOCK).collect();
            let results: Vec<Tagged> =
                pool.install(|| block.into_par_iter().map(|piece| tagger.tag_piece(piece, config.options)).collect());
            for t in &results {
                if config.format == Format::Table {
                    rows.push(table_row(&tagger, t));
                } else {
                    let piece = PieceRecord::new(&page.source, page.encoding, &t.piece);
                    emitter.record(&ClassifyRecord::new(piece, &t.prediction, tagger.model().taxonomy()))?;
                }
            }
        }
        if config.format == Format::Table {
            write_table(emitter.out(), &page.source, page.encoding, total, rows)?;
        }
        Ok(())
    })?;
    emitter.finish()?;
    Ok(code)
}

fn table_row(tagger: &Tagger, result: &Tagged) -> [String; 6] {
    let taxonomy = tagger.model().taxonomy();
    let name = |t: usize| taxonomy.theme(t).map_or("?", |t| t.name_zh());
    let p = &result.prediction;
    let theme = if p.abstained { format!("{} (abstained)", name(p.theme)) } else { name(p.theme).to_owned() };
    let piece = &result.piece;
    let title = piece.title.as_deref().filter(|t| !t.is_empty()).unwrap_or(&piece.text);
    let index = match (piece.article_index, piece.paragraph) {
        (Some(a), Some(n)) => format!("{} ({a}.{n})", piece.index),
        _ => piece.index.to_string(),
    };
    [
        index,
        piece.kind.as_str().to_owned(),
        output::truncate(title, 36),
        theme,
        output::bar(p.confidence),
        p.tags.iter().map(|&t| name(t)).collect::<Vec<_>>().join("、"),
    ]
}

fn write_table(out: &mut Stdout, source: &str, encoding: &str, total: usize, rows: Vec<[String; 6]>) -> std::io::Result<()> {
    let mut table = output::table(&["#", "kind", "title", "theme", "confidence", "tags"]);
    for row in rows {
        table.add_row(row);
    }
    writeln!(out, "{source} ({encoding}): {total} pieces")?;
    writeln!(out, "{table}")
}
