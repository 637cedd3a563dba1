//! `bulletin segment`: pieces with their normalised text, tokens and features.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use bulletin_classifier::{Model, Registry};
use bulletin_core::{Granularity, LexiconEntry, Piece, PipelineSettings};
use bulletin_segmenter::{Pipeline, SegmenterError, parse_lexicon};

use crate::cli::{Format, SegmentArgs};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::jsonl::{PieceRecord, SegmentRecord};
use crate::output::{self, Emitter, PagedTable, Stdout};

/// Validated `segment` options.
#[derive(Debug)]
pub struct SegmentConfig {
    /// Inputs.
    pub input: InputConfig,
    /// Output format.
    pub format: Format,
    /// A model whose pipeline settings to use.
    pub model: Option<PathBuf>,
    /// User lexicons (without a model).
    pub dicts: Vec<PathBuf>,
}

impl SegmentConfig {
    /// Validates the parsed arguments.
    pub fn new(args: SegmentArgs) -> Result<Self> {
        let granularity = super::granularity(args.granularity);
        Ok(Self {
            input: InputConfig::from_args(&args.input, granularity)?,
            format: args.output.format,
            model: args.model,
            dicts: args.dict,
        })
    }
}

/// Reads and parses user lexicon files; errors name `file:line`.
pub fn read_lexicons(paths: &[PathBuf]) -> Result<Vec<LexiconEntry>> {
    let mut entries = Vec::new();
    for path in paths {
        entries.extend(read_lexicon(path)?);
    }
    Ok(entries)
}

fn read_lexicon(path: &Path) -> Result<Vec<LexiconEntry>> {
    let bytes = input::read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{}: a lexicon must be UTF-8", path.display()))?;
    parse_lexicon(&text).map_err(|e| match e {
        SegmenterError::Lexicon { line, reason } => anyhow!("{}:{line}: {reason}", path.display()),
        other => anyhow!(other).context(path.display().to_string()),
    })
}

/// Runs `segment`.
pub fn run(config: &SegmentConfig) -> Result<ExitCode> {
    let pipeline = if let Some(path) = &config.model {
        let model = Model::load(path, &Registry::default()).with_context(|| format!("cannot load model {}", path.display()))?;
        Pipeline::new(model.settings()).with_context(|| format!("cannot build the text pipeline of {}", path.display()))?
    } else {
        let mut settings = PipelineSettings::default();
        settings.segment.user_lexicon = read_lexicons(&config.dicts)?;
        Pipeline::new(&settings).context("cannot build the text pipeline")?
    };
    let paragraphs = config.input.granularity == Granularity::Paragraph;
    let mut sink = SegmentSink {
        pipeline,
        emitter: Emitter::new(output::stdout(), config.format)?,
        format: config.format,
        paragraphs,
        table: new_table(paragraphs),
    };
    let code = input::for_each_page(&config.input, &mut sink)?;
    sink.emitter.finish()?;
    Ok(code)
}

/// Writes each piece's analysis as it comes; a table is printed whole at the end of its page.
struct SegmentSink {
    pipeline: Pipeline,
    emitter: Emitter<Stdout>,
    format: Format,
    /// Paragraph rows show their section, not their article's title (the same on every row).
    paragraphs: bool,
    table: PagedTable,
}

impl PageSink for SegmentSink {
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()> {
        for piece in &pieces {
            let analysis = self.pipeline.analyze(&piece.text);
            let features = self.pipeline.features(piece.title.as_deref().unwrap_or(""), &piece.text);
            if self.format == Format::Table {
                let tokens: Vec<&str> = analysis.tokens.iter().map(|t| t.text.as_str()).filter(|t| !t.trim().is_empty()).collect();
                let row = vec![
                    piece.index.to_string(),
                    output::truncate(if self.paragraphs { piece.section.as_deref() } else { piece.title.as_deref() }.unwrap_or(""), 24),
                    output::truncate(&tokens.join(" / "), 50),
                    output::truncate(&features.join(" "), 50),
                ];
                self.table.add_row(self.emitter.out(), &page.source, page.encoding, row)?;
            } else {
                self.emitter.record(&SegmentRecord::new(PieceRecord::new(&page.source, page.encoding, piece), &analysis, &features))?;
            }
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
    PagedTable::new(vec!["#", if paragraphs { "section" } else { "title" }, "tokens", "features"])
}
