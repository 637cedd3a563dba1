//! Users' models keep their answers: a model trained before the pipeline learnt to clean web
//! boilerplate (`tests/fixtures/models/format-v2-pre-cleaning.bin`, trained by the binary of
//! commit c231975 with `bulletin train --data data/train/train-a.jsonl`) still loads, reads its
//! settings with every new step off, and gives the decisions and scores pinned on the same pages
//! (`*.article.jsonl`, `*.paragraph.jsonl`), web boilerplate lines included. The pins were written
//! by that binary's `classify --format jsonl`, and written again when the splitter stopped joining
//! web-furniture lines (a breadcrumb, a date line) to the news beside them, which changed the
//! pieces of the web page, not the model's reading of them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The fields pinned per piece.
#[derive(Debug, Deserialize, PartialEq)]
struct Pinned {
    source: String,
    index: u64,
    theme: String,
    confidence: f64,
    scores: serde_json::Map<String, serde_json::Value>,
    tags: Vec<String>,
}

fn classify(granularity: &str) -> Vec<Pinned> {
    let output = Command::cargo_bin("bulletin")
        .unwrap()
        .current_dir(root())
        .args(["classify", "--model", "tests/fixtures/models/format-v2-pre-cleaning.bin", "--granularity", granularity])
        .args(["--format", "jsonl", "tests/fixtures/pages/web-page.txt", "tests/fixtures/pages/zone-page.txt"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn pinned(granularity: &str) -> Vec<Pinned> {
    let path = root().join(format!("tests/fixtures/models/format-v2-pre-cleaning.{granularity}.jsonl"));
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_model_trained_before_cleaning_gives_the_same_answers() {
    for granularity in ["article", "paragraph"] {
        let (got, want) = (classify(granularity), pinned(granularity));
        assert_eq!(got.len(), want.len(), "{granularity}: pieces");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{granularity}: piece {} of {} changed", w.index, w.source);
        }
    }
}

#[test]
fn a_model_trained_before_cleaning_reads_cleaning_as_off() {
    let output = Command::cargo_bin("bulletin")
        .unwrap()
        .current_dir(root())
        .args(["segment", "--model", "tests/fixtures/models/format-v2-pre-cleaning.bin", "--format", "jsonl"])
        .write_stdin("首页 > 新闻动态 > 招商动态\n")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let piece: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let features: Vec<&str> = piece["features"].as_array().unwrap().iter().filter_map(serde_json::Value::as_str).collect();
    assert!(features.contains(&"[招商]"), "the old model's pipeline must still featurise boilerplate: {features:?}");

    // The default pipeline of new models drops the line.
    let output = Command::cargo_bin("bulletin")
        .unwrap()
        .args(["segment", "--format", "jsonl"])
        .write_stdin("首页 > 新闻动态 > 招商动态\n")
        .output()
        .unwrap();
    let piece: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(piece["features"], serde_json::json!([]), "{piece}");
}
