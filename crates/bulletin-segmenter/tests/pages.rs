//! End-to-end tests over the page fixtures in `tests/fixtures/pages/`: every encoding of the same
//! page decodes to the same text and splits into the same pieces.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::LazyLock;

use bulletin_core::{Granularity, Piece, PieceKind};
use bulletin_segmenter::{Pipeline, decode, split_page, split_page_with};

static PIPELINE: LazyLock<Pipeline> = LazyLock::new(Pipeline::default_pipeline);

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "tests", "fixtures", "pages", name].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        writeln!(
            out,
            "#{} {} {}..{} title={:?} byline={:?} credit={:?}",
            p.index,
            p.kind.as_str(),
            p.start,
            p.end,
            p.title,
            p.byline,
            p.credit
        )
        .unwrap();
        for line in p.text.lines() {
            writeln!(out, "  | {line}").unwrap();
        }
    }
    out
}

#[test]
fn utf8_page_splits_into_articles_captions_and_bylines() {
    let page = decode(&fixture("zone-page.txt"), None).unwrap();
    assert_eq!((page.encoding, page.had_bom), ("UTF-8", false));
    expect_test::expect![[r#"
        #0 article 0..20 title=None byline=None credit=None
          | 今日导读：高新区一季度经济运行稳中向好。
        #1 article 23..218 title=Some("桂林高新区: 招商引资“早春行动”喜讯传") byline=Some("陈丹 王铭思 李明 张晓") credit=None
          | 本报讯 3月5日，桂林高新区举行一季度重大项目集中签约仪式，12个项目现场签约，总投资86.5亿元。
          | 驻点招商见实效
          | 今年以来，高新区组建6支驻点招商小分队，赴长三角、粤港澳大湾区开展以商招商和产业链招商，新增在谈项目23个。
          | “我们将强化要素保障，推动签约项目早落地、早投产。”高新区管委会负责人说。
        #2 caption 221..239 title=None byline=None credit=Some("桂林高新区")
          | 签约仪式现场。
        #3 article 242..347 title=Some("苏州高新区: 科技型企业融资再添新渠道") byline=None credit=None
          | 本报讯(记者 周婷) 近日，苏州高新区发放首笔知识产权质押贷款1000万元，帮助一家专精特新企业缓解资金压力。
          | 区内科技型中小企业可申请贴息，最高贴息比例达50%。
    "#]]
    .assert_eq(&summary(&split_page(&page.text)));
}

#[test]
fn every_encoding_of_the_page_gives_the_same_pieces() {
    let reference = decode(&fixture("zone-page.txt"), None).unwrap().text;
    let expected = split_page(&reference);
    for (name, encoding, had_bom) in [
        ("zone-page.gbk.txt", "GBK", false),
        ("zone-page.utf16le.txt", "UTF-16LE", false),
        ("zone-page.utf16be.txt", "UTF-16BE", false),
        ("zone-page.utf16le-bom.txt", "UTF-16LE", true),
        ("zone-page.utf16be-bom.txt", "UTF-16BE", true),
    ] {
        let decoded = decode(&fixture(name), None).unwrap();
        assert_eq!((decoded.encoding, decoded.had_bom), (encoding, had_bom), "{name}");
        assert_eq!(decoded.text, reference, "{name}");
        assert_eq!(split_page(&decoded.text), expected, "{name}");
    }
}

#[test]
fn crlf_with_bom_gives_the_same_texts_with_shifted_offsets() {
    let decoded = decode(&fixture("zone-page.crlf-bom.txt"), None).unwrap();
    assert_eq!((decoded.encoding, decoded.had_bom), ("UTF-8", true));
    let reference = split_page(&decode(&fixture("zone-page.txt"), None).unwrap().text);
    let crlf = split_page(&decoded.text);
    assert_eq!(crlf.len(), reference.len());
    let chars: Vec<char> = decoded.text.chars().collect();
    for (a, b) in crlf.iter().zip(&reference) {
        assert_eq!((&a.title, &a.byline, &a.credit, &a.text), (&b.title, &b.byline, &b.credit, &b.text));
        // Offsets count the `\r`s; the span still starts at the heading (or first line).
        let span: String = chars[a.start..a.end].iter().collect();
        assert!(!span.starts_with(char::is_whitespace) && !span.ends_with(char::is_whitespace), "{span:?}");
    }
}

#[test]
fn big5_traditional_page_matches_its_utf8_twin_and_its_simplified_features() {
    let big5 = decode(&fixture("zone-page-traditional.big5.txt"), None).unwrap();
    assert_eq!(big5.encoding, "Big5");
    let utf8 = decode(&fixture("zone-page-traditional.txt"), None).unwrap();
    assert_eq!(big5.text, utf8.text);
    let pieces = split_page(&big5.text);
    assert_eq!(pieces.len(), 2);
    assert_eq!(pieces[0].byline.as_deref(), Some("陳丹 王銘思"));
    assert_eq!((pieces[1].kind, pieces[1].credit.as_deref()), (PieceKind::Caption, Some("桂林高新區")));

    let simplified = split_page(&String::from_utf8(fixture("zone-page.txt")).unwrap());
    let features = |p: &Piece| PIPELINE.features(p.title.as_deref().unwrap_or_default(), &p.text);
    let traditional_title = features(&pieces[0]);
    assert_eq!(traditional_title[..4], features(&simplified[1])[..4]);
    assert!(traditional_title.iter().any(|f| f == "招商引资") && traditional_title.iter().any(|f| f == "驻点招商"));
}

#[test]
fn headingless_page_and_paragraphs() {
    let text = String::from_utf8(fixture("headingless.txt")).unwrap();
    let pieces = split_page_with(&text, Granularity::Paragraph);
    expect_test::expect![[r"
        #0 article 0..36 title=None byline=None credit=None
          | 2023年，西安高新区新认定高新技术企业1200家，同比增长22.8%。
        #1 article 37..74 title=None byline=None credit=None
          | 苏州吉天星舟空间技术有限公司在苏州工业园区成立，注册资本5000万元。
    "]]
    .assert_eq(&summary(&pieces));
    assert!(pieces.iter().all(|p| p.article_index == Some(0) && p.title.is_none()));
}
