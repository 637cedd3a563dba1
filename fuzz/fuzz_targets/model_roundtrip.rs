//! Train on fuzzed records, save, load, score: the first byte picks the classifier
//! (`multinomial`, `complement`, `bernoulli`), the rest holds records separated by `0xFF`, each a
//! label byte (theme = byte % 5) and lossy-UTF-8 text. Training may refuse (no data, a degenerate
//! model); a model it gives must save, load to the same bytes, and score every record with finite
//! probabilities summing to 1, the same before and after the round trip.
#![no_main]

use std::sync::Mutex;

use bulletin_classifier::{Model, Registry, TrainConfig, Trainer, to_sparse};
use bulletin_core::{Record, Taxonomy};
use bulletin_segmenter::Pipeline;
use libfuzzer_sys::fuzz_target;

/// Built once (jieba's dictionary takes tens of milliseconds) and handed from run to run.
static PIPELINE: Mutex<Option<Pipeline>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let taxonomy = Taxonomy::builtin();
    let ids: Vec<&str> = taxonomy.ids().collect();
    let records: Vec<Record> = rest
        .split(|&b| b == 0xFF)
        .filter_map(|chunk| {
            let (&label, text) = chunk.split_first()?;
            let json = serde_json::json!({ "text": String::from_utf8_lossy(text), "labels": [ids[usize::from(label) % ids.len()]] });
            Record::from_json(&json.to_string()).ok().filter(|r| !r.text.trim().is_empty())
        })
        .take(64)
        .collect();
    if records.is_empty() {
        return;
    }
    let mut config = TrainConfig::default();
    config.classifier = ["multinomial", "complement", "bernoulli"][usize::from(first) % 3].to_owned();
    let registry = Registry::default();
    let pipeline = PIPELINE.lock().unwrap().take().unwrap_or_else(Pipeline::default_pipeline);
    let mut trainer = Trainer::with_pipeline(config, pipeline, &registry).unwrap();
    let added = trainer.add_records(&records);
    let (model, pipeline) = trainer.finish_with_pipeline();
    added.unwrap();
    let check = |model: Model| {
        let bytes = model.to_bytes().unwrap();
        let loaded = Model::from_bytes(&bytes, &registry).expect("a saved model loads");
        assert_eq!(loaded.to_bytes().unwrap(), bytes, "load and save give the same bytes");
        for record in &records {
            let mut features = Vec::new();
            pipeline.for_each_feature_ref(&record.title, &record.text, |f| features.extend(loaded.vocabulary().get_feature(f)));
            let x = to_sparse(features);
            let log_proba = loaded.predict_log_proba(&x);
            assert_eq!(log_proba, model.predict_log_proba(&x), "the loaded model scores as the trained one");
            let p: Vec<f64> = log_proba.iter().map(|v| v.exp()).collect();
            assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        }
    };
    if let Ok(model) = model {
        check(model);
    }
    *PIPELINE.lock().unwrap() = Some(pipeline);
});
