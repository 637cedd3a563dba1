//! Cutting a decoded bulletin page into articles, captions and paragraphs.
//!
//! # The page format
//!
//! - `# 标题` starts an article; the title is the heading without `#` and surrounding spaces
//!   (`# 桂林高新区: 招商引资“早春行动”喜讯传` keeps the zone prefix). Text before the first
//!   heading, and a page without headings, is an article without a title.
//! - `## 小标题` is a section heading inside the current article: a line of its own in the
//!   article's text (without `##`), and the `section` of the paragraphs under it.
//! - `图片来源:XX高新区` (ASCII or full-width colon; traditional `圖片來源` too) starts a photo caption: a piece of kind
//!   [`PieceKind::Caption`] whose `credit` is the source and whose text is **exactly one
//!   paragraph**. Further paragraphs before the next heading cannot be told apart from a new,
//!   untitled item on a real page, so they form an untitled article of their own; only a lone
//!   byline line right after the caption paragraph still belongs to the caption.
//! - A byline is one to four reporter names of two to four CJK characters, separated by spaces.
//!   It is recognised (and moved from the text to `byline`) in three places only: alone on the
//!   first non-blank line after a heading, alone on the last line of an article (after at least
//!   one paragraph), or at the end of the last paragraph after whitespace that follows
//!   sentence-final punctuation (`…注入了新活力。 陈丹 王铭思`). Anything else stays text.
//! - Every non-blank line is a paragraph, except that page layout breaks lines in mid-sentence:
//!   a paragraph that does not end in sentence-final punctuation (`。！？…；!?;`, optionally
//!   followed by closing quotes or brackets) is continued by the next non-blank ordinary text
//!   line, whether blank lines separate them or not, with nothing inserted
//!   (`苏州吉天星舟空间技术有` + `限公司在苏州…`). Headings, section headings and credit lines
//!   are never joined, nor is a line of web-page furniture (a breadcrumb, a date and view-count
//!   line, print buttons: [`is_web_boilerplate`](crate::is_web_boilerplate)) to its neighbours, so
//!   that text saved from a website keeps its news apart from the page around it.
//! - Lines are trimmed (including the full-width indentation `　　`); `\r\n` and a lone `\r` (old
//!   Mac exports) work like `\n`, and a leading U+FEFF is skipped.
//!
//! # Offsets
//!
//! `start` and `end` count chars of the text as given (a skipped U+FEFF and every `\r` count). An
//! article or caption spans from the first non-space char of its heading (credit line, or first
//! line) to the last non-space char of its last line; a paragraph from its first line to its
//! last (a rejoined paragraph spans both halves).

use bulletin_core::{Granularity, Piece, PieceKind};

use crate::decode::too_damaged;
use crate::segment::is_cjk;

/// Splits a page into articles and captions ([`Granularity::Article`]).
///
/// ```
/// use bulletin_segmenter::split_page;
/// use bulletin_core::PieceKind;
///
/// let page = "# 高新区: 招商引资开门红\n陈丹 王铭思\n本报讯 5个项目签约落地，总投资11.7亿元。\n\n\n\
///             图片来源:桂林高新区\n签约仪式现场。 李明\n";
/// let pieces = split_page(page);
/// assert_eq!(pieces.len(), 2);
/// assert_eq!(pieces[0].title.as_deref(), Some("高新区: 招商引资开门红"));
/// assert_eq!(pieces[0].byline.as_deref(), Some("陈丹 王铭思"));
/// assert_eq!(pieces[0].text, "本报讯 5个项目签约落地，总投资11.7亿元。");
/// assert_eq!((pieces[1].kind, pieces[1].credit.as_deref()), (PieceKind::Caption, Some("桂林高新区")));
/// assert_eq!((pieces[1].text.as_str(), pieces[1].byline.as_deref()), ("签约仪式现场。", Some("李明")));
/// ```
#[must_use]
pub fn split_page(text: &str) -> Vec<Piece> {
    split_page_with(text, Granularity::Article)
}

/// Splits a page into pieces of the given granularity.
///
/// A piece whose title and text are more than 1 % U+FFFD (bytes that did not decode) is marked
/// [`damaged`](Piece::damaged).
///
/// At [`Granularity::Paragraph`] every paragraph of every article and caption is a piece, with
/// `article_index` (the parent's index at article granularity), `paragraph` (its number within
/// the parent), the parent's `kind`, `title`, `byline` and `credit`, and the `section` it sits
/// under. Section headings are not pieces; a caption is one paragraph piece; an article without
/// paragraphs gives none.
#[must_use]
pub fn split_page_with(text: &str, granularity: Granularity) -> Vec<Piece> {
    let drafts = build_drafts(text);
    let mut pieces = pieces_of(drafts, granularity);
    // One scan of the page; pieces are counted only when it holds a replacement at all.
    if text.contains('\u{FFFD}') {
        for piece in &mut pieces {
            let title = piece.title.as_deref().unwrap_or_default();
            let count = |s: &str| s.chars().fold((0, 0), |(r, n), c| (r + usize::from(c == '\u{FFFD}'), n + 1));
            let (title_replaced, title_chars) = count(title);
            let (text_replaced, text_chars) = count(&piece.text);
            piece.damaged = too_damaged(title_replaced + text_replaced, title_chars + text_chars);
        }
    }
    pieces
}

fn pieces_of(drafts: Vec<Draft>, granularity: Granularity) -> Vec<Piece> {
    match granularity {
        Granularity::Article => drafts.into_iter().enumerate().map(|(index, draft)| draft.into_article(index)).collect(),
        Granularity::Paragraph => {
            let mut pieces = Vec::new();
            for (article_index, draft) in drafts.into_iter().enumerate() {
                draft.push_paragraphs(article_index, &mut pieces);
            }
            for (index, piece) in pieces.iter_mut().enumerate() {
                piece.index = index;
            }
            pieces
        }
    }
}

/// What a (trimmed) line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    Heading,
    Section,
    Credit,
    Text,
}

/// One line of the page: its trimmed content, what it is, and the char span of the content.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// The trimmed line, or for headings, sections and credits the part after the marker.
    content: &'a str,
    kind: LineKind,
    start: usize,
    end: usize,
}

/// The longest heading or section title, in characters. A `#` line longer than this is text
/// that happens to start with the marker (a whole page saved as one line), not a headline: it
/// would otherwise become a title of millions of characters in every output row.
pub const MAX_HEADING_CHARS: usize = 200;

fn classify(trimmed: &str) -> (LineKind, &str) {
    let short = |rest: &str| rest.chars().nth(MAX_HEADING_CHARS).is_none();
    if trimmed.is_empty() {
        (LineKind::Blank, trimmed)
    } else if let Some(rest) = trimmed.strip_prefix("##") {
        let rest = rest.trim_start_matches('#').trim();
        (if short(rest) { LineKind::Section } else { LineKind::Text }, rest)
    } else if let Some(rest) = trimmed.strip_prefix('#') {
        let rest = rest.trim();
        (if short(rest) { LineKind::Heading } else { LineKind::Text }, rest)
    } else if let Some(rest) =
        trimmed.strip_prefix("图片来源").or_else(|| trimmed.strip_prefix("圖片來源")).and_then(|r| r.strip_prefix([':', '：']))
    {
        (LineKind::Credit, rest.trim())
    } else {
        (LineKind::Text, trimmed)
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    let (text, skipped) = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => (rest, 1),
        None => (text, 0),
    };
    offset += skipped;
    for (raw, separator) in raw_lines(text) {
        let leading = raw.chars().take_while(|c| c.is_whitespace()).count();
        let trimmed = raw.trim();
        let start = offset + leading;
        let end = start + trimmed.chars().count();
        // A line of zero-width characters only is as blank as one of spaces.
        let (kind, content) = if is_blank(trimmed) { (LineKind::Blank, "") } else { classify(trimmed) };
        out.push(Line { content, kind, start, end });
        offset += raw.chars().count() + separator;
    }
    out
}

/// Whether `text` holds nothing visible: only whitespace and zero-width characters (U+200B
/// to U+200D, U+2060, U+FEFF, U+180E, U+00AD), which a page may be full of without any text.
#[must_use]
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{AD}'))
}

/// The lines of `text` without their line breaks, each with the length of the break after it in
/// chars (0 for the last line): `\n`, `\r\n` and a lone `\r` (old Mac exports) all end a line.
fn raw_lines(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let Some(at) = current.find(['\n', '\r']) else {
            rest = None;
            return Some((current, 0));
        };
        let separator = if current[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = Some(&current[at + separator..]);
        Some((&current[..at], separator))
    })
}

/// A paragraph being assembled; rejoined halves are concatenated.
#[derive(Debug)]
struct Para {
    text: String,
    start: usize,
    end: usize,
    /// How many lines it was assembled from.
    lines: usize,
}

#[derive(Debug)]
enum Item {
    Section(String),
    Para(Para),
}

/// An article or caption before it becomes a [`Piece`].
#[derive(Debug)]
struct Draft {
    kind: PieceKind,
    title: Option<String>,
    credit: Option<String>,
    bylines: Vec<String>,
    items: Vec<Item>,
    start: usize,
    end: usize,
}

impl Draft {
    fn new(kind: PieceKind, line: &Line<'_>) -> Self {
        let mut draft = Self { kind, title: None, credit: None, bylines: Vec::new(), items: Vec::new(), start: line.start, end: line.end };
        let marker = Some(line.content.to_owned()).filter(|c| !c.is_empty());
        match line.kind {
            LineKind::Heading => draft.title = marker,
            LineKind::Credit => draft.credit = marker,
            _ => {}
        }
        draft
    }

    fn paragraphs(&self) -> usize {
        self.items.iter().filter(|i| matches!(i, Item::Para(_))).count()
    }

    /// Moves a byline at the end of the last paragraph (or a lone byline last paragraph) to
    /// `bylines`.
    fn take_trailing_byline(&mut self) {
        let paragraphs = self.paragraphs();
        let Some(Item::Para(last)) = self.items.last_mut() else { return };
        if paragraphs > 1 && last.lines == 1 && is_byline(&last.text) {
            let names = join_names(&last.text);
            self.items.pop();
            self.bylines.push(names);
        } else if let Some((body_len, names)) = trailing_byline(&last.text) {
            last.text.truncate(body_len);
            self.bylines.push(names);
        }
    }

    fn byline(&self) -> Option<String> {
        (!self.bylines.is_empty()).then(|| self.bylines.join(" "))
    }

    fn into_article(self, index: usize) -> Piece {
        let byline = self.byline();
        let text = self
            .items
            .iter()
            .map(|item| match item {
                Item::Section(s) => s.as_str(),
                Item::Para(p) => p.text.as_str(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let mut piece = Piece::new(self.kind, text, self.start, self.end);
        piece.index = index;
        piece.title = self.title;
        piece.byline = byline;
        piece.credit = self.credit;
        piece
    }

    fn push_paragraphs(self, article_index: usize, out: &mut Vec<Piece>) {
        let byline = self.byline();
        let mut section: Option<String> = None;
        let mut paragraph = 0;
        for item in self.items {
            match item {
                Item::Section(s) => section = Some(s).filter(|s| !s.is_empty()),
                Item::Para(p) => {
                    let mut piece = Piece::new(self.kind, p.text, p.start, p.end);
                    piece.title.clone_from(&self.title);
                    piece.byline.clone_from(&byline);
                    piece.credit.clone_from(&self.credit);
                    piece.article_index = Some(article_index);
                    piece.paragraph = Some(paragraph);
                    piece.section.clone_from(&section);
                    out.push(piece);
                    paragraph += 1;
                }
            }
        }
    }
}

/// The page as articles and captions, in order.
fn build_drafts(text: &str) -> Vec<Draft> {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut current: Option<Draft> = None;
    let mut open: Option<Para> = None;
    // The next text line may be a byline (first non-blank line after a heading).
    let mut byline_may_follow = false;

    let finish = |current: &mut Option<Draft>, open: &mut Option<Para>, drafts: &mut Vec<Draft>| {
        if let Some(mut draft) = current.take() {
            if let Some(para) = open.take() {
                draft.end = draft.end.max(para.end);
                draft.items.push(Item::Para(para));
            }
            draft.take_trailing_byline();
            drafts.push(draft);
        }
    };

    for line in lines(text) {
        match line.kind {
            LineKind::Blank => {}
            LineKind::Heading => {
                finish(&mut current, &mut open, &mut drafts);
                current = Some(Draft::new(PieceKind::Article, &line));
                byline_may_follow = true;
            }
            LineKind::Credit => {
                finish(&mut current, &mut open, &mut drafts);
                current = Some(Draft::new(PieceKind::Caption, &line));
                byline_may_follow = false;
            }
            LineKind::Section => {
                byline_may_follow = false;
                if current.as_ref().is_some_and(|d| d.kind == PieceKind::Caption) {
                    finish(&mut current, &mut open, &mut drafts);
                }
                let draft = current.get_or_insert_with(|| Draft::new(PieceKind::Article, &line));
                if let Some(para) = open.take() {
                    draft.items.push(Item::Para(para));
                }
                draft.items.push(Item::Section(line.content.to_owned()));
                draft.end = line.end;
            }
            LineKind::Text => {
                let content = line.content;
                if std::mem::take(&mut byline_may_follow) && is_byline(content) {
                    if let Some(draft) = current.as_mut() {
                        draft.bylines.push(join_names(content));
                        draft.end = line.end;
                        continue;
                    }
                }
                if let Some(para) = open.as_mut().filter(|p| {
                    !ends_sentence(&p.text)
                        && !crate::clean::is_raw_web_boilerplate(&p.text)
                        && !crate::clean::is_raw_web_boilerplate(content)
                }) {
                    para.text.push_str(content);
                    para.end = line.end;
                    para.lines += 1;
                    continue;
                }
                let caption_full = current.as_ref().is_some_and(|d| d.kind == PieceKind::Caption && (open.is_some() || d.paragraphs() > 0));
                if caption_full {
                    if is_byline(content) {
                        if let Some(draft) = current.as_mut() {
                            draft.bylines.push(join_names(content));
                            draft.end = line.end;
                            continue;
                        }
                    }
                    finish(&mut current, &mut open, &mut drafts);
                }
                let draft = current.get_or_insert_with(|| Draft::new(PieceKind::Article, &line));
                if let Some(para) = open.take() {
                    draft.items.push(Item::Para(para));
                }
                draft.end = line.end;
                open = Some(Para { text: content.to_owned(), start: line.start, end: line.end, lines: 1 });
            }
        }
    }
    finish(&mut current, &mut open, &mut drafts);
    drafts
}

/// A reporter name: two to four CJK characters.
fn is_name(word: &str) -> bool {
    let mut count = 0;
    for c in word.chars() {
        if !is_cjk(c) {
            return false;
        }
        count += 1;
    }
    (2..=4).contains(&count)
}

/// A whole line of one to four names separated by whitespace.
fn is_byline(line: &str) -> bool {
    let mut count = 0;
    for word in line.split_whitespace() {
        if !is_name(word) {
            return false;
        }
        count += 1;
    }
    (1..=4).contains(&count)
}

fn join_names(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a paragraph ends a sentence: final punctuation, possibly followed by closing quotes
/// or brackets.
fn ends_sentence(text: &str) -> bool {
    let trimmed = text.trim_end_matches(['”', '’', '」', '』', '）', ')', '"', '\'', '】', '》']);
    trimmed.ends_with(['。', '！', '？', '…', '；', '!', '?', ';'])
}

/// If `paragraph` ends with whitespace-separated names after sentence-final punctuation and
/// whitespace, the byte length of the body (without the trailing whitespace) and the names.
fn trailing_byline(paragraph: &str) -> Option<(usize, String)> {
    let mut rest = paragraph.trim_end();
    let mut names: Vec<&str> = Vec::new();
    loop {
        let cut = rest.rfind(char::is_whitespace)?;
        let word = rest.get(cut..)?.trim_start();
        if !is_name(word) || names.len() == 4 {
            return None;
        }
        names.push(word);
        rest = rest.get(..cut)?.trim_end();
        if ends_sentence(rest) {
            break;
        }
    }
    names.reverse();
    Some((rest.len(), names.join(" ")))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use proptest::prelude::*;

    fn summary(pieces: &[Piece]) -> String {
        let mut out = String::new();
        for p in pieces {
            write!(
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
            if let (Some(a), Some(n)) = (p.article_index, p.paragraph) {
                write!(out, " article={a} paragraph={n} section={:?}", p.section).unwrap();
            }
            out.push('\n');
            for line in p.text.lines() {
                out.push_str("  | ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn empty_and_blank_pages_have_no_pieces() {
        assert!(split_page("").is_empty());
        assert!(split_page(" \n\n\u{3000}\r\n").is_empty());
        assert!(split_page("\u{FEFF}").is_empty());
    }

    #[test]
    fn headingless_page_is_one_untitled_article() {
        let pieces = split_page("本报讯 近日，高新区召开大会。\n\n会议部署全年工作。");
        expect_test::expect![[r"
            #0 article 0..26 title=None byline=None credit=None
              | 本报讯 近日，高新区召开大会。
              | 会议部署全年工作。
        "]]
        .assert_eq(&summary(&pieces));
    }

    #[test]
    fn an_overlong_heading_line_is_text_not_a_title() {
        let body = "高新区召开大会部署全年工作。".repeat(20);
        let pieces = split_page(&format!("# {body}\n\n# 短标题\n正文一段。"));
        assert_eq!(pieces.len(), 2, "{}", summary(&pieces));
        assert_eq!(pieces[0].title, None);
        assert_eq!(pieces[0].text, body);
        assert_eq!(pieces[1].title.as_deref(), Some("短标题"));
        // At the limit it is still a heading.
        let limit = "标".repeat(MAX_HEADING_CHARS);
        assert_eq!(split_page(&format!("# {limit}\n正文。"))[0].title.as_deref(), Some(limit.as_str()));
        let section = "节".repeat(MAX_HEADING_CHARS + 1);
        let pieces = split_page_with(&format!("# 标题\n## {section}\n正文。"), Granularity::Paragraph);
        assert!(pieces.iter().all(|p| p.section.is_none()), "{}", summary(&pieces));
    }

    #[test]
    fn bylines_after_heading_and_at_the_end() {
        let page = "# 标题一\n张三 李四\n第一段。\n\n\n# 标题二\n正文说明了情况。 陈丹 王铭思\n# 标题三\n第一段。\n\n欧阳明月\n";
        expect_test::expect![[r#"
            #0 article 0..16 title=Some("标题一") byline=Some("张三 李四") credit=None
              | 第一段。
            #1 article 19..40 title=Some("标题二") byline=Some("陈丹 王铭思") credit=None
              | 正文说明了情况。
            #2 article 41..57 title=Some("标题三") byline=Some("欧阳明月") credit=None
              | 第一段。
        "#]]
        .assert_eq(&summary(&split_page(page)));
    }

    #[test]
    fn ordinary_text_is_never_taken_for_a_byline() {
        // No final punctuation before the names, five names, a long word, a lone line as the only
        // paragraph of an untitled article.
        for page in [
            "# 标题\n第一段。\n这是正文说明 陈丹 王铭思",
            "# 标题\n第一段。\n正文说明了情况 陈丹",
            "# 标题\n正文。 甲乙 丙丁 戊己 庚辛 壬癸",
            "# 标题\n正文。 高新技术企业",
            "陈丹",
        ] {
            let pieces = split_page(page);
            assert_eq!(pieces.len(), 1, "{page}");
            assert_eq!(pieces[0].byline, None, "{page}");
        }
    }

    #[test]
    fn broken_lines_are_rejoined() {
        let page = "# 星舟\n苏州吉天星舟空间技术有\n\n\n限公司在苏州工业园区成立。\n主要内容\n如下所述。\n“我们有信心。”\n下一段。";
        expect_test::expect![[r#"
            #0 article 0..57 title=Some("星舟") byline=None credit=None
              | 苏州吉天星舟空间技术有限公司在苏州工业园区成立。
              | 主要内容如下所述。
              | “我们有信心。”
              | 下一段。
        "#]]
        .assert_eq(&summary(&split_page(page)));
    }

    #[test]
    fn web_furniture_lines_are_not_rejoined() {
        let page = "首页 > 新闻中心 > 招商动态\n盐城高新区举行项目集中签约\n发布时间：2024-05-20 来源：管委会 浏览次数：312\n\
                    5月20日，12个项目签约，总投资86亿元。\n【打印本页】【关闭窗口】\n上一篇：高新区召开安全生产会议";
        expect_test::expect![[r"
            #0 article 0..114 title=None byline=None credit=None
              | 首页 > 新闻中心 > 招商动态
              | 盐城高新区举行项目集中签约
              | 发布时间：2024-05-20 来源：管委会 浏览次数：312
              | 5月20日，12个项目签约，总投资86亿元。
              | 【打印本页】【关闭窗口】
              | 上一篇：高新区召开安全生产会议
        "]]
        .assert_eq(&summary(&split_page(page)));
    }

    #[test]
    fn captions_take_one_paragraph() {
        let page = "# 新闻\n正文。\n图片来源：桂林高新区\n揭牌仪式现\n\n场。 李明\n图片来源:苏州高新区\n签约现场。\n王芳\n后面的文字。\n# 下一篇\n内容。";
        expect_test::expect![[r#"
            #0 article 0..8 title=Some("新闻") byline=None credit=None
              | 正文。
            #1 caption 9..32 title=None byline=Some("李明") credit=Some("桂林高新区")
              | 揭牌仪式现场。
            #2 caption 33..52 title=None byline=Some("王芳") credit=Some("苏州高新区")
              | 签约现场。
            #3 article 53..59 title=None byline=None credit=None
              | 后面的文字。
            #4 article 60..69 title=Some("下一篇") byline=None credit=None
              | 内容。
        "#]]
        .assert_eq(&summary(&split_page(page)));
    }

    #[test]
    fn sections_and_paragraph_granularity() {
        let page =
            "# 高新区: 科技金融\n导语。\n## 一、贷款\n贴息贷款落地。\n第二段。\n## 二、基金\n基金设立。 张三\n图片来源:高新区\n图说。";
        let pieces = split_page_with(page, Granularity::Paragraph);
        expect_test::expect![[r#"
            #0 article 12..15 title=Some("高新区: 科技金融") byline=Some("张三") credit=None article=0 paragraph=0 section=None
              | 导语。
            #1 article 24..31 title=Some("高新区: 科技金融") byline=Some("张三") credit=None article=0 paragraph=1 section=Some("一、贷款")
              | 贴息贷款落地。
            #2 article 32..36 title=Some("高新区: 科技金融") byline=Some("张三") credit=None article=0 paragraph=2 section=Some("一、贷款")
              | 第二段。
            #3 article 45..53 title=Some("高新区: 科技金融") byline=Some("张三") credit=None article=0 paragraph=3 section=Some("二、基金")
              | 基金设立。
            #4 caption 63..66 title=None byline=None credit=Some("高新区") article=1 paragraph=0 section=None
              | 图说。
        "#]]
        .assert_eq(&summary(&pieces));
        let articles = split_page(page);
        assert_eq!(articles[0].text, "导语。\n一、贷款\n贴息贷款落地。\n第二段。\n二、基金\n基金设立。");
        let chars: Vec<char> = page.chars().collect();
        let span = |p: &Piece| chars.get(p.start..p.end).map(|c| c.iter().collect::<String>());
        assert_eq!(span(&pieces[3]).as_deref(), Some("基金设立。 张三"));
        assert_eq!(span(&articles[1]).as_deref(), Some("图片来源:高新区\n图说。"));
    }

    #[test]
    fn crlf_bom_and_indentation() {
        let page = "\u{FEFF}# 标题\r\n\u{3000}\u{3000}第一行没有\r\n\r\n结束。\r\n";
        let pieces = split_page(page);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].text, "第一行没有结束。");
        assert_eq!(pieces[0].title.as_deref(), Some("标题"));
        let chars: Vec<char> = page.chars().collect();
        let span: String = chars[pieces[0].start..pieces[0].end].iter().collect();
        assert_eq!(span, "# 标题\r\n\u{3000}\u{3000}第一行没有\r\n\r\n结束。");
    }

    /// Regression: a page with old-Mac line endings (a lone `\r`) was one title.
    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let page = "# 标题\r本报讯 项目签约。\r\r# 第二篇\r正文。\r";
        let pieces = split_page(page);
        assert_eq!(pieces.len(), 2);
        assert_eq!((pieces[0].title.as_deref(), pieces[0].text.as_str()), (Some("标题"), "本报讯 项目签约。"));
        assert_eq!((pieces[1].title.as_deref(), pieces[1].text.as_str()), (Some("第二篇"), "正文。"));
        // Offsets count every `\r`: the same as the page with `\n`.
        let unix = split_page(&page.replace('\r', "\n"));
        assert_eq!(pieces.iter().map(|p| (p.start, p.end)).collect::<Vec<_>>(), unix.iter().map(|p| (p.start, p.end)).collect::<Vec<_>>());
        assert_eq!(raw_lines("a\r\nb\rc\n").collect::<Vec<_>>(), [("a", 2), ("b", 1), ("c", 1), ("", 0)]);
    }

    #[test]
    fn a_piece_with_more_than_one_percent_replacements_is_damaged() {
        let clean = "正文".repeat(100); // 200 chars
        let page = format!(
            "# 好\n{clean}\n# 两处\n{clean}\u{FFFD}\u{FFFD}\n# 三处\n{clean}\u{FFFD}\u{FFFD}\u{FFFD}\n# \u{FFFD}\u{FFFD}\u{FFFD}\n"
        );
        let damaged = |g| split_page_with(&page, g).iter().map(|p| p.damaged).collect::<Vec<_>>();
        // 2 of 204 chars is under 1 %, 3 of 205 over it; a title counts too.
        assert_eq!(damaged(Granularity::Article), [false, false, true, true]);
        assert_eq!(damaged(Granularity::Paragraph), [false, false, true]);
    }

    #[test]
    fn lines_of_zero_width_characters_are_blank() {
        assert!(split_page("\u{200B}\u{200B}\n\u{FEFF}\u{200D} \n\u{2060}").is_empty());
        let pieces = split_page("# 标题\n\u{200B}\n正文。\n");
        assert_eq!((pieces.len(), pieces[0].text.as_str()), (1, "正文。"));
        assert!(is_blank(" \u{3000}\u{200B}") && !is_blank("\u{200B}字"));
    }

    #[test]
    fn heading_without_body_is_a_piece() {
        let pieces = split_page("# 只有标题\n# 第二篇\n正文。");
        assert_eq!(pieces.len(), 2);
        assert_eq!((pieces[0].text.as_str(), pieces[0].start, pieces[0].end), ("", 0, 6));
        assert!(split_page_with("# 只有标题", Granularity::Paragraph).is_empty());
    }

    fn non_space_chars(s: &str) -> Vec<char> {
        let mut v: Vec<char> = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{FEFF}').collect();
        v.sort_unstable();
        v
    }

    fn expected_chars(page: &str) -> Vec<char> {
        let mut all = String::new();
        for (line, _) in raw_lines(page) {
            let (kind, content) = classify(line.trim());
            match kind {
                LineKind::Blank => {}
                // Everything but the markers.
                LineKind::Heading | LineKind::Section | LineKind::Credit | LineKind::Text => all.push_str(content),
            }
            all.push('\n');
        }
        non_space_chars(&all)
    }

    fn line_strategy() -> impl Strategy<Value = String> {
        let cjk =
            proptest::collection::vec(proptest::char::range('\u{4E00}', '\u{4E60}'), 1..12).prop_map(|v| v.into_iter().collect::<String>());
        let names =
            proptest::collection::vec(proptest::char::range('\u{4E00}', '\u{4E10}'), 2..4).prop_map(|v| v.into_iter().collect::<String>());
        let byline = proptest::collection::vec(names.clone(), 1..5).prop_map(|v| v.join(" "));
        prop_oneof![
            3 => cjk.clone().prop_map(|t| format!("{t}。")),
            2 => cjk.clone(),
            1 => cjk.clone().prop_map(|t| format!("# {t}")),
            1 => cjk.clone().prop_map(|t| format!("# 高新区: {t}“早春行动”")),
            1 => cjk.clone().prop_map(|t| format!("## {t}")),
            1 => cjk.clone().prop_map(|t| format!("图片来源：{t}")),
            1 => cjk.clone().prop_map(|t| format!("图片来源:{t}")),
            1 => byline.clone(),
            1 => (cjk.clone(), byline).prop_map(|(t, b)| format!("{t}。 {b}")),
            2 => Just(String::new()),
            1 => Just("\u{3000}\u{3000}本报讯(记者 张三) 3月5日，12个项目签约。".to_owned()),
            1 => "[ -~]{0,12}",
            1 => Just("##".to_owned()),
            1 => Just("#".to_owned()),
            1 => cjk.clone().prop_map(|t| format!("{t}”\r")),
            1 => cjk.prop_map(|t| format!("{t}\r# {t}\r")),
        ]
    }

    proptest! {
        #[test]
        fn splitting_loses_and_duplicates_nothing(lines in proptest::collection::vec(line_strategy(), 0..30)) {
            let page = lines.join("\n");
            let pieces = split_page(&page);
            let mut found = String::new();
            for p in &pieces {
                for part in [&p.title, &p.byline, &p.credit].into_iter().flatten() {
                    found.push_str(part);
                    found.push('\n');
                }
                found.push_str(&p.text);
                found.push('\n');
            }
            prop_assert_eq!(non_space_chars(&found), expected_chars(&page));
            let total = page.chars().count();
            for (i, p) in pieces.iter().enumerate() {
                prop_assert_eq!(p.index, i);
                prop_assert!(p.start <= p.end && p.end <= total);
            }
            for pair in pieces.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start);
            }
            let paragraphs = split_page_with(&page, Granularity::Paragraph);
            for pair in paragraphs.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start);
            }
        }
    }
}
