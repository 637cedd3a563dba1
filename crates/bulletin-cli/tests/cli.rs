//! End-to-end tests of the `bulletin` binary: split, segment, classify, train, eval, inspect,
//! merge and classifiers, run as a user would, on the shared fixtures under `tests/fixtures/`.
//!
//! JSON Lines output is decoded with the test-only types below, so the wire format is written
//! down twice (here and in `src/jsonl.rs`) and a change to one side fails a test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde::Deserialize;

#[macro_use]
mod util;
use util::{SplitLine, fixture, root, s, temp_with, tiny_model};

// ---------------------------------------------------------------------------------------------
// Fixture helpers.

/// The `bulletin` command, run from the repository root.
fn bulletin() -> Command {
    let mut cmd = Command::cargo_bin("bulletin").unwrap();
    cmd.current_dir(root());
    cmd
}

/// Runs `bulletin args…` and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = bulletin().args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

// ---------------------------------------------------------------------------------------------
// The wire format, written down a second time.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenLine {
    text: String,
    start: usize,
    end: usize,
}

piece_line! {
    #[derive(Debug, Deserialize)]
    struct SegmentLine {
        normalized: String,
        tokens: Vec<TokenLine>,
        features: Vec<String>,
    }
}

#[derive(Debug, Deserialize)]
struct Why {
    feature: String,
    contribution: f64,
}

piece_line! {
    #[derive(Debug, Deserialize)]
    struct ClassifyLine {
        theme: String,
        theme_name: String,
        confidence: f64,
        abstained: bool,
        best: String,
        scores: std::collections::BTreeMap<String, f64>,
        tags: Vec<String>,
        why: Option<Vec<Why>>,
    }
}

const THEMES: [&str; 5] = ["investment", "hightech", "financing", "transfer", "other"];

fn lines<T: for<'de> Deserialize<'de>>(stdout: &str) -> Vec<T> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// Whether the non-whitespace chars of `piece` appear in order within `span` (broken lines are
/// rejoined, and bylines and markers are removed, so the piece is a subsequence of its span).
fn is_subsequence(piece: &str, span: &[char]) -> bool {
    let mut it = span.iter();
    piece.chars().filter(|c| !c.is_whitespace()).all(|c| it.any(|&x| x == c))
}

// ---------------------------------------------------------------------------------------------
// split

#[test]
fn split_page_fixture_gives_titles_bylines_captions_and_valid_offsets() {
    let (code, out, err) = run(&["split", "--format", "jsonl", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<SplitLine> = lines(&out);
    assert_eq!(pieces.len(), 4);
    assert!(
        pieces.iter().enumerate().all(|(i, p)| p.index == i && p.source == "tests/fixtures/pages/zone-page.txt" && p.encoding == "UTF-8")
    );
    assert_eq!(pieces[0].title, None, "text before the first heading is an untitled article");
    let zone = &pieces[1];
    assert_eq!((zone.kind.as_str(), zone.title.as_deref()), ("article", Some("桂林高新区: 招商引资“早春行动”喜讯传")));
    assert!(zone.byline.as_deref().is_some_and(|b| b.starts_with("陈丹 王铭思")), "{:?}", zone.byline);
    assert!(zone.text.starts_with("本报讯 3月5日"), "{}", zone.text);
    assert!(zone.text.contains("产业链招商，新增"), "broken line rejoined: {}", zone.text);
    assert!(!zone.text.contains("##"));
    let caption = &pieces[2];
    assert_eq!(
        (caption.kind.as_str(), caption.credit.as_deref(), caption.text.as_str()),
        ("caption", Some("桂林高新区"), "签约仪式现场。")
    );
    assert!(pieces.iter().all(|p| p.article_index.is_none() && p.paragraph.is_none() && p.section.is_none()));

    let page: Vec<char> = std::fs::read_to_string(fixture("pages/zone-page.txt")).unwrap().chars().collect();
    for p in &pieces {
        assert!(p.start < p.end && p.end <= page.len(), "{p:?}");
        assert!(is_subsequence(&p.text, &page[p.start..p.end]), "piece {} text not within its offsets", p.index);
    }
}

#[test]
fn split_paragraph_granularity_reports_article_paragraph_and_section() {
    let (code, out, err) = run(&["split", "--granularity", "paragraph", "--format", "jsonl", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<SplitLine> = lines(&out);
    let in_section = pieces.iter().find(|p| p.text.starts_with("今年以来")).expect("the section paragraph");
    assert_eq!(in_section.section.as_deref(), Some("驻点招商见实效"));
    assert_eq!(in_section.article_index, Some(1));
    assert_eq!(in_section.title.as_deref(), Some("桂林高新区: 招商引资“早春行动”喜讯传"));
    assert!(pieces.iter().all(|p| p.paragraph.is_some() && p.article_index.is_some()));
}

#[test]
fn split_reports_the_detected_encoding_of_gbk_big5_and_utf16_pages() {
    for (file, encoding) in [
        ("zone-page.gbk.txt", "GBK"),
        ("zone-page-traditional.big5.txt", "Big5"),
        ("zone-page.utf16le.txt", "UTF-16LE"),
        ("zone-page.utf16be-bom.txt", "UTF-16BE"),
        ("zone-page.crlf-bom.txt", "UTF-8"),
    ] {
        let (code, out, err) = run(&["split", "--format", "jsonl", s(&fixture(&format!("pages/{file}")))]);
        assert_eq!(code, 0, "{file}: {err}");
        let pieces: Vec<SplitLine> = lines(&out);
        assert!(!pieces.is_empty() && pieces.iter().all(|p| p.encoding == encoding), "{file}: {:?}", pieces.first().map(|p| &p.encoding));
    }
    // Same page, same pieces, whatever the encoding.
    let texts = |file: &str| {
        lines::<SplitLine>(&run(&["split", "--format", "jsonl", s(&fixture(file))]).1).into_iter().map(|p| p.text).collect::<Vec<_>>()
    };
    assert_eq!(texts("pages/zone-page.gbk.txt"), texts("pages/zone-page.txt"));
    assert_eq!(texts("pages/zone-page.utf16le.txt"), texts("pages/zone-page.txt"));
}

#[test]
fn split_headingless_input_is_one_article() {
    let (code, out, _) = run(&["split", "--format", "jsonl", "tests/fixtures/pages/headingless.txt"]);
    assert_eq!(code, 0);
    let pieces: Vec<SplitLine> = lines(&out);
    assert_eq!(pieces.len(), 1);
    assert_eq!((pieces[0].kind.as_str(), pieces[0].title.as_deref()), ("article", None));
}

#[test]
fn split_reads_stdin_as_dash() {
    let out = bulletin().args(["split", "--format", "json"]).write_stdin("# 标题\n本报讯 正文。\n").output().unwrap();
    assert!(out.status.success());
    let pieces: Vec<SplitLine> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((pieces.len(), pieces[0].source.as_str(), pieces[0].title.as_deref()), (1, "-", Some("标题")));
}

#[test]
fn split_table_is_the_default_format() {
    let (code, out, _) = run(&["split", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("zone-page.txt (UTF-8): 4 pieces") && out.contains("caption"), "{out}");
}

#[test]
fn empty_and_whitespace_files_give_no_pieces_and_a_note() {
    let dir = temp_with(&[("empty.txt", b""), ("blank.txt", b"  \n\r\n\t\n")]);
    for name in ["empty.txt", "blank.txt"] {
        let path = dir.path().join(name);
        let (code, out, err) = run(&["split", "--format", "jsonl", s(&path)]);
        assert_eq!(code, 0, "{err}");
        assert!(out.is_empty());
        assert!(err.contains(&format!("note: {}: no text", path.display())), "{err}");
    }
}

#[test]
fn missing_file_and_binary_file_fail_with_one_line_naming_the_file() {
    // (A directory is read, not refused: see tests/archive.rs.)
    let dir = temp_with(&[("binary.bin", b"\x00\x01\x02\x03\xff\x00\x10\x00\x00\x00\x7f\x45\x4c\x46")]);
    let missing = dir.path().join("missing.txt");
    for path in [missing, dir.path().join("binary.bin")] {
        let (code, out, err) = run(&["split", s(&path)]);
        assert_eq!(code, 1, "{}: {err}", path.display());
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("bulletin: error: ") && err.contains(s(&path)), "{err}");
    }
}

#[test]
fn one_bad_file_among_good_ones_exits_3_and_prints_the_good_pieces() {
    let (code, out, err) = run(&["split", "--format", "jsonl", "no-such-page.txt", "tests/fixtures/pages/headingless.txt"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no-such-page.txt"));
    let pieces: Vec<SplitLine> = lines(&out);
    assert_eq!(pieces.len(), 1);
    assert!(pieces[0].source.ends_with("headingless.txt"));
}

#[test]
fn forced_big5_on_utf8_chinese_is_undecodable() {
    let (code, _, err) = run(&["split", "--encoding", "big5", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 1);
    assert!(err.contains("zone-page.txt") && err.contains("Big5") && err.contains("cannot decode"), "{err}");
    let (code, _, err) = run(&["split", "--encoding", "klingon", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 1);
    assert!(err.contains("klingon"), "{err}");
}

#[test]
fn a_fifo_is_read_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("page.fifo");
    assert!(StdCommand::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, "# 标题\n本报讯 正文。\n".as_bytes()).unwrap())
    };
    let (code, out, err) = run(&["split", "--format", "jsonl", s(&fifo)]);
    writer.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines::<SplitLine>(&out).len(), 1);
}

#[test]
fn a_piece_longer_than_max_piece_chars_is_cut_with_a_warning() {
    let long = format!("# 长文\n{}\n", "高新区招商引资。".repeat(1000));
    let dir = temp_with(&[("long.txt", long.as_bytes())]);
    let path = dir.path().join("long.txt");
    let (code, out, err) = run(&["split", "--format", "jsonl", "--max-piece-chars", "100", s(&path)]);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<SplitLine> = lines(&out);
    assert_eq!(pieces[0].text.chars().count(), 100);
    assert!(err.contains("warning:") && err.contains("long.txt") && err.contains("piece 0"), "{err}");
}

#[test]
fn closed_stdout_exits_0_quietly() {
    let page = "# 标题\n本报讯 高新区举行项目集中签约仪式。\n\n\n".repeat(3000);
    let dir = temp_with(&[("big.txt", page.as_bytes())]);
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("bulletin"))
        .args(["split", "--format", "jsonl", s(&dir.path().join("big.txt"))])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with('{'));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---------------------------------------------------------------------------------------------
// segment

#[test]
fn segment_shows_normalized_text_tokens_and_features() {
    let (code, out, err) = run(&["segment", "--format", "jsonl", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<SegmentLine> = lines(&out);
    let zone = &pieces[1];
    assert_eq!((zone.index, zone.kind.as_str(), zone.encoding.as_str()), (1, "article", "UTF-8"));
    assert!(zone.source.ends_with("zone-page.txt") && zone.title.is_some() && zone.end > zone.start);
    assert_eq!(zone.id, None, "pieces of pages have a null id");
    assert!(zone.features.iter().any(|f| f == "招商引资"), "{:?}", zone.features);
    let normalized: Vec<char> = zone.normalized.chars().collect();
    let mut at = 0;
    for t in &zone.tokens {
        assert_eq!(t.start, at, "tokens cover the normalised text in order");
        assert_eq!(normalized[t.start..t.end].iter().collect::<String>(), t.text);
        at = t.end;
    }
    assert_eq!(at, normalized.len());
    assert!(!zone.text.is_empty());
    let _ = (&zone.byline, &zone.credit, zone.article_index, zone.paragraph, &zone.section);
    assert!(!zone.damaged, "a clean page has no damaged piece");
}

#[test]
fn segment_user_dictionary_errors_name_file_and_line() {
    let dir = temp_with(&[("bad.dict", "瞪羚企业 30000\n揭榜挂帅\n".as_bytes()), ("good.dict", "早春行动 50000\n".as_bytes())]);
    let (code, _, err) = run(&["segment", "--dict", s(&dir.path().join("bad.dict")), "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{}:2:", dir.path().join("bad.dict").display())), "{err}");
    let (code, out, err) =
        run(&["segment", "--format", "jsonl", "--dict", s(&dir.path().join("good.dict")), "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(lines::<SegmentLine>(&out)[1].features.iter().any(|f| f == "早春行动"));
}

// ---------------------------------------------------------------------------------------------
// classify

fn classify(args: &[&str]) -> Vec<ClassifyLine> {
    let mut all = vec!["classify", "--model", s(tiny_model()), "--format", "jsonl"];
    all.extend(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    lines(&out)
}

#[test]
fn classify_jsonl_has_every_field_scores_in_taxonomy_order_and_tags_led_by_the_theme() {
    let pieces = classify(&["tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(pieces.len(), 4);
    for p in &pieces {
        assert_eq!(p.scores.len(), 5);
        assert!((p.scores.values().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(p.tags[0], p.theme);
        assert!((p.confidence - p.scores[&p.theme]).abs() < 1e-12);
        assert!(!p.abstained && p.why.is_none());
        assert!(THEMES.contains(&p.theme.as_str()) && !p.theme_name.is_empty());
        assert!(
            p.source.ends_with("zone-page.txt") && p.encoding == "UTF-8" && !p.kind.is_empty() && p.start < p.end && !p.text.is_empty()
        );
        let _ = (&p.title, &p.byline, &p.credit, p.index, p.article_index, p.paragraph, &p.section);
        assert!(!p.damaged, "a clean page has no damaged piece");
    }
    assert_eq!((pieces[1].theme.as_str(), pieces[1].theme_name.as_str()), ("investment", "招商引资"));
    assert_eq!(pieces[3].theme, "financing");
    // Key order on the wire: taxonomy order.
    let (_, out, _) = run(&["classify", "--model", s(tiny_model()), "--format", "jsonl", "tests/fixtures/pages/zone-page.txt"]);
    for line in out.lines() {
        let scores = &line[line.find("\"scores\":{").unwrap()..];
        let positions: Vec<usize> = THEMES.iter().map(|t| scores.find(&format!("\"{t}\":")).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{scores}");
    }
}

#[test]
fn classify_output_is_the_same_for_any_thread_count() {
    let page = std::fs::read_to_string(fixture("pages/zone-page.txt")).unwrap().repeat(120);
    let dir = temp_with(&[("page.txt", page.as_bytes())]);
    let path = dir.path().join("page.txt");
    let one = run(&["classify", "--model", s(tiny_model()), "--format", "jsonl", "--threads", "1", s(&path)]);
    let two = run(&["classify", "--model", s(tiny_model()), "--format", "jsonl", "--threads", "2", s(&path)]);
    assert_eq!(one.0, 0, "{}", one.2);
    assert!(one.1.lines().count() > 256, "more than one block");
    assert_eq!(one.1, two.1);
    let para1 =
        run(&["classify", "--model", s(tiny_model()), "--granularity", "paragraph", "--format", "json", "--threads", "1", s(&path)]);
    let para2 =
        run(&["classify", "--model", s(tiny_model()), "--granularity", "paragraph", "--format", "json", "--threads", "2", s(&path)]);
    assert_eq!(para1.1, para2.1);
}

#[test]
fn classify_min_confidence_abstains_to_other() {
    let page = "# 会议\n高新区召开会议。\n\n# 企业\n企业发展良好，园区服务企业。\n\n# 项目与贷款\n项目签约，银行贷款。\n";
    let dir = temp_with(&[("short.txt", page.as_bytes())]);
    let pieces = classify(&["--min-confidence", "0.99", s(&dir.path().join("short.txt"))]);
    assert!(pieces.iter().any(|p| p.abstained), "short ambiguous pieces abstain");
    for p in &pieces {
        let (best, top) = p.scores.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(t, s)| (t.as_str(), *s)).unwrap();
        assert_eq!(p.abstained, top < 0.99 && best != "other", "{p:?}");
        assert_eq!(p.best, best, "best is the top-scoring theme, abstained or not");
        if p.abstained {
            assert_eq!((p.theme.as_str(), p.tags.as_slice()), ("other", &["other".to_owned()][..]));
            assert!((p.confidence - p.scores["other"]).abs() < 1e-12, "confidence is the reported theme's score");
        }
    }
}

#[test]
fn classify_explain_gives_k_reasons() {
    let pieces = classify(&["--explain", "3", "tests/fixtures/pages/zone-page.txt"]);
    let why = pieces[1].why.as_ref().expect("why");
    assert_eq!(why.len(), 3);
    assert!(why.iter().all(|w| !w.feature.is_empty() && w.contribution.is_finite()));
    assert!(why.windows(2).all(|w| w[0].contribution >= w[1].contribution));
}

#[test]
fn classify_table_shows_chinese_theme_names_and_a_confidence_bar() {
    let (code, out, err) = run(&["classify", "--model", s(tiny_model()), "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("招商引资") && out.contains("科技金融") && out.contains('█'), "{out}");
}

#[test]
fn classify_without_model_uses_the_embedded_default() {
    let (code, out, err) = run(&["classify", "--format", "jsonl", "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<ClassifyLine> = lines(&out);
    assert_eq!(pieces[1].theme, "investment");
    assert!(pieces.iter().all(|p| p.id.is_none()));
}

// ---------------------------------------------------------------------------------------------
// train, merge, model files

#[test]
fn training_twice_or_on_any_number_of_threads_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, &[&str]); 4] = [("a.bin", &[]), ("b.bin", &[]), ("one.bin", &["--threads", "1"]), ("three.bin", &["--threads", "3"])];
    let corpus = fixture("corpus");
    for (name, extra) in runs {
        let out = dir.path().join(name);
        let mut args = vec!["train", "--data", s(&corpus), "--out", s(&out)];
        args.extend_from_slice(extra);
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("records read: 25") && err.contains("vocabulary"), "summary: {err}");
    }
    let first = std::fs::read(dir.path().join("a.bin")).unwrap();
    for (name, _) in &runs[1..] {
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), first, "{name}");
    }
    let (code, _, err) = run(&["train", "--data", s(&corpus), "--out", s(&dir.path().join("zero.bin")), "--threads", "0"]);
    assert_eq!(code, 2, "--threads 0 is a usage error: {err}");
}

#[test]
fn merging_models_of_the_two_halves_equals_training_on_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    for (data, out) in
        [(fixture("corpus/part-1.jsonl"), p("1.bin")), (fixture("corpus/part-2.jsonl"), p("2.bin")), (fixture("corpus"), p("all.bin"))]
    {
        let (code, _, err) = run(&["train", "--data", s(&data), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = run(&["merge", s(&p("1.bin")), s(&p("2.bin")), "--out", s(&p("merged.bin"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("run `bulletin calibrate`"), "{err}");
    assert_same_counts(&p("merged.bin"), &p("all.bin"));
    // Using the merged model says, once, that its confidence is not calibrated.
    let (code, _, err) = run(&["classify", "--model", s(&p("merged.bin")), "tests/fixtures/pages/zone-page.txt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("is a merge of shard models: its confidence is not calibrated").count(), 1, "{err}");
}

/// Two models with the same counts, vocabulary, selection and digest, whatever their
/// calibration: their `inspect --json` agrees but for the calibration, and uncalibrated scores
/// of a whole page agree to the last digit.
fn assert_same_counts(a: &Path, b: &Path) {
    let inspect = |m: &Path| {
        let (code, out, err) = run(&["inspect", "--json", "--top", "50", s(m)]);
        assert_eq!(code, 0, "{err}");
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let object = v.as_object_mut().unwrap();
        for volatile in ["model", "calibration", "params"] {
            object.remove(volatile);
        }
        v
    };
    assert_eq!(inspect(a), inspect(b));
    let dir = tempfile::tempdir().unwrap();
    let scores = |m: &Path| {
        // Both models without calibration: the same counts give bit-identical scores.
        let plain = dir.path().join("plain.bin");
        let (code, _, err) = run(&["calibrate", "--model", s(m), "--none", "--out", s(&plain)]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = run(&["inspect", s(&plain)]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("calibration:       none (turned off by `train --calibration none` or `calibrate --none`)"), "{out}");
        let (code, out, err) = run(&["classify", "--format", "jsonl", "--model", s(&plain), s(&root().join("data/samples/page-1.txt"))]);
        assert_eq!(code, 0, "{err}");
        out
    };
    assert_eq!(scores(a), scores(b));
}

#[test]
fn merging_three_shards_in_any_order_equals_training_on_the_whole() {
    // Three shards of the corpus: part-1 split in two, and part-2.
    let part1 = std::fs::read_to_string(fixture("corpus/part-1.jsonl")).unwrap();
    let lines: Vec<&str> = part1.lines().collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let dir = temp_with(&[("a.jsonl", first.join("\n").as_bytes()), ("b.jsonl", second.join("\n").as_bytes())]);
    let p = |n: &str| dir.path().join(n);
    for (data, out) in [
        (p("a.jsonl"), p("a.bin")),
        (p("b.jsonl"), p("b.bin")),
        (fixture("corpus/part-2.jsonl"), p("c.bin")),
        (fixture("corpus"), p("all.bin")),
    ] {
        let (code, _, err) = run(&["train", "--data", s(&data), "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
    }
    for order in [["a.bin", "b.bin", "c.bin"], ["c.bin", "a.bin", "b.bin"]] {
        let mut args = vec!["merge"];
        let paths: Vec<PathBuf> = order.iter().map(|n| p(n)).collect();
        args.extend(paths.iter().map(|path| s(path)));
        let out = p("merged.bin");
        args.extend(["--out", s(&out)]);
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("merged 3 models (25 records)"), "{err}");
        assert_same_counts(&out, &p("all.bin"));
        if order[0] == "a.bin" {
            std::fs::copy(&out, p("first-merge.bin")).unwrap();
        } else {
            assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(p("first-merge.bin")).unwrap(), "merge order {order:?}");
        }
    }
    // One model is a usage error, not an empty merge.
    let (code, _, err) = run(&["merge", s(&p("a.bin")), "--out", s(&p("one.bin"))]);
    assert_eq!(code, 2, "{err}");
    assert!(!p("one.bin").exists());
    // The same model twice, by name or as a copy, would count its data twice: refused.
    std::fs::copy(p("b.bin"), p("b-copy.bin")).unwrap();
    for twice in [p("a.bin"), p("b-copy.bin")] {
        let (code, _, err) = run(&["merge", s(&p("a.bin")), s(&p("b.bin")), s(&twice), "--out", s(&p("twice.bin"))]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("is the same model as") && err.contains("twice"), "{err}");
        assert!(!p("twice.bin").exists());
    }
}

#[test]
fn unknown_label_is_fatal_and_lists_valid_themes() {
    let bad = r#"{"id":"x","title":"t","text":"旅游节开幕。","labels":["tourism"]}"#;
    let dir = temp_with(&[("bad.jsonl", bad.as_bytes())]);
    let (code, _, err) = run(&["train", "--data", s(&dir.path().join("bad.jsonl")), "--out", s(&dir.path().join("m.bin"))]);
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.jsonl:1") && err.contains("tourism") && err.contains("investment, hightech, financing, transfer, other"),
        "{err}"
    );
    assert!(!dir.path().join("m.bin").exists());
}

#[test]
fn malformed_records_are_skipped_with_file_and_line_or_fatal_with_strict() {
    let mut data = std::fs::read_to_string(fixture("corpus/part-1.jsonl")).unwrap();
    data.push_str("{not json\n");
    data.push_str(r#"{"id":"no-text","labels":["other"]}"#);
    data.push('\n');
    data.push_str(r#"{"id":"empty","text":"  ","labels":["other"]}"#);
    data.push('\n');
    data.push_str(r#"{"id":"nolabel","text":"正文。","labels":[]}"#);
    data.push('\n');
    data.push_str(r#"{"id":"inv-1","text":"重复。","labels":["other"]}"#);
    data.push('\n');
    data.push_str(r#"{"id":"mismatch","text":"一段。\n两段。","labels":["other"],"paragraph_labels":[["other"]]}"#);
    data.push('\n');
    let dir = temp_with(&[("data.jsonl", data.as_bytes())]);
    let file = dir.path().join("data.jsonl");
    let out = dir.path().join("m.bin");
    let (code, _, err) = run(&["train", "--data", s(&file), "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    for (line, what) in [
        (14, "malformed JSON"),
        (15, "missing field `text`"),
        (16, "empty text"),
        (17, "no labels"),
        (18, "duplicate id"),
        (19, "paragraph_labels"),
    ] {
        assert!(err.contains(&format!("{}:{line}: ", file.display())) && err.contains(what), "line {line} ({what}): {err}");
    }
    assert!(err.contains("records read: 13, skipped: 6"), "{err}");
    let (code, _, err) = run(&["train", "--strict", "--data", s(&file), "--out", s(&dir.path().join("strict.bin"))]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{}:14: ", file.display())) && err.contains("--strict"), "{err}");
    assert!(!dir.path().join("strict.bin").exists());
}

#[test]
fn a_theme_without_examples_is_warned_about_and_no_data_is_an_error() {
    let data: String = std::fs::read_to_string(fixture("corpus/part-1.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"transfer\""))
        .fold(String::new(), |acc, l| acc + l + "\n");
    let dir = temp_with(&[("data.jsonl", data.as_bytes()), ("nothing.jsonl", b"{broken\n")]);
    let (code, _, err) = run(&["train", "--data", s(&dir.path().join("data.jsonl")), "--out", s(&dir.path().join("m.bin"))]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: theme `transfer`"), "{err}");
    let (code, _, err) = run(&["train", "--data", s(&dir.path().join("nothing.jsonl")), "--out", s(&dir.path().join("n.bin"))]);
    assert_eq!(code, 1);
    assert!(err.contains("no training data"), "{err}");
}

#[test]
fn interrupted_train_leaves_the_previous_model_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.bin");
    std::fs::copy(tiny_model(), &out).unwrap();
    let before = std::fs::read(&out).unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("bulletin"))
        .current_dir(root())
        .args(["train", "--granularity", "article", "--data", s(&fixture("corpus/part-1.jsonl")), "--out", s(&out)])
        .env("BULLETIN_TEST_HOLD_BEFORE_RENAME_MS", "5000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let tmp_seen = loop {
        let tmp = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(".bulletin-model-") && Path::new(&name).extension().is_some_and(|e| e == "tmp")
        });
        if tmp || Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            break tmp;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(tmp_seen, "the temporary model file appeared while train was held");
    assert_eq!(std::fs::read(&out).unwrap(), before, "the previous model is byte-identical");
}

#[test]
fn damaged_models_are_refused_with_a_clear_message() {
    let good = std::fs::read(tiny_model()).unwrap();
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x20;
    let mut newer = good.clone();
    newer[4..8].copy_from_slice(&99u32.to_le_bytes());
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped.bin", flipped, "corrupted"),
        ("truncated.bin", good[..good.len() / 3].to_vec(), "truncated"),
        ("foreign.bin", b"PK\x03\x04 this is a zip file, not a model".to_vec(), "not a bulletin model"),
        ("newer.bin", newer, "upgrade"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for args in [vec!["classify", "--model", s(&path), "tests/fixtures/pages/headingless.txt"], vec!["inspect", s(&path)]] {
            let (code, out, err) = run(&args);
            assert_eq!(code, 1, "{name}: {err}");
            assert!(out.is_empty());
            assert!(err.starts_with("bulletin: error: ") && err.contains(name) && err.contains(expected), "{name}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// inspect, classifiers, eval

#[test]
fn inspect_describes_a_model_in_text_and_json() {
    let (code, out, err) = run(&["inspect", "--top", "5", s(tiny_model())]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("format version") && out.contains("multinomial") && out.contains("招商引资") && out.contains("fingerprint"),
        "{out}"
    );
    let (code, out, err) = run(&["inspect", "--json", s(tiny_model())]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], bulletin_core::envelope::FORMAT_VERSION);
    assert_eq!(v["classifier"], "multinomial");
    assert_eq!(v["summary"]["records"], 25);
    assert_eq!(v["taxonomy"]["themes"].as_array().unwrap().len(), 5);
    assert_eq!(v["fingerprint"].as_str().unwrap().len(), 64);
    assert!(v["vocabulary_size"].as_u64().unwrap() >= v["selected_features"].as_u64().unwrap());
    assert_eq!(v["top_features"][0]["theme"], "investment");
    // The embedded model without an argument.
    let (code, out, err) = run(&["inspect"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("embedded default model"), "{out}");
}

#[test]
fn classifiers_lists_every_plugin_and_marks_the_default() {
    let (code, out, _) = run(&["classifiers"]);
    assert_eq!(code, 0);
    for name in ["multinomial (default)", "complement", "bernoulli", "linfa-multinomial", "linfa-bernoulli"] {
        assert!(out.contains(name), "{name}: {out}");
    }
}

#[test]
fn eval_json_reports_accuracy_macro_f1_per_theme_and_confusion() {
    let (code, out, err) = run(&["eval", "--model", s(tiny_model()), "--data", s(&fixture("corpus")), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pieces"], 25);
    let accuracy = v["accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.9, "training data is learnt: {accuracy}");
    assert!(v["macro_f1"].as_f64().unwrap() > 0.9);
    assert_eq!(v["per_theme"].as_array().unwrap().len(), 5);
    assert!(v["per_theme"][0].get("precision").is_some() && v["per_theme"][0].get("support").is_some());
    let matrix = v["confusion"]["matrix"].as_array().unwrap();
    assert_eq!(matrix.len(), 5);
    assert_eq!(matrix.iter().flat_map(|r| r.as_array().unwrap()).map(|c| c.as_u64().unwrap()).sum::<u64>(), 25);
    assert_eq!(v["tags_mixed"]["pieces"], 2);
    assert!(v["per_form"].as_array().unwrap().iter().any(|f| f["form"] == "notice"));
    assert!(v["misclassified"].is_array());

    let (code, out, err) = run(&["eval", "--model", s(tiny_model()), "--data", s(&fixture("corpus")), "--granularity", "paragraph"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("confusion matrix") && out.contains("其他"), "{out}");
}

#[test]
fn eval_folds_cross_validates_a_training_configuration() {
    let (code, out, err) = run(&["eval", "--folds", "2", "--seed", "7", "--data", s(&fixture("corpus")), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["folds"], 2);
    let folds = v["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 2);
    assert_eq!(folds.iter().map(|f| f["test_pieces"].as_u64().unwrap()).sum::<u64>(), 25, "every record tested once");
    assert!(v["accuracy"]["mean"].as_f64().unwrap() > 0.0 && v["macro_f1"]["std_dev"].as_f64().unwrap() >= 0.0);
    let (_, again, _) = run(&["eval", "--folds", "2", "--seed", "7", "--data", s(&fixture("corpus")), "--format", "json"]);
    assert_eq!(out, again, "seeded folds are reproducible");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run(&["split", "--format", "yaml"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn json_format_of_no_pieces_is_an_empty_array() {
    let dir = temp_with(&[("empty.txt", b"")]);
    let (code, out, _) = run(&["split", "--format", "json", s(&dir.path().join("empty.txt"))]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Vec<SplitLine>>(&out).unwrap(), vec![]);
}

#[test]
fn mixed_encodings_across_files_are_each_detected() {
    let files = ["pages/zone-page.gbk.txt", "pages/zone-page-traditional.big5.txt", "pages/zone-page.utf16le.txt", "pages/zone-page.txt"];
    let paths: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
    let mut args = vec!["split", "--format", "jsonl"];
    args.extend(paths.iter().map(|p| s(p)));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let pieces: Vec<SplitLine> = lines(&out);
    let encodings: Vec<(String, String)> = pieces.iter().filter(|p| p.index == 0).map(|p| (p.source.clone(), p.encoding.clone())).collect();
    let expected: Vec<(String, String)> =
        paths.iter().map(|p| p.display().to_string()).zip(["GBK", "Big5", "UTF-16LE", "UTF-8"].map(String::from)).collect();
    assert_eq!(encodings, expected);
}
