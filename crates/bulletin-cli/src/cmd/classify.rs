//! `bulletin classify`: pages → pieces with themes, in parallel, output in input order.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bulletin_classifier::{TagOptions, Tagged, Tagger};
use bulletin_core::Piece;
use rayon::prelude::*;

use crate::cli::{ClassifyArgs, Format};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::jsonl::{ClassifyRecord, PieceRecord};
use crate::model;
use crate::output::{self, Emitter, Stdout};

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
    // With several workers, a reader thread decodes and splits the next batch meanwhile.
    let overlap = pool.current_num_threads() > 1;
    let mut sink =
        ClassifySink { tagger: &tagger, pool: &pool, config, emitter: Emitter::new(output::stdout(), config.format)?, rows: Vec::new() };
    let code = input::for_each_page(&config.input, overlap, &mut sink)?;
    sink.emitter.finish()?;
    Ok(code)
}

/// Tags each batch in parallel and writes the results in input order.
struct ClassifySink<'a> {
    tagger: &'a Tagger,
    pool: &'a rayon::ThreadPool,
    config: &'a ClassifyConfig,
    emitter: Emitter<Stdout>,
    /// Table rows of the current page.
    rows: Vec<[String; 6]>,
}

/// One tagged piece, ready to write.
enum Done {
    Json(Vec<u8>),
    Row(Box<[String; 6]>),
}

impl PageSink for ClassifySink<'_> {
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()> {
        let (tagger, config) = (self.tagger, self.config);
        let tag = |piece: Piece| -> serde_json::Result<Done> {
            let t = tagger.tag_piece(piece, config.options);
            if config.format == Format::Table {
                return Ok(Done::Row(Box::new(table_row(tagger, &t))));
            }
            let piece = PieceRecord::new(&page.source, page.encoding, &t.piece);
            output::to_json(&ClassifyRecord::new(piece, &t.prediction, tagger.model().taxonomy())).map(Done::Json)
        };
        let results: Vec<serde_json::Result<Done>> = self.pool.install(|| pieces.into_par_iter().map(tag).collect());
        for result in results {
            match result? {
                Done::Json(json) => self.emitter.json_record(&json)?,
                Done::Row(row) => self.rows.push(*row),
            }
        }
        Ok(())
    }

    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        if self.config.format == Format::Table {
            write_table(self.emitter.out(), &page.source, page.encoding, total, std::mem::take(&mut self.rows))?;
        }
        Ok(())
    }
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
