//! The archive workflow (issue 17), end to end: inputs as archives hold them (directories,
//! globs, standard input, saved web pages, corpus records), and the labelling help (`suggest`,
//! drafts in `train`, `audit`, `compare`).

use std::path::Path;

use assert_cmd::Command;
use serde::Deserialize;

mod util;
use util::{SplitLine, fixture, root, s, temp_with, tiny_model};

/// What one run of the binary gave.
struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs `bulletin args…` from the repository root with `envs`, feeding `stdin`.
fn run_with(args: &[&str], envs: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut cmd = Command::cargo_bin("bulletin").unwrap();
    cmd.current_dir(root()).args(args).write_stdin(stdin.to_vec());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.err.contains("panicked"), "bulletin {args:?} panicked: {}", run.err);
    run
}

fn run(args: &[&str]) -> Run {
    run_with(args, &[], b"")
}

/// A JSON line of `split` (only the fields these tests read; the full wire format is pinned in
/// tests/cli.rs).
#[derive(Debug, Deserialize)]
struct Line {
    source: String,
    id: Option<String>,
    encoding: String,
    title: Option<String>,
    text: String,
    start: usize,
    end: usize,
    #[serde(default)]
    theme: Option<String>,
}

fn lines(out: &str) -> Vec<Line> {
    out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// Writes `files` (relative paths, created with their directories) under a new temp dir.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

const PAGE: &str = "# 高新区项目集中签约\n本报讯 5个项目签约落地，总投资12亿元。\n";

// ---------------------------------------------------------------------------------------------
// Directories, globs, standard input.

#[test]
fn directories_are_read_recursively_in_sorted_order_without_hidden_files() {
    let dir = tree(&[
        ("2024/b.txt", PAGE.as_bytes()),
        ("2023/12/a.htm", b"<h1>\xe6\xa0\x87\xe9\xa2\x98</h1><p>\xe6\xad\xa3\xe6\x96\x87\xe3\x80\x82</p>"),
        ("2023/01.TXT", PAGE.as_bytes()),
        ("notes.md", PAGE.as_bytes()),
        (".hidden.txt", PAGE.as_bytes()),
        (".cache/c.txt", PAGE.as_bytes()),
    ]);
    let r = run(&["split", "--format", "jsonl", s(dir.path())]);
    assert_eq!(r.code, 0, "{}", r.err);
    let sources: Vec<String> =
        lines(&r.out).iter().map(|l| Path::new(&l.source).strip_prefix(dir.path()).unwrap().display().to_string()).collect();
    assert_eq!(sources, ["2023/01.TXT", "2023/12/a.htm", "2024/b.txt"]);
    // --glob replaces the defaults; `!` excludes.
    let r = run(&["split", "--format", "jsonl", "--glob", "*.md", "--glob", "2024/*", s(dir.path())]);
    let sources: Vec<String> = lines(&r.out).iter().map(|l| l.source.clone()).collect();
    assert!(sources.len() == 2 && sources[0].ends_with("2024/b.txt") && sources[1].ends_with("notes.md"), "{sources:?}");
    let r = run(&["split", "--format", "jsonl", "--glob", "!2023", s(dir.path())]);
    let pieces: Vec<SplitLine> = r.out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(pieces.len(), 1, "{}", r.out);
    assert!(pieces[0].source.ends_with("b.txt") && pieces[0].id.is_none());
}

#[test]
fn an_unreadable_directory_entry_is_reported_and_exits_3() {
    let dir = tree(&[("a/page.txt", PAGE.as_bytes()), ("bad/page.txt", PAGE.as_bytes()), ("c/page.txt", PAGE.as_bytes())]);
    let r = run_with(&["split", "--format", "jsonl", s(dir.path())], &[("BULLETIN_TEST_FAIL_LIST", "bad")], b"");
    assert_eq!(r.code, 3, "{}", r.err);
    assert_eq!(lines(&r.out).len(), 2);
    let errors: Vec<&str> = r.err.lines().filter(|l| l.starts_with("bulletin: error:")).collect();
    assert_eq!(errors.len(), 1, "{}", r.err);
    assert!(errors[0].contains("bad") && errors[0].contains("injected listing failure"), "{}", r.err);
}

#[test]
fn data_is_read_from_directories_recursively_and_from_standard_input() {
    let corpus = fixture("corpus");
    let nested = tree(&[
        ("x/part-1.jsonl", &std::fs::read(corpus.join("part-1.jsonl")).unwrap()),
        ("y/z/part-2.jsonl", &std::fs::read(corpus.join("part-2.jsonl")).unwrap()),
        ("y/.old/part-1.jsonl", &std::fs::read(corpus.join("part-1.jsonl")).unwrap()),
    ]);
    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a.bin"), out.path().join("b.bin"));
    let r = run(&["train", "--data", s(nested.path()), "--out", s(&a)]);
    assert_eq!(r.code, 0, "{}", r.err);
    let stdin = [std::fs::read(corpus.join("part-1.jsonl")).unwrap(), std::fs::read(corpus.join("part-2.jsonl")).unwrap()].concat();
    let r = run_with(&["train", "--data", "-", "--out", s(&b)], &[], &stdin);
    assert_eq!(r.code, 0, "{}", r.err);
    // The same records in the same order: the same model as the fixture directory gives.
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(tiny_model()).unwrap());
    assert_eq!(std::fs::read(&b).unwrap(), std::fs::read(tiny_model()).unwrap());
    let r = run(&["train", "--data", "-", "--data", "-", "--out", s(&b)]);
    assert!(r.code == 1 && r.err.contains("once"), "{}", r.err);
}

#[test]
fn an_unreadable_data_file_is_reported_and_exits_3_after_training_on_the_rest() {
    let corpus = fixture("corpus");
    let dir = tree(&[
        ("part-1.jsonl", &std::fs::read(corpus.join("part-1.jsonl")).unwrap()),
        ("part-2.jsonl", &std::fs::read(corpus.join("part-2.jsonl")).unwrap()),
    ]);
    let out = tempfile::tempdir().unwrap();
    let model = out.path().join("m.bin");
    let r = run_with(&["eval", "--data", s(dir.path()), "--model", s(tiny_model())], &[("BULLETIN_TEST_FAIL_READ", "part-2")], b"");
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(r.err.contains("part-2.jsonl") && r.err.contains("injected read failure"), "{}", r.err);
    let r = run_with(&["train", "--data", s(dir.path()), "--out", s(&model)], &[("BULLETIN_TEST_FAIL_READ", "part-2")], b"");
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(model.exists());
}

// ---------------------------------------------------------------------------------------------
// Saved web pages.

const SPAM: &str = "<div class=links>友情链接：<a href=/1>高新区首页</a> | <a href=/2>招商引资网</a> | <a href=/3>科技金融超市</a> | \
    <a href=/4>成果转化平台</a> | <a href=/5>高企认定申报</a></div>";

fn saved_page(charset: &str, spam: bool) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\
         <title>高新区新闻网</title><style>body {{ font: 14px }}</style><script>var a = '<h1>不是标题</h1>';</script></head>\
         <body><header><a href=/>首页</a> <a href=/news>新闻</a></header><nav><ul><li><a href=/a>园区概况</a><li><a href=/b>招商</a>\
         <li><a href=/c>服务</a></ul></nav><div id=content><h1>桂林高新区：5个项目集中签约</h1>\
         <p>本报讯 日前，桂林高新区举行项目集中签约仪式，5个项目签约落地，\n总投资12亿元。</p>\
         <h3>专班跟进服务</h3><p>园区成立项目专班，全程代办手续。<br>力争年内开工建设。</p>{}</div>\
         <footer>版权所有 桂林高新区管委会</footer></body></html>",
        if spam { SPAM } else { "" }
    )
}

#[test]
fn saved_pages_in_gbk_with_a_meta_charset_and_in_utf8_give_the_same_text() {
    let source = saved_page("gb2312", false);
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&source);
    assert!(!lossy);
    let dir = tree(&[
        ("gbk.html", &gbk),
        ("utf8.htm", saved_page("utf-8", false).as_bytes()),
        ("spam.html", saved_page("utf-8", true).as_bytes()),
    ]);
    let r = run(&["split", "--format", "jsonl", "--granularity", "paragraph", s(dir.path())]);
    assert_eq!(r.code, 0, "{}", r.err);
    let all = lines(&r.out);
    let by = |name: &str| all.iter().filter(|l| l.source.ends_with(name)).collect::<Vec<_>>();
    let (gbk, utf8, spam) = (by("gbk.html"), by("utf8.htm"), by("spam.html"));
    assert_eq!(gbk[0].encoding, "GBK");
    assert_eq!(utf8[0].encoding, "UTF-8");
    let texts = |v: &[&Line]| v.iter().map(|l| l.text.clone()).collect::<Vec<_>>();
    assert_eq!(
        texts(&gbk),
        [
            "本报讯 日前，桂林高新区举行项目集中签约仪式，5个项目签约落地，总投资12亿元。",
            "园区成立项目专班，全程代办手续。",
            "力争年内开工建设。"
        ]
    );
    assert_eq!(gbk[0].title.as_deref(), Some("桂林高新区：5个项目集中签约"));
    assert_eq!(texts(&utf8), texts(&gbk));
    // The link list, the navigation, the header and footer, scripts and styles are gone.
    assert_eq!(texts(&spam), texts(&gbk));
    assert!(!r.out.contains("友情链接") && !r.out.contains("版权所有") && !r.out.contains("不是标题") && !r.out.contains("园区概况"));
}

#[test]
fn offsets_of_html_pieces_refer_to_the_extracted_text() {
    let page = saved_page("utf-8", true);
    let dir = tree(&[("page.html", page.as_bytes())]);
    let r = run(&["split", "--format", "jsonl", "--granularity", "paragraph", s(&dir.path().join("page.html"))]);
    let extracted = bulletin_segmenter::html_to_page(&page).unwrap();
    for l in lines(&r.out) {
        let span: String = extracted.chars().skip(l.start).take(l.end - l.start).collect();
        assert_eq!(span.replace('\n', ""), l.text, "{span:?}");
    }
    // `--input-format html` reads any name (and stdin) as HTML.
    let r = run_with(&["split", "--format", "jsonl", "--input-format", "html"], &[], page.as_bytes());
    assert_eq!(lines(&r.out).len(), 1);
}

#[test]
fn a_wrong_meta_charset_is_overruled_with_a_warning() {
    // A page saved as UTF-8 whose declaration still says GBK.
    let dir = tree(&[("page.html", saved_page("gbk", false).as_bytes())]);
    let r = run(&["split", "--format", "jsonl", s(&dir.path().join("page.html"))]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(lines(&r.out)[0].encoding, "UTF-8");
    assert!(r.err.contains("declares charset GBK") && r.err.contains("decoded as UTF-8"), "{}", r.err);
}

#[test]
fn an_html_page_over_the_size_limit_fails_alone() {
    let dir = temp_with(&[("big.html", &vec![b'a'; (16 << 20) + 1]), ("ok.txt", PAGE.as_bytes())]);
    let r = run(&["split", "--format", "jsonl", s(dir.path())]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(r.err.contains("big.html") && r.err.contains("16 MiB"), "{}", r.err);
    assert_eq!(lines(&r.out).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Corpus records as input.

#[test]
fn classify_records_keeps_their_ids_and_pages_have_a_null_id() {
    let r = run(&["classify", "--format", "jsonl", "--input-format", "records", "--model", s(tiny_model()), s(&fixture("corpus"))]);
    assert_eq!(r.code, 0, "{}", r.err);
    let got = lines(&r.out);
    assert_eq!(got.len(), 25);
    assert_eq!(got[0].id.as_deref(), Some("inv-1"));
    assert!(got.iter().all(|l| l.id.is_some() && l.theme.is_some()));
    let r = run(&["classify", "--format", "jsonl", "data/samples/page-1.txt"]);
    assert!(r.out.lines().all(|l| l.contains("\"id\":null")), "{}", r.out);
}

// ---------------------------------------------------------------------------------------------
// Labelling help.

#[derive(Debug, Deserialize)]
struct Draft {
    id: String,
    text: String,
    labels: Vec<String>,
    paragraph_labels: Vec<Vec<String>>,
    suggested: Suggested,
}

#[derive(Debug, Deserialize)]
struct Suggested {
    score: f64,
    reason: String,
}

#[test]
fn suggest_writes_drafts_whose_paragraph_labels_line_up_and_train_leaves_them_out() {
    let dir = tempfile::tempdir().unwrap();
    let drafts = dir.path().join("drafts.jsonl");
    // The bulletin pages only (the saved web page of the walkthrough under zone/ is left out).
    let r = run(&["suggest", "data/samples", "--glob", "*.txt", "--model", s(tiny_model()), "-n", "40", "--out", s(&drafts)]);
    assert_eq!(r.code, 0, "{}", r.err);
    let text = std::fs::read_to_string(&drafts).unwrap();
    let got: Vec<Draft> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // gbk-page.txt is page-2.txt in GBK: its articles are near-duplicates, chosen once.
    let pieces: usize = ["page-1.txt", "page-2.txt", "page-3.txt"]
        .iter()
        .map(|p| {
            bulletin_segmenter::split_page(
                &bulletin_segmenter::decode(&std::fs::read(root().join("data/samples").join(p)).unwrap(), None).unwrap().text,
            )
            .len()
        })
        .sum();
    assert_eq!(got.len(), pieces.min(40));
    for d in &got {
        let record = bulletin_core::Record::from_json(
            &serde_json::to_string(&serde_json::json!({
                "text": d.text, "labels": d.labels, "paragraph_labels": d.paragraph_labels
            }))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(record.paragraphs().count(), d.paragraph_labels.len(), "{}", d.id);
        assert!((0.0..=1.0).contains(&d.suggested.score) && !d.suggested.reason.is_empty(), "{:?}", d.suggested);
    }
    assert!(got.iter().any(|d| d.text.contains("\n## ")), "section lines are rebuilt: {text}");
    assert!(got.windows(2).all(|w| w[0].suggested.score >= w[1].suggested.score));
    assert!(got[0].suggested.reason.starts_with("unsure between"), "{:?}", got[0].suggested);

    // Drafts do not train by accident.
    let corpus = std::fs::read(fixture("corpus/part-1.jsonl")).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a.jsonl"), &corpus).unwrap();
    std::fs::write(data.join("b.jsonl"), &text).unwrap();
    let model = dir.path().join("m.bin");
    let r = run(&["train", "--granularity", "article", "--data", s(&data), "--out", s(&model)]);
    assert_eq!(r.code, 0, "{}", r.err);
    let b = data.join("b.jsonl");
    assert!(r.err.contains(&format!("{}:1: a draft of `bulletin suggest`", b.display())), "{}", r.err);
    assert!(r.err.contains(&format!("records read: 13, skipped: 0, drafts left out: {}", got.len())), "{}", r.err);
    let r = run(&["train", "--granularity", "article", "--include-suggested", "--data", s(&data), "--out", s(&model)]);
    assert!(r.err.contains(&format!("records read: {},", 13 + got.len())) && !r.err.contains("a draft"), "{}", r.err);
}

#[test]
fn suggest_skips_near_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(root().join("data/samples/page-1.txt")).unwrap();
    let pool = tree(&[("a.txt", page.as_bytes()), ("b.txt", page.as_bytes())]);
    let drafts = dir.path().join("d.jsonl");
    let r = run(&["suggest", s(pool.path()), "--model", s(tiny_model()), "-n", "50", "--out", s(&drafts), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let n = std::fs::read_to_string(&drafts).unwrap().lines().count();
    // Each article of the page once, although the pool holds it twice.
    assert_eq!(n, bulletin_segmenter::split_page(&page).len());
}

#[derive(Debug, Deserialize)]
struct AuditReport {
    records: usize,
    entries: Vec<AuditEntry>,
}

#[derive(Debug, Deserialize)]
struct AuditEntry {
    file: String,
    line: usize,
    id: String,
    paragraph: Option<usize>,
    given: String,
    suggested: String,
    confidence: f64,
}

#[test]
fn audit_finds_a_flipped_label_out_of_fold() {
    let corpus = fixture("corpus");
    let mut lines_1: Vec<serde_json::Value> =
        std::fs::read_to_string(corpus.join("part-1.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // inv-1 (line 1), clearly investment, labelled as other.
    assert_eq!(lines_1[0]["id"], "inv-1");
    lines_1[0]["labels"] = serde_json::json!(["other"]);
    lines_1[0].as_object_mut().unwrap().remove("paragraph_labels");
    let part1: String = lines_1.iter().map(|v| v.to_string() + "\n").collect();
    let dir = tree(&[("part-1.jsonl", part1.as_bytes()), ("part-2.jsonl", &std::fs::read(corpus.join("part-2.jsonl")).unwrap())]);
    let r = run(&["audit", "--data", s(dir.path()), "--folds", "3", "--format", "json", "-n", "3"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let report: AuditReport = serde_json::from_str(&r.out).unwrap();
    assert_eq!(report.records, 25);
    let e = report.entries.iter().find(|e| e.id == "inv-1").unwrap_or_else(|| panic!("{}", r.out));
    assert!(e.file.ends_with("part-1.jsonl") && e.line == 1 && e.paragraph.is_none());
    assert_eq!((e.given.as_str(), e.suggested.as_str()), ("other", "investment"));
    assert!(e.confidence > 0.5);
    let r = run(&["audit", "--data", s(dir.path()), "--folds", "3"]);
    assert!(r.out.contains("part-1.jsonl:1") && r.out.contains("inv-1"), "{}", r.out);
}

#[derive(Debug, Deserialize)]
struct CompareReport {
    pieces: usize,
    a: Scores,
    b: Scores,
    mcnemar: McNemar,
    disagreements_count: usize,
}

#[derive(Debug, Deserialize)]
struct Scores {
    model: String,
    accuracy: f64,
    per_theme_f1: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct McNemar {
    only_a_right: u64,
    only_b_right: u64,
    p_value: f64,
    better: String,
    verdict: String,
}

#[test]
fn compare_puts_two_models_side_by_side_with_mcnemar() {
    let r = run(&["compare", "--format", "json", "--data", "data/test/articles.jsonl", s(tiny_model()), "default"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let c: CompareReport = serde_json::from_str(&r.out).unwrap();
    assert_eq!((c.a.model.as_str(), c.b.model.as_str()), (s(tiny_model()), "default"));
    assert!(c.b.accuracy > c.a.accuracy, "the default model knows more than 25 records");
    assert_eq!(c.a.per_theme_f1.len(), 5);
    assert!(c.mcnemar.only_b_right > c.mcnemar.only_a_right);
    assert_eq!(c.mcnemar.better, "b");
    assert!(c.mcnemar.p_value < 0.05 && c.mcnemar.verdict.starts_with("B is better"), "{:?}", c.mcnemar);
    assert!(c.disagreements_count as u64 >= c.mcnemar.only_a_right + c.mcnemar.only_b_right);
    assert!(c.pieces > 100);
    let r = run(&["compare", "--data", "data/test/articles.jsonl", "default", "default"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("no evidence that either is better") && r.out.contains("disagree on 0 pieces"), "{}", r.out);
}

#[test]
fn suggest_may_write_its_drafts_beside_the_pages_of_its_pool_but_never_over_one() {
    let pool =
        tree(&[("2024/a.txt", PAGE.as_bytes()), ("2024/b.txt", "# 园区银行推出科技贷\n为高新技术企业发放信用贷款5000万元。\n".as_bytes())]);
    let drafts = pool.path().join("drafts.jsonl");
    // A pool directory is read for pages; a `.jsonl` in it is never one of them.
    let r = run(&["suggest", s(pool.path()), "-n", "1", "--out", s(&drafts)]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(std::fs::read_to_string(&drafts).unwrap().lines().count(), 1);
    // A page of the pool is an input: writing over it is refused, and it is left as it was.
    let page = pool.path().join("2024/a.txt");
    let r = run(&["suggest", s(pool.path()), "-n", "1", "--out", s(&page)]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("is the same file as the input"), "{}", r.err);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), PAGE);
}
