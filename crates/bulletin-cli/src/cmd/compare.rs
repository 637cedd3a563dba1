//! `bulletin compare`: two models on the same labelled pieces, side by side, with `McNemar`'s
//! test on the pieces that one gets right and the other wrong.

use std::io::Write;

use anyhow::{Result, bail};
use bulletin_classifier::metrics::{Confusion, mcnemar_p};
use bulletin_classifier::{TagOptions, Tagger};
use bulletin_core::Granularity;
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{CompareArgs, ReportFormat};
use crate::data::{self, Item, RecordReader};
use crate::exit::ExitCode;
use crate::walk::Source;
use crate::{model, output};

/// Disagreeing pieces listed in the table format (JSON lists all).
const TABLE_DISAGREEMENTS: usize = 20;
/// Significance level of the verdict.
const ALPHA: f64 = 0.05;

/// Validated `compare` options.
#[derive(Debug)]
pub struct CompareConfig {
    /// Labelled inputs.
    pub files: Vec<Source>,
    /// The two models: a path, or `None` for the embedded one; with their names.
    pub models: [(Option<std::path::PathBuf>, String); 2],
    /// Articles or paragraphs.
    pub granularity: Granularity,
    /// Output format.
    pub format: ReportFormat,
}

impl CompareConfig {
    /// Validates the parsed arguments.
    pub fn new(args: &CompareArgs) -> Result<Self> {
        let model = |name: &str| (if name == "default" { None } else { Some(std::path::PathBuf::from(name)) }, name.to_owned());
        Ok(Self {
            files: data::expand_paths(&args.data, &args.glob)?,
            models: [model(&args.model_a), model(&args.model_b)],
            granularity: super::granularity(args.granularity),
            format: args.format,
        })
    }
}

#[derive(Debug, Serialize)]
struct ModelScores<'a> {
    model: &'a str,
    accuracy: f64,
    macro_f1: f64,
    /// F1 per theme, in taxonomy order.
    per_theme_f1: crate::jsonl::Ordered<&'a str, f64>,
}

#[derive(Debug, Serialize)]
struct McNemar {
    /// Pieces only A got right.
    only_a_right: u64,
    /// Pieces only B got right.
    only_b_right: u64,
    /// Exact two-sided p-value.
    p_value: f64,
    /// `a`, `b` or `neither`: the better model at the 5 % level.
    better: &'static str,
    /// The result in words.
    verdict: String,
}

#[derive(Debug, Serialize)]
struct Disagreement<'a> {
    id: &'a str,
    truth: &'a str,
    a: &'a str,
    b: &'a str,
}

#[derive(Debug, Serialize)]
struct CompareReport<'a> {
    granularity: &'a str,
    pieces: usize,
    a: ModelScores<'a>,
    b: ModelScores<'a>,
    mcnemar: McNemar,
    disagreements_count: usize,
    disagreements: Vec<Disagreement<'a>>,
}

/// Runs `compare`.
pub fn run(config: &CompareConfig) -> Result<ExitCode> {
    let taggers: Vec<Tagger> = config.models.iter().map(|(path, _)| model::load_tagger(path.as_deref())).collect::<Result<_>>()?;
    let [a, b] = [&taggers[0], &taggers[1]];
    let taxonomy = a.model().taxonomy();
    if b.model().taxonomy().ids().ne(taxonomy.ids()) {
        bail!("the two models have different themes ({} vs {}): they cannot be compared", config.models[0].1, config.models[1].1);
    }
    let mut items = Vec::new();
    let mut reader = RecordReader::new(taxonomy, false, true);
    reader.read_sources(&config.files, |item, _, _| {
        items.push(item);
        Ok(())
    })?;
    let code = reader.finish();
    let items: Vec<Item> = items;
    let units = super::eval::units(&items, config.granularity, taxonomy);
    let units: Vec<_> = units.into_iter().filter(|u| !u.truth.is_empty()).collect();
    if units.is_empty() {
        bail!("no labelled {} to compare on in the data", if config.granularity == Granularity::Article { "article" } else { "paragraph" });
    }
    let predict =
        |t: &Tagger| -> Vec<usize> { units.par_iter().map(|u| t.predict(u.title, u.text, u.shape, TagOptions::default()).theme).collect() };
    let (pa, pb) = (predict(a), predict(b));
    let n = taxonomy.len();
    let (mut ca, mut cb) = (Confusion::new(n), Confusion::new(n));
    let (mut only_a, mut only_b) = (0u64, 0u64);
    let id = |t: usize| taxonomy.theme(t).map_or("?", |t| t.id());
    let mut disagreements = Vec::new();
    for ((unit, &x), &y) in units.iter().zip(&pa).zip(&pb) {
        let truth = unit.truth[0];
        ca.add(truth, x);
        cb.add(truth, y);
        match (x == truth, y == truth) {
            (true, false) => only_a += 1,
            (false, true) => only_b += 1,
            _ => {}
        }
        if x != y {
            disagreements.push(Disagreement { id: &unit.id, truth: id(truth), a: id(x), b: id(y) });
        }
    }
    let (name_a, name_b) = (config.models[0].1.as_str(), config.models[1].1.as_str());
    let report = CompareReport {
        granularity: config.granularity.as_str(),
        pieces: units.len(),
        a: model_scores(name_a, &ca, taxonomy),
        b: model_scores(name_b, &cb, taxonomy),
        mcnemar: mcnemar(only_a, only_b),
        disagreements_count: disagreements.len(),
        disagreements,
    };
    let mut out = output::stdout();
    match config.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => {
            // Model names are paths and ids come from the data: escaped like every human report.
            let mut text = Vec::new();
            write_table(&mut text, &report, taxonomy)?;
            output::write_human(&mut out, &String::from_utf8_lossy(&text))?;
        }
    }
    out.flush()?;
    Ok(code)
}

fn model_scores<'a>(model: &'a str, c: &Confusion, taxonomy: &'a bulletin_core::Taxonomy) -> ModelScores<'a> {
    ModelScores {
        model,
        accuracy: c.accuracy(),
        macro_f1: c.macro_f1(),
        per_theme_f1: crate::jsonl::Ordered(taxonomy.ids().zip(c.themes()).map(|(t, s)| (t, s.f1)).collect()),
    }
}

/// `McNemar`'s test on `b` pieces only A got right and `c` only B got right, in words.
#[expect(clippy::many_single_char_names, reason = "b and c are the test's textbook names")]
fn mcnemar(b: u64, c: u64) -> McNemar {
    let p = mcnemar_p(b, c);
    let better = if p >= ALPHA || b == c {
        "neither"
    } else if b > c {
        "a"
    } else {
        "b"
    };
    let chance = if p >= 0.001 { format!("{:.1} %", 100.0 * p) } else { "less than 0.1 %".to_owned() };
    let verdict = if b + c == 0 {
        "the models are right and wrong on exactly the same pieces: no evidence that either is better".to_owned()
    } else if better == "neither" {
        format!(
            "no significant difference (p = {p:.3}): of the {} only one model got right, A won {b} and B {c}; \
             a split at least this uneven happens {chance} of the time by chance when two models are equally accurate",
            output::count(b + c, "piece", "pieces")
        )
    } else {
        let (winner, w, l) = if better == "a" { ("A", b, c) } else { ("B", c, b) };
        format!(
            "{winner} is better (p = {p:.3}): of the {} only one model got right, {winner} won {w} and lost {l}; \
             if the models were equally accurate, a split at least this uneven would happen only {chance} of the time",
            output::count(b + c, "piece", "pieces")
        )
    };
    McNemar { only_a_right: b, only_b_right: c, p_value: p, better, verdict }
}

fn write_table(out: &mut impl Write, r: &CompareReport<'_>, taxonomy: &bulletin_core::Taxonomy) -> std::io::Result<()> {
    let pieces = output::count(r.pieces, &format!("{} piece", r.granularity), &format!("{} pieces", r.granularity));
    writeln!(out, "A = {}, B = {}, on {pieces}", r.a.model, r.b.model)?;
    let mut table = output::table(&["", "A", "B"]);
    table.add_row(["accuracy".to_owned(), format!("{:.4}", r.a.accuracy), format!("{:.4}", r.b.accuracy)]);
    table.add_row(["macro-F1".to_owned(), format!("{:.4}", r.a.macro_f1), format!("{:.4}", r.b.macro_f1)]);
    for ((theme, fa), (_, fb)) in r.a.per_theme_f1.0.iter().zip(&r.b.per_theme_f1.0) {
        let name = taxonomy.index_of(theme).and_then(|t| taxonomy.theme(t)).map_or("", |t| t.name_zh());
        table.add_row([format!("F1 {theme} {name}"), format!("{fa:.4}"), format!("{fb:.4}")]);
    }
    writeln!(out, "{}", output::render(&table))?;
    writeln!(out, "McNemar: {}", r.mcnemar.verdict)?;
    writeln!(out, "the models disagree on {}", output::count(r.disagreements_count, "piece", "pieces"))?;
    for d in r.disagreements.iter().take(TABLE_DISAGREEMENTS) {
        writeln!(out, "  {}: truth {}, A {}, B {}", d.id, d.truth, d.a, d.b)?;
    }
    if r.disagreements_count > TABLE_DISAGREEMENTS {
        writeln!(out, "  … and {} more (--format json lists all)", r.disagreements_count - TABLE_DISAGREEMENTS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_the_better_model_only_when_significant() {
        assert_eq!(mcnemar(0, 0).better, "neither");
        assert_eq!(mcnemar(3, 5).better, "neither");
        assert_eq!(mcnemar(1, 12).better, "b");
        assert_eq!(mcnemar(20, 2).better, "a");
        assert!(mcnemar(20, 2).verdict.starts_with("A is better"), "{}", mcnemar(20, 2).verdict);
    }
}
