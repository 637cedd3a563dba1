//! Cross-validates training configurations on a labelled corpus, the way the project chose its
//! default model: `cargo run --release -p bulletin-classifier --example cross_validate -- data/train
//! [classifier] [granularity] [key=value ...]`.
//!
//! Prints article-level and paragraph-level macro-F1 for each of 5 stratified folds (the fold
//! assignment of [`bulletin_classifier::cv`], which `bench/compare_sklearn.py` reproduces) and
//! their mean and standard deviation, plus tag precision and recall on mixed-label articles.

use std::path::Path;

use bulletin_classifier::cv::assign_folds;
use bulletin_classifier::metrics::{Confusion, TagCounts};
use bulletin_classifier::{ParamMap, PieceShape, Registry, TagOptions, Tagger, TrainConfig, TrainGranularity, Trainer};
use bulletin_core::{PipelineSettings, Record, Taxonomy};

fn load(dir: &Path) -> Result<Vec<Record>, Box<dyn std::error::Error>> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "jsonl")).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f)?.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Record::from_json(line)?);
        }
    }
    Ok(out)
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (m, (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt())
}

#[expect(clippy::print_stdout, reason = "an example that reports figures")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or("data/train", String::as_str);
    let classifier = args.get(1).cloned().unwrap_or_else(|| "multinomial".into());
    let granularity = match args.get(2).map(String::as_str) {
        Some("article") => TrainGranularity::Article,
        Some("paragraph") => TrainGranularity::Paragraph,
        _ => TrainGranularity::Both,
    };
    let mut settings = PipelineSettings::default();
    let mut params = ParamMap::new();
    for kv in args.iter().skip(3) {
        let (k, v) = kv.split_once('=').ok_or("parameters are key=value")?;
        match k {
            "word_bigrams" => settings.features.word_bigrams = v == "true",
            "char_bigrams" => settings.features.char_bigrams = v == "true",
            "min_token_chars" => settings.features.min_token_chars = v.parse()?,
            "title_weight" => settings.features.title_weight = v.parse()?,
            "hmm" => settings.segment.hmm = v == "true",
            "number_classes" => settings.features.number_classes = v == "true",
            _ => {
                params.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    let taxonomy = Taxonomy::builtin();
    let records = load(Path::new(dir))?;
    let keys: Vec<(&str, usize)> = records.iter().map(|r| (r.id.as_str(), taxonomy.resolve(&r.labels[0]).unwrap_or(0))).collect();
    let k = 5;
    let folds = assign_folds(&keys, k, 42);
    let registry = Registry::default();
    let (mut art, mut par) = (Vec::new(), Vec::new());
    let mut tags = TagCounts::default();
    for fold in 0..k {
        let train: Vec<Record> = records.iter().zip(&folds).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let test: Vec<&Record> = records.iter().zip(&folds).filter(|(_, f)| **f == fold).map(|(r, _)| r).collect();
        let mut config = TrainConfig::default();
        config.classifier.clone_from(&classifier);
        config.params = params.clone();
        config.granularity = granularity;
        config.settings = settings.clone();
        let mut trainer = Trainer::new(config, &registry)?;
        trainer.add_records(&train)?;
        let tagger = Tagger::from_model(trainer.finish()?)?;
        let (mut ca, mut cp) = (Confusion::new(taxonomy.len()), Confusion::new(taxonomy.len()));
        for r in test {
            let truth = taxonomy.resolve_labels(&r.labels)?;
            let p = tagger.predict(&r.title, &r.text, PieceShape::Article, TagOptions::default());
            ca.add(truth[0], p.theme);
            if truth.len() > 1 {
                tags.add(&p.tags, &truth);
            }
            for (text, labels) in r.paragraphs().zip(r.paragraph_labels.iter().flatten()) {
                let t = taxonomy.resolve(&labels[0])?;
                cp.add(t, tagger.predict("", text, PieceShape::Passage, TagOptions::default()).theme);
            }
        }
        println!("fold {fold}: article macro-F1 {:.4}  paragraph macro-F1 {:.4}", ca.macro_f1(), cp.macro_f1());
        art.push(ca.macro_f1());
        par.push(cp.macro_f1());
    }
    let ((am, asd), (pm, psd)) = (mean_std(&art), mean_std(&par));
    println!(
        "{classifier} {} {:?}: article {am:.4}±{asd:.4} paragraph {pm:.4}±{psd:.4} tags P {:.3} R {:.3}",
        granularity.as_str(),
        &args[3.min(args.len())..],
        tags.precision(),
        tags.recall()
    );
    Ok(())
}
