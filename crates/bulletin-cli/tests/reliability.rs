//! Reliability of the `bulletin` binary on bad inputs (issue 8): every failure is one clear
//! stderr line naming the file, exit codes follow the README (0 success, 1 error, 3 partial),
//! nothing panics, nothing is silently lost, and results are deterministic.
//!
//! Cases already covered by `tests/cli.rs` (missing file, directory, NUL bytes, FIFO, empty
//! files with `split`, forced Big5 on UTF-8, malformed training records without `--strict`,
//! unknown labels, truncated / foreign / newer / flipped models, interrupted `train`) are not
//! repeated here. Large inputs are a few MB, so that they span several read chunks (1 MiB) and
//! exercise the streaming path; the 200 MB case belongs to `bench/throughput.sh`.
//!
//! Faults that cannot be provoked from outside (a read error when running as root, a file
//! growing mid-read) use the environment variables `BULLETIN_TEST_FAIL_READ` and
//! `BULLETIN_TEST_GROW_WHILE_READ`, which only the test build of the binary reads (see
//! `crates/bulletin-test-hooks`; `.ci/run` checks that the release binary ignores them).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bulletin_core::{Granularity, Piece};
use serde::Deserialize;

mod util;
use util::{SplitLine, fixture, root, s, temp_with, tiny_model};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// What one run of the binary gave.
struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs `bulletin args…` with extra environment variables; no run may panic.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("bulletin").unwrap();
    cmd.current_dir(root()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.err.contains("panicked"), "bulletin {args:?} panicked: {}", run.err);
    run
}

fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// The stderr lines that are errors.
fn errors(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.starts_with("bulletin: error: ")).collect()
}

/// Asserts that `err` holds exactly one error line, naming `path` and containing every `words`.
fn assert_one_error(err: &str, path: &Path, words: &[&str]) {
    let errors = errors(err);
    assert_eq!(errors.len(), 1, "one error line expected: {err}");
    assert!(errors[0].contains(s(path)), "the error names {}: {err}", path.display());
    for word in words {
        assert!(errors[0].contains(word), "`{word}` expected in: {err}");
    }
}

/// A deterministic byte generator (xorshift64*), so random-input tests are reproducible.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_be_bytes()[0]
        })
        .collect()
}

/// The decoded text of every page fixture, in a fixed order.
fn page_texts() -> Vec<String> {
    let mut paths: Vec<PathBuf> = ["tests/fixtures/pages", "data/samples"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap().map(|e| e.unwrap().path()))
        .collect();
    paths.sort();
    paths.iter().map(|p| bulletin_segmenter::decode(&std::fs::read(p).unwrap(), None).unwrap().text).collect()
}

/// A multi-megabyte page: every fixture page, long lines, CRLF and a headingless stretch,
/// repeated until it exceeds `min_bytes`.
fn big_page(min_bytes: usize) -> String {
    let mut unit = String::new();
    for (i, text) in page_texts().iter().enumerate() {
        unit.push_str(text);
        unit.push('\n');
        if i % 3 == 0 {
            unit.push_str(&text.replace('\n', "\r\n"));
            unit.push_str("\r\n");
        }
    }
    unit.push_str("# 超长段落\n");
    unit.push_str(&"高新区推动科技成果转化，促进产学研合作".repeat(3000));
    unit.push_str("\n\n没有标题的一段文字，紧跟在长段落之后。\n  # 缩进的标题\n## 小节\n正文。\n");
    let mut page = String::new();
    while page.len() < min_bytes {
        page.push_str(&unit);
    }
    page
}

// ---------------------------------------------------------------------------------------------
// The wire format of `split`, written down again for these tests.

impl SplitLine {
    fn expected(source: &str, encoding: &str, p: &Piece) -> Self {
        Self {
            source: source.to_owned(),
            encoding: encoding.to_owned(),
            index: p.index,
            kind: p.kind.as_str().to_owned(),
            title: p.title.clone(),
            byline: p.byline.clone(),
            credit: p.credit.clone(),
            text: p.text.clone(),
            start: p.start,
            end: p.end,
            article_index: p.article_index,
            paragraph: p.paragraph,
            section: p.section.clone(),
            damaged: p.damaged,
        }
    }
}

fn split_lines(out: &str) -> Vec<SplitLine> {
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[derive(Debug, Deserialize)]
struct ClassifyLine {
    source: String,
    encoding: String,
    index: usize,
    text: String,
    theme: String,
    scores: serde_json::Map<String, serde_json::Value>,
}

fn classify_lines(out: &str) -> Vec<ClassifyLine> {
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

// ---------------------------------------------------------------------------------------------
// Streaming: the output equals splitting the whole decoded page at once.

#[test]
fn streaming_split_of_multi_megabyte_pages_equals_splitting_the_whole_page() {
    let page = big_page(3 << 20);
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(page.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&page);
    assert!(!lossy);
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), page.as_bytes()].concat();
    let dir = temp_with(&[("big.txt", page.as_bytes()), ("big-bom.txt", &with_bom), ("big.utf16", &utf16), ("big.gbk", &gbk)]);
    for (name, encoding) in [("big.txt", "UTF-8"), ("big-bom.txt", "UTF-8"), ("big.utf16", "UTF-16LE"), ("big.gbk", "GBK")] {
        let path = dir.path().join(name);
        for granularity in [Granularity::Article, Granularity::Paragraph] {
            let expected: Vec<SplitLine> = bulletin_segmenter::split_page_with(&page, granularity)
                .iter()
                .map(|p| SplitLine::expected(s(&path), encoding, p))
                .collect();
            let g = if granularity == Granularity::Article { "article" } else { "paragraph" };
            let r = run(&["split", "--format", "jsonl", "--granularity", g, s(&path)]);
            assert_eq!(r.code, 0, "{}", r.err);
            let got = split_lines(&r.out);
            assert_eq!(got.len(), expected.len(), "{name} {g}: {}", r.err);
            if let Some(i) = (0..got.len()).find(|&i| got[i] != expected[i]) {
                panic!("{name} {g}: piece {i} differs:\n{:?}\n{:?}", got[i], expected[i]);
            }
        }
    }
    // The JSON array streams too and holds the same records.
    let path = dir.path().join("big.txt");
    let r = run(&["split", "--format", "json", s(&path)]);
    assert_eq!(r.code, 0, "{}", r.err);
    let array: Vec<SplitLine> = serde_json::from_str(&r.out).unwrap();
    assert_eq!(array, split_lines(&run(&["split", "--format", "jsonl", s(&path)]).out));
}

#[test]
fn split_of_every_page_fixture_equals_the_library_on_the_whole_file() {
    let mut paths: Vec<PathBuf> = ["tests/fixtures/pages", "data/samples"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap().map(|e| e.unwrap().path()))
        .collect();
    paths.sort();
    let mut args = vec!["split", "--format", "jsonl", "--granularity", "paragraph"];
    args.extend(paths.iter().map(|p| s(p)));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.err);
    let expected: Vec<SplitLine> = paths
        .iter()
        .flat_map(|p| {
            let decoded = bulletin_segmenter::decode(&std::fs::read(p).unwrap(), None).unwrap();
            bulletin_segmenter::split_page_with(&decoded.text, Granularity::Paragraph)
                .iter()
                .map(|piece| SplitLine::expected(s(p), decoded.encoding, piece))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(split_lines(&r.out), expected);
}

// ---------------------------------------------------------------------------------------------
// Input files.

#[test]
fn an_injected_read_error_fails_that_file_only_with_one_line() {
    let dir = temp_with(&[("unreadable.txt", "# 标题\n正文。\n".as_bytes())]);
    let bad = dir.path().join("unreadable.txt");
    let good = fixture("pages/zone-page.txt");
    let env = [("BULLETIN_TEST_FAIL_READ", "unreadable")];
    let r = run_env(&["classify", "--format", "jsonl", s(&bad), s(&good)], &env);
    assert_eq!(r.code, 3, "{}", r.err);
    assert_one_error(&r.err, &bad, &["cannot read", "injected"]);
    let pieces = classify_lines(&r.out);
    assert!(!pieces.is_empty() && pieces.iter().all(|p| p.source == s(&good)));
    let r = run_env(&["split", s(&bad)], &env);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.out.is_empty());
}

#[test]
fn a_read_error_after_the_first_megabyte_keeps_the_written_pieces_and_says_so() {
    let page = big_page(3 << 20);
    let dir = temp_with(&[("big.txt", page.as_bytes())]);
    let path = dir.path().join("big.txt");
    let r = run_env(&["split", "--format", "jsonl", s(&path)], &[("BULLETIN_TEST_FAIL_READ", "big.txt")]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_one_error(&r.err, &path, &["cannot read", "injected"]);
    let written = split_lines(&r.out);
    assert!(!written.is_empty());
    assert!(r.err.contains(&format!("note: {}: the first {} pieces", path.display(), written.len())), "{}", r.err);
    // What was written is a prefix of the complete output.
    let expected = bulletin_segmenter::split_page(&page);
    assert!(written.iter().zip(&expected).all(|(w, e)| w == &SplitLine::expected(s(&path), "UTF-8", e)));
}

#[test]
fn random_bytes_never_panic_and_fail_with_one_line_or_succeed() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for seed in 1..=6u64 {
        files.push((format!("random-{seed}.bin"), random_bytes(seed, 5000 * usize::try_from(seed).unwrap())));
        // Without NUL bytes: only the decoder's tolerance can refuse them.
        let high: Vec<u8> = random_bytes(seed + 100, 4000).into_iter().map(|b| b | 0x80).collect();
        files.push((format!("high-{seed}.bin"), high));
    }
    files.push(("random-big.bin".to_owned(), random_bytes(42, 2 << 20)));
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for command in ["split", "classify"] {
            let r = run(&[command, "--format", "jsonl", s(&path)]);
            match r.code {
                0 => assert!(errors(&r.err).is_empty(), "{name}: {}", r.err),
                1 => assert_one_error(&r.err, &path, &["cannot decode"]),
                code => panic!("{name}: exit {code}: {}", r.err),
            }
        }
    }
}

#[test]
fn invalid_bytes_in_a_declared_encoding_fail_naming_file_and_encoding() {
    let (gbk, _, _) = encoding_rs::GBK.encode("# 高新区\n招商引资。\n");
    let cases: [(&str, Vec<u8>, &str, &str); 4] = [
        ("bad.gbk", [gbk.as_ref(), b"\xFF\xFF\n"].concat(), "gbk", "GBK"),
        ("gbk-as-utf8.txt", gbk.to_vec(), "utf-8", "UTF-8"),
        ("bad.big5", b"# \x80\x80\n".to_vec(), "big5", "Big5"),
        ("odd.utf16", b"#\x00 \x00a".to_vec(), "utf-16le", "UTF-16LE"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, label, encoding) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = run(&["split", "--encoding", label, s(&path)]);
        assert_eq!(r.code, 1, "{name}: {}", r.err);
        assert!(r.out.is_empty(), "{name}");
        assert_one_error(&r.err, &path, &["cannot decode", encoding]);
    }
    // Past the first megabyte, pieces already written stay written and a note says so.
    let mut big = big_page(2 << 20).into_bytes();
    big.extend_from_slice(b"\n# \xFF\xFE\n");
    let path = dir.path().join("late-error.txt");
    std::fs::write(&path, big).unwrap();
    let r = run(&["split", "--format", "jsonl", "--encoding", "utf-8", s(&path)]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_one_error(&r.err, &path, &["cannot decode", "UTF-8"]);
    assert!(!r.out.is_empty() && r.err.contains("were written before the error"), "{}", r.err);
}

#[test]
fn a_newline_free_file_of_megabytes_is_classified_on_its_first_n_chars() {
    let text = "高新区推动科技成果转化促进产学研合作".repeat(60_000); // 1,080,000 chars, 3.2 MB, no newline
    let dir = temp_with(&[("one-line.txt", text.as_bytes())]);
    let path = dir.path().join("one-line.txt");
    let r = run(&["classify", "--format", "jsonl", "--max-piece-chars", "100000", s(&path)]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains(&format!("warning: {}: piece 0", path.display())) && r.err.contains("--max-piece-chars"), "{}", r.err);
    let pieces = classify_lines(&r.out);
    assert_eq!(pieces.len(), 1);
    assert_eq!(pieces[0].text.chars().count(), 100_000);
    assert_eq!(pieces[0].theme, "transfer");
}

#[test]
fn text_without_headings_beyond_the_block_limit_is_cut_with_one_warning() {
    // 2.2 million chars without heading or newline: more than the 1 Mi-char floor of the block
    // limit, so the streaming splitter cuts it by force instead of holding it all.
    let text = "高新区招商引资项目签约落地投资".repeat(150_000);
    let dir = temp_with(&[("flat.txt", text.as_bytes())]);
    let path = dir.path().join("flat.txt");
    let r = run(&["split", "--format", "jsonl", "--max-piece-chars", "10", s(&path)]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.err.matches("without an article heading").count(), 1, "{}", r.err);
    let pieces = split_lines(&r.out);
    assert!(pieces.len() >= 2);
    assert_eq!(pieces[0].start, 0);
    assert!(pieces.windows(2).all(|w| w[0].end == w[1].start && w[1].index == w[0].index + 1));
    assert_eq!(pieces.last().unwrap().end, text.chars().count());
}

#[test]
fn extremely_long_lines_under_headings_are_classified_whole() {
    let line = "苏州高新区发放知识产权质押贷款帮助科技型企业缓解资金压力。".repeat(8000); // 232,000 chars
    let page = format!("# 长行一\n{line}\n# 长行二\n{line}{line}\n");
    let dir = temp_with(&[("long-lines.txt", page.as_bytes())]);
    let path = dir.path().join("long-lines.txt");
    let r = run(&["classify", "--format", "jsonl", s(&path)]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(!r.err.contains("warning"), "{}", r.err);
    let pieces = classify_lines(&r.out);
    assert_eq!(pieces.iter().map(|p| p.text.chars().count()).collect::<Vec<_>>(), [232_000, 464_000]);
    assert!(pieces.iter().all(|p| p.theme == "financing"), "{:?}", pieces.iter().map(|p| &p.theme).collect::<Vec<_>>());
}

#[test]
fn mixed_encodings_in_one_classify_call_all_succeed_with_their_encodings() {
    let files = [
        ("pages/zone-page.txt", "UTF-8"),
        ("pages/zone-page.gbk.txt", "GBK"),
        ("pages/zone-page-traditional.big5.txt", "Big5"),
        ("pages/zone-page.utf16le.txt", "UTF-16LE"),
        ("pages/zone-page.utf16be-bom.txt", "UTF-16BE"),
        ("pages/zone-page.crlf-bom.txt", "UTF-8"),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(f, _)| fixture(f)).collect();
    let mut args = vec!["classify", "--format", "jsonl"];
    args.extend(paths.iter().map(|p| s(p)));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.err);
    let pieces = classify_lines(&r.out);
    for (path, (_, encoding)) in paths.iter().zip(files) {
        let mine: Vec<&ClassifyLine> = pieces.iter().filter(|p| p.source == s(path)).collect();
        assert!(!mine.is_empty(), "{}", path.display());
        assert!(mine.iter().all(|p| p.encoding == encoding), "{}", path.display());
        assert!(mine.iter().enumerate().all(|(i, p)| p.index == i && p.scores.len() == 5));
    }
}

#[test]
fn empty_and_whitespace_only_files_classify_to_an_empty_array_with_notes() {
    let dir =
        temp_with(&[("empty.txt", b""), ("blank.txt", " \n\t\r\n".as_bytes()), ("ideographic.txt", "\u{3000}\u{3000}\n\n".as_bytes())]);
    let paths: Vec<PathBuf> = ["empty.txt", "blank.txt", "ideographic.txt"].iter().map(|n| dir.path().join(n)).collect();
    let mut args = vec!["classify", "--format", "json"];
    args.extend(paths.iter().map(|p| s(p)));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(serde_json::from_str::<Vec<serde_json::Value>>(&r.out).unwrap().is_empty());
    for path in &paths {
        assert!(r.err.contains(&format!("note: {}: no text", path.display())), "{}", r.err);
    }
}

#[test]
fn a_file_changing_while_read_is_read_once_with_a_warning() {
    let dir = temp_with(&[("growing.txt", "# 标题\n本报讯 高新区举行项目集中签约仪式。\n".as_bytes())]);
    let path = dir.path().join("growing.txt");
    let r = run_env(&["split", "--format", "jsonl", s(&path)], &[("BULLETIN_TEST_GROW_WHILE_READ", "growing.txt")]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains(&format!("warning: {}: the file changed while it was being read", path.display())), "{}", r.err);
    let pieces = split_lines(&r.out);
    assert_eq!(pieces[0].title.as_deref(), Some("标题"));
}

// ---------------------------------------------------------------------------------------------
// Training data.

#[test]
fn each_training_defect_alone_is_skipped_with_file_and_line_or_fatal_with_strict() {
    let good = std::fs::read_to_string(fixture("corpus/part-1.jsonl")).unwrap();
    let line = good.lines().count() + 1;
    let defects = [
        ("malformed", "{\"id\": \"x\", \"text\": ", "malformed JSON"),
        ("no-text", r#"{"id":"no-text","labels":["other"]}"#, "missing field `text`"),
        ("empty-text", r#"{"id":"empty","text":" \n ","labels":["other"]}"#, "empty text"),
        ("no-labels", r#"{"id":"nolabel","text":"正文。","labels":[]}"#, "no labels"),
        ("duplicate", r#"{"id":"inv-1","text":"重复。","labels":["other"]}"#, "duplicate id"),
        ("mismatch", r#"{"id":"mm","text":"一段。\n两段。","labels":["other"],"paragraph_labels":[["other"]]}"#, "paragraph_labels"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, record, reason) in defects {
        let file = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&file, format!("{good}{record}\n")).unwrap();
        let at = format!("{}:{line}: ", file.display());
        let out = dir.path().join(format!("{name}.bin"));
        let r = run(&["train", "--data", s(&file), "--out", s(&out)]);
        assert_eq!(r.code, 0, "{name}: {}", r.err);
        assert!(r.err.contains(&at) && r.err.contains(reason) && r.err.contains("skipped: 1"), "{name}: {}", r.err);
        let strict = dir.path().join(format!("{name}-strict.bin"));
        let r = run(&["train", "--strict", "--data", s(&file), "--out", s(&strict)]);
        assert_eq!(r.code, 1, "{name}: {}", r.err);
        let errors = errors(&r.err);
        assert!(errors.len() == 1 && errors[0].contains(&at) && errors[0].contains(reason), "{name}: {}", r.err);
        assert!(!strict.exists(), "{name}: no model is written");
    }
}

#[test]
fn a_theme_without_examples_is_fatal_with_strict_and_an_empty_selection_is_a_clear_error() {
    let data: String = std::fs::read_to_string(fixture("corpus/part-1.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"transfer\""))
        .fold(String::new(), |acc, l| acc + l + "\n");
    let dir = temp_with(&[("data.jsonl", data.as_bytes())]);
    let file = dir.path().join("data.jsonl");
    let out = dir.path().join("m.bin");
    let r = run(&["train", "--strict", "--data", s(&file), "--out", s(&out)]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(errors(&r.err).len() == 1 && r.err.contains("theme `transfer`") && r.err.contains("--strict"), "{}", r.err);
    assert!(!out.exists());
    let r = run(&["train", "--data", s(&fixture("corpus")), "--out", s(&out), "--param", "min_count=1000000"]);
    assert_eq!(r.code, 1, "{}", r.err);
    let errors = errors(&r.err);
    assert!(errors.len() == 1 && errors[0].contains("no training data") && errors[0].contains("min_count"), "{}", r.err);
    assert!(!out.exists());
}

#[test]
fn an_unknown_label_in_paragraph_labels_is_fatal_even_without_strict() {
    let mut data = std::fs::read_to_string(fixture("corpus/part-1.jsonl")).unwrap();
    data.push_str(r#"{"id":"pl","text":"一段。","labels":["other"],"paragraph_labels":[["tourism"]]}"#);
    data.push('\n');
    let dir = temp_with(&[("data.jsonl", data.as_bytes())]);
    let file = dir.path().join("data.jsonl");
    let r = run(&["train", "--data", s(&file), "--out", s(&dir.path().join("m.bin"))]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_one_error(&r.err, &file, &[":14: ", "tourism", "investment, hightech, financing, transfer, other"]);
}

// ---------------------------------------------------------------------------------------------
// Models.

/// The tiny model's payload with `edit` applied, sealed again with a valid checksum.
fn resealed(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let bytes = std::fs::read(tiny_model()).unwrap();
    let mut payload = bulletin_core::envelope::open(&bytes).unwrap().payload.to_vec();
    edit(&mut payload);
    bulletin_core::envelope::seal(&payload)
}

/// Where the plugin name (postcard: length byte, then UTF-8) sits in a payload; the 32-byte
/// pipeline fingerprint comes right before it.
fn plugin_name_at(payload: &[u8]) -> usize {
    let needle = b"\x0bmultinomial";
    payload.windows(needle.len()).position(|w| w == needle).expect("the tiny model uses the multinomial plugin")
}

#[test]
fn models_with_an_unknown_plugin_a_foreign_pipeline_or_nothing_are_refused_saying_what_to_do() {
    let unknown_plugin = resealed(|p| {
        let at = plugin_name_at(p) + 1;
        p[at..at + 11].copy_from_slice(b"multinomiax");
    });
    let foreign_pipeline = resealed(|p| {
        let at = plugin_name_at(p) - 32;
        p[at] ^= 0xFF;
    });
    let mut wrong_magic = std::fs::read(tiny_model()).unwrap();
    wrong_magic[3] = b'X';
    let cases: [(&str, Vec<u8>, &[&str]); 4] = [
        ("unknown-plugin.bin", unknown_plugin, &["multinomiax", "multinomial"]),
        ("foreign-pipeline.bin", foreign_pipeline, &["pipeline"]),
        ("wrong-magic.bin", wrong_magic, &["not a bulletin model"]),
        ("empty.bin", Vec::new(), &["not a bulletin model"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, words) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = run(&["classify", "--model", s(&path), "tests/fixtures/pages/headingless.txt"]);
        assert_eq!(r.code, 1, "{name}: {}", r.err);
        assert!(r.out.is_empty(), "{name}");
        assert_eq!(r.err.lines().count(), 1, "{name}: {}", r.err);
        assert_one_error(&r.err, &path, words);
    }
}

// ---------------------------------------------------------------------------------------------
// Determinism.

#[test]
fn classify_output_is_identical_across_runs_thread_counts_and_formats_on_a_multi_chunk_input() {
    let page = big_page(1536 << 10);
    let dir = temp_with(&[("big.txt", page.as_bytes())]);
    let path = dir.path().join("big.txt");
    let model = s(tiny_model());
    let classify = |threads: &str, format: &str| {
        let r = run(&["classify", "--model", model, "--format", format, "--threads", threads, s(&path)]);
        assert_eq!(r.code, 0, "{}", r.err);
        r.out
    };
    let reference = classify("1", "jsonl");
    assert_eq!(classify_lines(&reference).len(), bulletin_segmenter::split_page(&page).len());
    for threads in ["2", "4", "2"] {
        assert!(classify(threads, "jsonl") == reference, "--threads {threads} differs");
    }
    let array: Vec<serde_json::Value> = serde_json::from_str(&classify("2", "json")).unwrap();
    let lines: Vec<serde_json::Value> = reference.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(array == lines, "the JSON array holds the JSON Lines records");
}

#[test]
fn training_on_the_same_files_gives_byte_identical_models_in_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let models: Vec<Vec<u8>> = (0..2)
        .map(|i| {
            let out = dir.path().join(format!("{i}.bin"));
            let r = run(&["train", "--data", s(&fixture("corpus/part-1.jsonl")), s(&fixture("corpus/part-2.jsonl")), "--out", s(&out)]);
            assert_eq!(r.code, 0, "{}", r.err);
            std::fs::read(out).unwrap()
        })
        .collect();
    assert_eq!(models[0], models[1]);
    assert_eq!(models[0], std::fs::read(tiny_model()).unwrap(), "the directory and its files in order give the same model");
}
