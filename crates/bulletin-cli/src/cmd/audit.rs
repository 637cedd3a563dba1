//! `bulletin audit`: labelled records and paragraphs whose given label the model confidently
//! rejects, judged out of fold ([`bulletin_classifier::active::label_issues`]).

use std::io::Write;

use anyhow::{Context, Result, bail};
use bulletin_classifier::active::{LabelIssue, Observation, label_issues};
use bulletin_classifier::calibration::PieceShape;
use bulletin_classifier::cv::assign_folds;
use bulletin_classifier::{Registry, TagOptions, Tagger, TrainConfig, Trainer};
use bulletin_core::{Record, Taxonomy};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{AuditArgs, ReportFormat};
use crate::data::{self, Item, Location, RecordReader};
use crate::exit::ExitCode;
use crate::walk::Source;
use crate::{output, report};

/// Validated `audit` options.
#[derive(Debug)]
pub struct AuditConfig {
    /// Labelled inputs.
    pub files: Vec<Source>,
    /// Folds.
    pub folds: usize,
    /// Entries listed (0: all).
    pub count: usize,
    /// Output format.
    pub format: ReportFormat,
    /// Seed of the folds.
    pub seed: u64,
    /// The fold models' training configuration.
    pub train: TrainConfig,
}

impl AuditConfig {
    /// Validates the parsed arguments.
    pub fn new(args: &AuditArgs) -> Result<Self> {
        Ok(Self {
            files: data::expand_paths(&args.data.data, &args.data.glob)?,
            folds: usize::try_from(args.folds).unwrap_or(usize::MAX),
            count: args.count,
            format: args.format,
            seed: args.training.seed,
            train: super::train::training_config(&args.training, args.granularity_train)?,
        })
    }
}

/// One listed label issue.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    rank: usize,
    file: &'a str,
    line: usize,
    id: &'a str,
    /// The paragraph's number in the record, for a paragraph label.
    paragraph: Option<usize>,
    given: &'a str,
    suggested: &'a str,
    /// The out-of-fold probability of the suggested theme.
    confidence: f64,
    /// The out-of-fold probability of the given label.
    given_probability: f64,
}

#[derive(Debug, Serialize)]
struct AuditReport<'a> {
    folds: usize,
    seed: u64,
    records: usize,
    paragraphs: usize,
    /// Label issues found in all (the entries list the first `count`).
    issues: usize,
    entries: Vec<Entry<'a>>,
}

/// Judged articles and judged paragraphs, each with what was observed of it.
type Judgements = (Vec<(Judged, Observation)>, Vec<(Judged, Observation)>);

/// A judged piece: which record, which paragraph.
struct Judged {
    record: usize,
    paragraph: Option<usize>,
}

/// Runs `audit`.
pub fn run(config: &AuditConfig) -> Result<ExitCode> {
    let taxonomy = &config.train.taxonomy;
    let mut records: Vec<(Record, Location)> = Vec::new();
    let mut paragraph_records = 0usize;
    let mut reader = RecordReader::new(taxonomy, false, true);
    reader.read_sources(&config.files, |item, at, _| {
        match item {
            Item::Article(r) => records.push((r, at.clone())),
            Item::Paragraph(_) => paragraph_records += 1,
        }
        Ok(())
    })?;
    let code = reader.finish();
    if paragraph_records > 0 {
        report::note(format_args!("{paragraph_records} paragraph record(s) are not audited (folds hold whole articles)"));
    }
    if records.len() < config.folds {
        bail!("{} article records cannot be split into {} folds", records.len(), config.folds);
    }
    let index_of = |l: &String| taxonomy.index_of(l);
    let keys: Vec<(&str, usize)> = records.iter().map(|(r, _)| (r.id.as_str(), r.labels.first().and_then(index_of).unwrap_or(0))).collect();
    let fold_of = assign_folds(&keys, config.folds, config.seed);
    let (mut articles, mut paragraphs): Judgements = (Vec::new(), Vec::new());
    // Each fold trains on the other folds' records and judges its own: every record once per fold.
    let progress = report::progress("auditing", (config.folds * records.len()) as u64, "records");
    for fold in 0..config.folds {
        let training: Vec<Record> = records.iter().zip(&fold_of).filter(|(_, f)| **f != fold).map(|((r, _), _)| r.clone()).collect();
        let mut trainer = Trainer::new(config.train.clone(), &Registry::default()).context("cannot start training")?;
        for batch in training.chunks(512) {
            trainer.add_records(batch).with_context(|| format!("fold {fold}: training failed"))?;
            progress.inc(batch.len() as u64);
        }
        let tagger = Tagger::from_model(trainer.finish().with_context(|| format!("fold {fold}: training failed"))?)?;
        let held_out: Vec<usize> = (0..records.len()).filter(|&i| fold_of[i] == fold).collect();
        let judged: Vec<Judgements> = held_out.par_iter().map(|&i| judge(&tagger, &records[i].0, i, taxonomy)).collect();
        for (a, p) in judged {
            articles.extend(a);
            paragraphs.extend(p);
        }
        progress.inc(held_out.len() as u64);
    }
    drop(progress);
    // Each level has its own thresholds (paragraphs are less certain than articles); the two
    // lists are then merged by margin.
    let mut issues: Vec<(&Judged, LabelIssue)> = Vec::new();
    for level in [&articles, &paragraphs] {
        let observations: Vec<Observation> = level.iter().map(|(_, o)| o.clone()).collect();
        issues.extend(label_issues(&observations).into_iter().map(|issue| (&level[issue.index].0, issue)));
    }
    issues.sort_by(|(ja, a), (jb, b)| {
        (b.confidence - b.given_probability)
            .total_cmp(&(a.confidence - a.given_probability))
            .then(ja.record.cmp(&jb.record))
            .then(ja.paragraph.cmp(&jb.paragraph))
    });
    let id = |t: usize| taxonomy.theme(t).map_or("?", |t| t.id());
    let shown = if config.count == 0 { issues.len() } else { config.count.min(issues.len()) };
    let entries: Vec<Entry<'_>> = issues
        .iter()
        .take(shown)
        .enumerate()
        .map(|(rank, (judged, issue))| {
            let (record, at) = &records[judged.record];
            Entry {
                rank: rank + 1,
                file: &at.file,
                line: at.line,
                id: &record.id,
                paragraph: judged.paragraph,
                given: id(issue.given),
                suggested: id(issue.suggested),
                confidence: issue.confidence,
                given_probability: issue.given_probability,
            }
        })
        .collect();
    let report = AuditReport {
        folds: config.folds,
        seed: config.seed,
        records: records.len(),
        paragraphs: paragraphs.len(),
        issues: issues.len(),
        entries,
    };
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => write_table(&mut out, &report, taxonomy)?,
    }
    out.flush()?;
    Ok(code)
}

/// Out-of-fold observations of one record: the article, then its labelled paragraphs.
fn judge(tagger: &Tagger, record: &Record, index: usize, taxonomy: &Taxonomy) -> Judgements {
    let primary = |labels: &[String]| labels.first().and_then(|l| taxonomy.index_of(l));
    let mut article = Vec::new();
    if let Some(given) = primary(&record.labels) {
        let shape = if record.paragraphs().count() > 1 { PieceShape::Article } else { PieceShape::Passage };
        let p = tagger.predict(&record.title, &record.text, shape, TagOptions::default());
        article.push((Judged { record: index, paragraph: None }, Observation::new(p.scores, given)));
    }
    let mut paragraphs = Vec::new();
    if let Some(labels) = &record.paragraph_labels {
        // A one-paragraph record's paragraph is the article itself.
        if labels.len() > 1 {
            for (n, (text, labels)) in record.paragraphs().zip(labels).enumerate() {
                if let Some(given) = primary(labels) {
                    let p = tagger.predict("", text, PieceShape::Passage, TagOptions::default());
                    paragraphs.push((Judged { record: index, paragraph: Some(n) }, Observation::new(p.scores, given)));
                }
            }
        }
    }
    (article, paragraphs)
}

/// Writes the report; cells from the data (paths, ids) are escaped one by one, so that theme
/// colours are the only escape sequences written.
fn write_table(out: &mut impl Write, r: &AuditReport<'_>, taxonomy: &Taxonomy) -> std::io::Result<()> {
    let color = crate::style::stdout();
    writeln!(
        out,
        "{}-fold audit (seed {}) of {} records and {} labelled paragraphs: {} labels look wrong{}",
        r.folds,
        r.seed,
        r.records,
        r.paragraphs,
        r.issues,
        if r.entries.len() < r.issues { format!(", the {} most certain listed", r.entries.len()) } else { String::new() }
    )?;
    let mut table = output::table(&["#", "where", "id", "given", "suggested", "confidence", "p(given)"]);
    for e in &r.entries {
        let id = match e.paragraph {
            Some(p) => format!("{} ¶{p}", e.id),
            None => e.id.to_owned(),
        };
        table.add_row([
            e.rank.to_string(),
            output::escape(&format!("{}:{}", e.file, e.line), false).into_owned(),
            output::escape(&id, false).into_owned(),
            output::theme_cell(taxonomy, e.given, color),
            output::theme_cell(taxonomy, e.suggested, color),
            format!("{:.3}", e.confidence),
            format!("{:.3}", e.given_probability),
        ]);
    }
    writeln!(out, "{}", output::render(&table))
}
