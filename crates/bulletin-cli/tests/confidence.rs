//! End-to-end tests of calibrated confidence: what `train`, `classify`, `eval`, `calibrate` and
//! `merge` say about how far a score can be trusted.

#[expect(dead_code, reason = "the helpers serve several test binaries; this one uses a few")]
mod util;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use util::{fixture, root, s};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("bulletin").unwrap().current_dir(root()).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A calibrated model trained once per test binary on 40 training records per theme of the
/// committed corpus (enough for `--calibration auto`), written as JSONL first.
fn calibrated_model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bulletin-confidence-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("subset.jsonl");
        std::fs::write(&data, subset(40)).unwrap();
        let out = dir.join("calibrated.bin");
        let (code, _, err) = run(&["train", "--data", s(&data), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("calibrated on out-of-fold scores"), "{err}");
        out
    })
}

/// The first `n` records of each primary theme in data/train, in file order.
fn subset(n: usize) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("data/train"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut taken = std::collections::BTreeMap::<String, usize>::new();
    let mut out = String::new();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let primary = v["labels"][0].as_str().unwrap().to_owned();
            let count = taken.entry(primary).or_default();
            if *count < n {
                *count += 1;
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn jsonl(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn training_on_too_few_records_per_theme_says_the_model_is_not_calibrated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.bin");
    let (code, _, err) = run(&["train", "--data", s(&fixture("corpus")), "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("note: the model is not calibrated: theme `") && err.contains("training records"), "{err}");
    let (code, out, err) = run(&["inspect", "--json", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["calibration"]["calibrated"], false);
    assert_eq!(v["record_digest"], 25, "{out}");
}

#[test]
fn calibrated_scores_keep_the_ranking_and_stop_saying_one_for_everything() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.bin");
    let (code, _, err) = run(&["calibrate", "--model", s(calibrated_model()), "--none", "--out", s(&raw)]);
    assert_eq!(code, 0, "{err}");
    let page = root().join("data/samples/page-2.txt");
    let classify = |m: &Path| {
        let (code, out, err) = run(&["classify", "--format", "jsonl", "--granularity", "paragraph", "--model", s(m), s(&page)]);
        assert_eq!(code, 0, "{err}");
        jsonl(&out)
    };
    let (calibrated, uncalibrated) = (classify(calibrated_model()), classify(&raw));
    assert_eq!(calibrated.len(), uncalibrated.len());
    let confidence = |v: &serde_json::Value| v["confidence"].as_f64().unwrap();
    for (c, u) in calibrated.iter().zip(&uncalibrated) {
        assert_eq!(c["theme"], u["theme"], "calibration changed a decision");
        assert_eq!(c["best"], c["theme"], "not abstained: best is the theme");
        let scores: Vec<f64> = c["scores"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).collect();
        assert!((scores.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((scores.iter().copied().fold(0.0, f64::max) - confidence(c)).abs() < 1e-12, "confidence = max(scores)");
        // Naive Bayes is over-confident: the map cools every piece down.
        assert!(confidence(c) <= confidence(u) + 1e-12, "{} > {}", confidence(c), confidence(u));
    }
    let high = |set: &[serde_json::Value]| set.iter().filter(|v| confidence(v) >= 0.99).count();
    assert!(high(&calibrated) < high(&uncalibrated), "{} vs {}", high(&calibrated), high(&uncalibrated));
}

#[test]
fn calibrated_training_is_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("subset.jsonl");
    std::fs::write(&data, subset(25)).unwrap();
    let mut models = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("m{threads}.bin"));
        let (code, _, err) = run(&["train", "--threads", threads, "--data", s(&data), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("calibrated on"), "{err}");
        models.push(std::fs::read(&out).unwrap());
    }
    assert!(models[0] == models[1], "thread count changed the calibrated model");
}

#[test]
fn an_abstained_piece_keeps_its_best_guess_in_json_and_in_the_table() {
    let page = root().join("data/samples/page-1.txt");
    let args = ["classify", "--granularity", "paragraph", "--min-confidence", "0.95", "--model", s(calibrated_model()), s(&page)];
    let (code, out, err) = run(&[&args[..], &["--format", "jsonl"]].concat());
    assert_eq!(code, 0, "{err}");
    let lines = jsonl(&out);
    let abstained: Vec<&serde_json::Value> = lines.iter().filter(|v| v["abstained"] == true).collect();
    assert!(!abstained.is_empty() && abstained.len() < lines.len(), "{out}");
    for v in &abstained {
        assert_eq!(v["theme"], "other");
        let best = v["best"].as_str().unwrap();
        let top = v["scores"].as_object().unwrap().iter().max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap())).unwrap();
        assert_eq!(best, top.0, "best is the top-scoring theme");
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("其他 (? "), "{out}");
}

/// The confidences shown in a classify table, top to bottom (from the `█████░░░░░ 0.52` bars).
fn table_confidences(table: &str) -> Vec<f64> {
    table
        .lines()
        .filter_map(|line| {
            let at = line.find(['█', '░'])?;
            let rest = line[at..].trim_start_matches(['█', '░']).trim_start();
            rest.get(..4)?.parse().ok()
        })
        .collect()
}

#[test]
fn sort_confidence_lists_the_least_confident_pieces_first() {
    let page = root().join("data/samples/page-2.txt");
    let (code, out, err) =
        run(&["classify", "--sort", "confidence", "--granularity", "paragraph", "--model", s(calibrated_model()), s(&page)]);
    assert_eq!(code, 0, "{err}");
    let shown = table_confidences(&out);
    assert!(shown.len() > 5, "{out}");
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "not least confident first: {shown:?}");
    let (code, plain, _) = run(&["classify", "--granularity", "paragraph", "--model", s(calibrated_model()), s(&page)]);
    assert_eq!(code, 0);
    let mut unsorted = table_confidences(&plain);
    assert_ne!(unsorted, shown, "the page's own order was already sorted: pick another page");
    unsorted.sort_by(f64::total_cmp);
    assert_eq!(unsorted, shown, "the same rows, reordered");
    let (code, _, err) = run(&["classify", "--sort", "confidence", "--format", "jsonl", s(&page)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--sort confidence orders table rows"), "{err}");
}

#[test]
fn eval_reports_how_far_confidence_can_be_trusted_and_plots_it() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let (code, out, err) = run(&[
        "eval",
        "--format",
        "json",
        "--granularity",
        "paragraph",
        "--data",
        "data/test",
        "--plot",
        s(&plots),
        "--model",
        s(calibrated_model()),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let c = &v["confidence"];
    let pieces = c["pieces"].as_u64().unwrap();
    assert_eq!(pieces, v["pieces"].as_u64().unwrap());
    assert_eq!(c["bins"].as_array().unwrap().len(), 10);
    let binned: u64 = c["bins"].as_array().unwrap().iter().map(|b| b["pieces"].as_u64().unwrap()).sum();
    assert_eq!(binned, pieces);
    assert!((0.0..=1.0).contains(&c["ece"].as_f64().unwrap()));
    assert!(c["auroc"].as_f64().unwrap() > 0.5, "confidence separates right from wrong: {c}");
    assert_eq!(c["risk_coverage"].as_array().unwrap().len(), 5);
    assert!((c["risk_coverage"][0][1].as_f64().unwrap() - v["accuracy"].as_f64().unwrap()).abs() < 1e-12);
    assert_eq!(v["per_script"].as_array().unwrap().len(), 2);
    // The pictures: well-formed SVG with the series they promise.
    let read = |name: &str| std::fs::read_to_string(plots.join(name)).unwrap();
    let reliability = read("reliability.svg");
    let doc = roxmltree::Document::parse(&reliability).expect("reliability.svg is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).map(str::trim).collect();
    assert!(texts.contains(&"model") && texts.contains(&"perfect calibration"), "{texts:?}");
    assert!(doc.descendants().filter(|n| n.has_tag_name("polyline")).count() >= 2, "the diagonal and the model's curve");
    let curve = read("risk-coverage.svg");
    let doc = roxmltree::Document::parse(&curve).expect("risk-coverage.svg is well-formed XML");
    let points =
        doc.descendants().filter(|n| n.has_tag_name("polyline")).map(|n| n.attribute("points").unwrap_or("").split(' ').count()).max();
    assert!(points.unwrap_or(0) >= 100, "a point per coverage percentage");
    let confusion = read("confusion.svg");
    let doc = roxmltree::Document::parse(&confusion).expect("confusion.svg is well-formed XML");
    assert!(doc.descendants().filter(|n| n.has_tag_name("rect")).count() >= 25, "one cell per truth/prediction pair");
    let labels: Vec<&str> = doc.descendants().filter_map(|n| n.text()).map(str::trim).collect();
    assert!(labels.contains(&"investment") && labels.contains(&"other"), "{labels:?}");
}

#[test]
fn calibrate_refits_the_maps_on_held_out_data_and_leaves_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recalibrated.bin");
    let (code, _, err) = run(&["calibrate", "--model", s(calibrated_model()), "--data", "data/test", "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ECE on that data:") && err.contains("before") && err.contains("after"), "{err}");
    let inspect = |m: &Path| {
        let (code, out, err) = run(&["inspect", "--json", "--top", "30", s(m)]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let (before, after) = (inspect(calibrated_model()), inspect(&out));
    assert!(after["calibration"]["detail"].as_str().unwrap().starts_with("held-out data"), "{}", after["calibration"]);
    for same in ["top_features", "vocabulary_size", "selected_features", "summary", "record_digest", "fingerprint"] {
        assert_eq!(before[same], after[same], "{same} changed");
    }
    // The output must not be one of the inputs.
    let (code, _, err) = run(&["calibrate", "--model", s(&out), "--data", "data/test", "--out", s(&out)]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("--out"), "{err}");
}

#[test]
fn merge_refuses_shards_that_share_training_records() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    for (data, out) in [(fixture("corpus/part-1.jsonl"), p("1.bin")), (fixture("corpus"), p("all.bin"))] {
        let (code, _, err) = run(&["train", "--data", s(&data), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = run(&["merge", s(&p("1.bin")), s(&p("all.bin")), "--out", s(&p("m.bin"))]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("shares at least") && err.contains("--allow-overlap"), "{err}");
    assert!(!p("m.bin").exists());
    let (code, _, err) = run(&["merge", "--allow-overlap", s(&p("1.bin")), s(&p("all.bin")), "--out", s(&p("m.bin"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning") && err.contains("merging anyway"), "{err}");
}

#[test]
fn a_version_1_model_still_classifies_uncalibrated_with_a_note() {
    let (code, out, err) =
        run(&["classify", "--format", "jsonl", "--model", s(&fixture("models/format-v1.bin")), s(&root().join("data/samples/page-1.txt"))]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().filter(|l| l.contains("version-1")).count(), 1, "{err}");
    assert!(!jsonl(&out).is_empty());
}
