//! `bulletin suggest`: the unlabelled pieces whose labels would teach the model most, written
//! as draft records for a person to review.
//!
//! The pool is read at paragraph granularity and held in memory (one archive's text); articles
//! are rebuilt from their paragraphs, so that a draft's `## ` section lines come from the
//! paragraphs' `section` field and its `paragraph_labels` line up with its paragraphs. The
//! choice itself is [`bulletin_classifier::active::choose`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bulletin_classifier::active::{Candidate, MinHash, Pick, choose};
use bulletin_classifier::calibration::{Calibration, PieceShape};
use bulletin_classifier::{Model, Registry, TagOptions, Tagger};
use bulletin_core::outfile::OutFile;
use bulletin_core::{Granularity, Piece, Taxonomy};
use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::cli::{ReportFormat, SuggestArgs};
use crate::exit::ExitCode;
use crate::input::{self, InputConfig, PageInfo, PageSink};
use crate::{model, output, report};

/// Validated `suggest` options.
#[derive(Debug)]
pub struct SuggestConfig {
    /// The pool, always read at paragraph granularity.
    pub input: InputConfig,
    /// The model; `None` for the embedded one.
    pub model: Option<PathBuf>,
    /// Pieces to choose.
    pub count: usize,
    /// Choose articles or paragraphs.
    pub granularity: Granularity,
    /// Orders equally useful pieces.
    pub seed: u64,
    /// The drafts file, checked against the inputs.
    pub out: OutFile,
    /// Summary format.
    pub format: ReportFormat,
}

impl SuggestConfig {
    /// Validates the parsed arguments.
    pub fn new(args: &SuggestArgs) -> Result<Self> {
        let input = InputConfig::from_args(&args.input, Granularity::Paragraph)?;
        // The pages that will be read, not their directories: a drafts file beside the pages of a
        // pool is not one of them (pool directories are read for pages, not for `.jsonl`).
        let inputs: Vec<&Path> = input
            .sources
            .iter()
            .filter_map(|s| if let crate::walk::Source::File(p) = s { Some(p.as_path()) } else { None })
            .chain(args.model.as_deref())
            .collect();
        let out = OutFile::new(&args.out, &inputs).context("invalid --out")?;
        Ok(Self {
            input,
            model: args.model.clone(),
            count: usize::try_from(args.count).unwrap_or(usize::MAX),
            granularity: super::granularity(args.granularity),
            seed: args.seed,
            out,
            format: args.format,
        })
    }
}

/// One article of the pool, rebuilt from its paragraphs.
#[derive(Debug)]
struct Article {
    source: usize,
    /// The record id (records input) or `source#index`.
    id: String,
    title: String,
    /// `(section, paragraph)` in order.
    paragraphs: Vec<(Option<String>, String)>,
}

impl Article {
    /// The text as the page splitter gives it: section headings as lines of their own.
    fn text(&self, with_markers: bool) -> String {
        bulletin_core::article_text(self.paragraphs.iter().map(|(s, p)| (s.as_deref(), p.as_str())), with_markers)
    }
}

/// Collects the pool's paragraphs into articles.
struct Collect {
    sources: Vec<String>,
    articles: Vec<Article>,
    /// `(source, article_index)` of the last article.
    current: Option<(usize, usize)>,
}

impl PageSink for Collect {
    fn pieces(&mut self, page: &PageInfo, pieces: Vec<Piece>) -> Result<()> {
        if self.sources.last() != Some(&page.source) {
            self.sources.push(page.source.clone());
        }
        let source = self.sources.len() - 1;
        for piece in pieces {
            let article = piece.article_index.unwrap_or(piece.index);
            if self.current != Some((source, article)) {
                self.current = Some((source, article));
                let id = piece.id.clone().unwrap_or_else(|| format!("{}#{article}", page.source));
                self.articles.push(Article { source, id, title: piece.title.clone().unwrap_or_default(), paragraphs: Vec::new() });
            }
            if let Some(a) = self.articles.last_mut() {
                a.paragraphs.push((piece.section, piece.text));
            }
        }
        Ok(())
    }

    fn end_page(&mut self, page: &PageInfo, total: usize) -> Result<()> {
        crate::report::input_read(&page.source, page.encoding, total);
        self.current = None;
        Ok(())
    }
}

/// A piece that can be chosen: an article, or one paragraph of one.
struct Unit {
    article: usize,
    /// The paragraph, at paragraph granularity.
    paragraph: Option<usize>,
}

/// The `suggested` field of a draft.
#[derive(Debug, Serialize)]
struct Suggested {
    score: f64,
    reason: String,
}

/// A draft record, in the corpus schema plus `source` and `suggested`.
#[derive(Debug, Serialize)]
struct Draft<'a> {
    id: String,
    title: &'a str,
    text: String,
    labels: Vec<&'a str>,
    paragraph_labels: Vec<Vec<&'a str>>,
    source: &'a str,
    suggested: Suggested,
}

/// A row of the summary.
#[derive(Debug, Serialize)]
struct SummaryRow<'a> {
    rank: usize,
    id: &'a str,
    title: String,
    guess: &'a str,
    score: f64,
    reason: &'a str,
}

/// Runs `suggest`.
pub fn run(config: &SuggestConfig) -> Result<ExitCode> {
    let tagger = model::load_tagger(config.model.as_deref())?;
    let mut pool = Collect { sources: Vec::new(), articles: Vec::new(), current: None };
    let code = input::for_each_page(&config.input, &mut pool)?;
    let units: Vec<Unit> = match config.granularity {
        Granularity::Article => (0..pool.articles.len()).map(|article| Unit { article, paragraph: None }).collect(),
        Granularity::Paragraph => pool
            .articles
            .iter()
            .enumerate()
            .flat_map(|(article, a)| (0..a.paragraphs.len()).map(move |p| Unit { article, paragraph: Some(p) }))
            .collect(),
    };
    if units.is_empty() {
        bail!("no piece to choose from in the pool");
    }
    let borrowed = borrowed_calibration(tagger.model())?;
    let calibration = tagger.model().calibration().or(borrowed.as_ref());
    // Equally useful pieces in an order of the seed's.
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| xxh3_64_with_seed(&i.to_le_bytes(), config.seed));
    let progress = report::progress("scoring the pool", units.len() as u64, "pieces");
    let candidates: Vec<Candidate> = order
        .par_iter()
        .map(|&i| {
            let unit = &units[i];
            let a = &pool.articles[unit.article];
            let (title, text, shape) = match unit.paragraph {
                Some(p) => ("", a.paragraphs[p].1.clone(), PieceShape::Passage),
                None => (a.title.as_str(), a.text(false), if a.paragraphs.len() > 1 { PieceShape::Article } else { PieceShape::Passage }),
            };
            let (mut log_proba, length) = tagger.uncalibrated_as(title, &text, shape);
            if let Some(c) = calibration {
                c.map(shape).apply(&mut log_proba, length);
            }
            let candidate =
                Candidate { probabilities: log_proba.iter().map(|l| l.exp()).collect(), source: a.source, signature: MinHash::of(&text) };
            progress.inc(1);
            candidate
        })
        .collect();
    drop(progress);
    let picks = choose(&candidates, config.count);
    let taxonomy = tagger.model().taxonomy();
    let mut bytes = Vec::new();
    let mut rows = Vec::new();
    let drafts: Vec<(Draft<'_>, &Pick)> =
        picks.iter().map(|pick| (draft(&tagger, &pool, &units[order[pick.index]], pick, &candidates[pick.index]), pick)).collect();
    for (rank, (d, pick)) in drafts.iter().enumerate() {
        serde_json::to_writer(&mut bytes, d)?;
        bytes.push(b'\n');
        rows.push(SummaryRow {
            rank: rank + 1,
            id: &d.id,
            title: output::truncate(if d.title.is_empty() { &d.text } else { d.title }, 30),
            guess: taxonomy.theme(pick.best).map_or("?", |t| t.id()),
            score: d.suggested.score,
            reason: &d.suggested.reason,
        });
    }
    config.out.write(&bytes).with_context(|| format!("cannot write {}", config.out.path().display()))?;
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ReportFormat::Table => {
            // Cells from the pool (ids, titles) are escaped one by one, so that theme colours are
            // the only escape sequences written.
            let color = crate::style::stdout();
            let mut table = output::table(&["#", "id", "title", "guess", "score", "reason"]);
            for r in &rows {
                table.add_row([
                    r.rank.to_string(),
                    output::escape(r.id, false).into_owned(),
                    r.title.clone(),
                    output::theme_cell(taxonomy, r.guess, color),
                    format!("{:.3}", r.score),
                    output::escape(r.reason, false).into_owned(),
                ]);
            }
            writeln!(out, "{}", output::render(&table))?;
        }
    }
    out.flush()?;
    report::info(format_args!(
        "wrote {} (of {} in the pool) to {}: check each one's labels and paragraph_labels, then delete its \
         `suggested` field; train leaves drafts out until then",
        output::count(rows.len(), "draft", "drafts"),
        output::count(units.len(), "piece", "pieces"),
        config.out.path().display()
    ));
    if calibration.is_some() && tagger.model().calibration().is_none() {
        report::note(format_args!("the model is not calibrated: its pieces were ranked with the embedded model's calibration maps"));
    }
    Ok(code)
}

/// The embedded model's calibration, for a model that has none of its own.
fn borrowed_calibration(model: &Model) -> Result<Option<Calibration>> {
    if model.calibration().is_some() {
        return Ok(None);
    }
    let default =
        Model::from_bytes(bulletin_classifier::DEFAULT_MODEL, &Registry::default()).context("cannot load the embedded default model")?;
    Ok(default.calibration().map(|c| for_taxonomy(c, default.taxonomy(), model.taxonomy())))
}

/// A calibration borrowed from a model of taxonomy `from` for one of taxonomy `to`: the theme
/// offsets go by theme id (0 for a theme `from` lacks), not by position, which in another
/// taxonomy names another theme.
fn for_taxonomy(calibration: &Calibration, from: &Taxonomy, to: &Taxonomy) -> Calibration {
    let mut borrowed = calibration.clone();
    for map in [&mut borrowed.article, &mut borrowed.passage] {
        if map.theme_offsets.is_empty() {
            continue;
        }
        let by_id = |id: &str| from.index_of(id).and_then(|i| map.theme_offsets.get(i)).copied().unwrap_or(0.0);
        map.theme_offsets = to.themes().iter().map(|t| by_id(t.id())).collect();
    }
    borrowed
}

/// The draft record of a chosen unit, with the model's guesses as labels.
fn draft<'a>(tagger: &'a Tagger, pool: &'a Collect, unit: &Unit, pick: &Pick, candidate: &Candidate) -> Draft<'a> {
    let taxonomy: &Taxonomy = tagger.model().taxonomy();
    let id = |t: usize| taxonomy.theme(t).map_or("other", |t| t.id());
    let a = &pool.articles[unit.article];
    let guess = |text: &str| id(tagger.predict("", text, PieceShape::Passage, TagOptions::default()).best);
    let (draft_id, title, text, labels, paragraph_labels) = if let Some(p) = unit.paragraph {
        let text = a.paragraphs[p].1.clone();
        let label = guess(&text);
        (format!("{}/{p}", a.id), "", text, vec![label], vec![vec![label]])
    } else {
        {
            let shape = if a.paragraphs.len() > 1 { PieceShape::Article } else { PieceShape::Passage };
            let prediction = tagger.predict(&a.title, &a.text(false), shape, TagOptions::default());
            let mut labels: Vec<&str> = vec![id(prediction.best)];
            for &t in &prediction.tags {
                if !labels.contains(&id(t)) {
                    labels.push(id(t));
                }
            }
            let paragraph_labels = a.paragraphs.iter().map(|(_, p)| vec![guess(p)]).collect();
            (a.id.clone(), a.title.as_str(), a.text(true), labels, paragraph_labels)
        }
    };
    let p = &candidate.probabilities;
    let (best, second) = (p.get(pick.best).copied().unwrap_or(0.0), p.get(pick.runner_up).copied().unwrap_or(0.0));
    let mut reason = if pick.uncertainty < 0.05 {
        format!("the model is sure ({} {best:.2}): chosen after every uncertain piece", id(pick.best))
    } else {
        format!("unsure between {} {best:.2} and {} {second:.2}", id(pick.best), id(pick.runner_up))
    };
    if pick.score < pick.uncertainty * 0.999 {
        reason.push_str("; ranked down for coverage (themes, sources already chosen)");
    }
    Draft {
        id: draft_id,
        title,
        text,
        labels,
        paragraph_labels,
        source: &pool.sources[a.source],
        suggested: Suggested { score: (pick.score * 1e4).round() / 1e4, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_theme_offsets_follow_the_theme_ids() {
        let default = Model::from_bytes(bulletin_classifier::DEFAULT_MODEL, &Registry::default()).unwrap();
        let (calibration, from) = (default.calibration().unwrap(), default.taxonomy());
        let offsets = &calibration.passage.theme_offsets;
        assert_eq!(offsets.len(), from.themes().len());
        let toml = "name = \"t\"\nversion = 1\n\n[[theme]]\nid = \"money\"\nname_zh = \"钱\"\nname_en = \"Money\"\ndefinition = \"d\"\n\n\
                    [[theme]]\nid = \"other\"\nname_zh = \"其他\"\nname_en = \"Other\"\ndefinition = \"d\"\n";
        let to = Taxonomy::from_toml(toml).unwrap();
        let other = from.themes().iter().position(|t| t.id() == "other").unwrap();
        let borrowed = for_taxonomy(calibration, from, &to);
        assert_eq!(borrowed.passage.theme_offsets, vec![0.0, offsets[other]]);
        assert_eq!(borrowed.article.theme_offsets.len(), 2);
        assert_eq!((borrowed.passage.c0, borrowed.passage.c1), (calibration.passage.c0, calibration.passage.c1));
        assert_eq!(for_taxonomy(calibration, from, from), *calibration);
    }
}
