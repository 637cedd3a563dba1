//! Lexicons: the embedded domain lexicon and user lexicons in jieba's `word freq [tag]` format.

use bulletin_core::LexiconEntry;

use crate::{LexiconProblem, SegmenterError};

/// The domain lexicon compiled into the crate: a few hundred terms of zone news (招商引资,
/// 高新技术企业, 科技成果转化, 知识产权质押, 新质生产力, …) that must stay whole. Loaded when
/// [`SegmentSettings::domain_lexicon`](bulletin_core::SegmentSettings) is on.
pub const DOMAIN_LEXICON: &str = include_str!("domain_lexicon.txt");

/// Parses a lexicon in jieba's user-dictionary format: one `word freq [tag]` entry per line,
/// fields separated by whitespace. Unlike jieba, the frequency is required (and at least 1), so a
/// word cannot silently lose to jieba's own split. Blank lines and lines starting with `#` are
/// skipped.
///
/// ```
/// use bulletin_segmenter::{parse_lexicon, SegmenterError};
///
/// let entries = parse_lexicon("# zone terms\n瞪羚企业 30000 n\n\n揭榜挂帅 20000\n")?;
/// assert_eq!(entries.len(), 2);
/// assert_eq!((entries[1].word.as_str(), entries[1].freq, entries[1].tag.as_deref()), ("揭榜挂帅", 20000, None));
///
/// let err = parse_lexicon("瞪羚企业 30000\n揭榜挂帅\n").unwrap_err();
/// assert_eq!(err.to_string(), "lexicon line 2: missing frequency (expected `word freq [tag]`)");
/// # Ok::<(), SegmenterError>(())
/// ```
pub fn parse_lexicon(text: &str) -> Result<Vec<LexiconEntry>, SegmenterError> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{FEFF}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |reason| SegmenterError::Lexicon { line: number + 1, reason };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (word, freq, tag) = match fields.as_slice() {
            [word, freq] => (*word, *freq, None),
            [word, freq, tag] => (*word, *freq, Some(*tag)),
            [_] => return Err(fail(LexiconProblem::MissingFrequency)),
            _ => return Err(fail(LexiconProblem::TooManyFields { found: fields.len() })),
        };
        let freq: u64 = freq.parse().map_err(|_| fail(LexiconProblem::BadFrequency { found: freq.to_owned() }))?;
        let entry = LexiconEntry { word: word.to_owned(), freq, tag: tag.map(str::to_owned) };
        check_entry(&entry).map_err(fail)?;
        entries.push(entry);
    }
    Ok(entries)
}

/// Checks an entry built in code (as in [`SegmentSettings::user_lexicon`](bulletin_core::SegmentSettings)).
pub(crate) fn check_entry(entry: &LexiconEntry) -> Result<(), LexiconProblem> {
    if entry.word.is_empty() {
        Err(LexiconProblem::EmptyWord)
    } else if entry.word.chars().any(char::is_whitespace) {
        Err(LexiconProblem::WhitespaceInWord)
    } else if entry.freq == 0 {
        Err(LexiconProblem::ZeroFrequency)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_lexicon_is_valid_and_covers_the_field() {
        let entries = parse_lexicon(DOMAIN_LEXICON).unwrap();
        assert!(entries.len() >= 300, "{}", entries.len());
        let mut words: Vec<&str> = entries.iter().map(|e| e.word.as_str()).collect();
        words.sort_unstable();
        let before = words.len();
        words.dedup();
        assert_eq!(before, words.len(), "duplicate entries");
        assert!(entries.iter().all(|e| (20_000..=50_000).contains(&e.freq)));
        for must in [
            "高新技术企业",
            "高企",
            "科技型中小企业",
            "专精特新",
            "瞪羚企业",
            "独角兽企业",
            "招商引资",
            "驻点招商",
            "以商招商",
            "产业链招商",
            "签约项目",
            "科技成果转化",
            "技术转移",
            "技术合同登记",
            "中试基地",
            "产学研",
            "孵化器",
            "众创空间",
            "创业担保贷款",
            "贴息",
            "普惠金融",
            "知识产权质押",
            "科创板",
            "新质生产力",
            "高新区",
            "管委会",
            "小巨人",
            "智改数转",
            "链主企业",
            "揭榜挂帅",
            "概念验证中心",
            "投贷联动",
            "风险补偿",
            "北交所",
            "规上工业",
            "研发费用加计扣除",
        ] {
            assert!(words.binary_search(&must).is_ok(), "{must} missing");
        }
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let cases = [
            ("甲乙 10\n丙丁\n", 2, LexiconProblem::MissingFrequency),
            ("\n\n甲乙 ten n\n", 3, LexiconProblem::BadFrequency { found: "ten".into() }),
            ("甲乙 -5\n", 1, LexiconProblem::BadFrequency { found: "-5".into() }),
            ("# c\n甲乙 0 n\n", 2, LexiconProblem::ZeroFrequency),
            ("甲乙 5 n extra\n", 1, LexiconProblem::TooManyFields { found: 4 }),
        ];
        for (text, line, reason) in cases {
            match parse_lexicon(text) {
                Err(SegmenterError::Lexicon { line: l, reason: r }) => assert_eq!((l, r), (line, reason), "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert_eq!(
            parse_lexicon("\u{FEFF}甲乙 7 nz\r\n").unwrap(),
            [LexiconEntry { word: "甲乙".into(), freq: 7, tag: Some("nz".into()) }]
        );
        assert_eq!(check_entry(&LexiconEntry { word: String::new(), freq: 1, tag: None }), Err(LexiconProblem::EmptyWord));
        assert_eq!(check_entry(&LexiconEntry { word: "a b".into(), freq: 1, tag: None }), Err(LexiconProblem::WhitespaceInWord));
    }
}
