//! Saved web pages: bytes → text → page text in the page grammar of [`crate::split_page`].
//!
//! # Decoding
//!
//! [`decode_html`] reads a `<meta charset>` (or `http-equiv="Content-Type"`) declaration from the
//! first 1,024 bytes, as browsers prescan, and treats it as a hint, never as a way around the
//! checks every input passes:
//!
//! - a forced `--encoding`, a byte-order mark, and bytes that are valid UTF-8 are stronger
//!   evidence than the declaration (pages are often re-saved as UTF-8 with the old declaration
//!   left in place), so the declaration is then ignored and [`decode`] decides as for any page;
//! - otherwise the declared encoding is tried like a forced one (a single malformed sequence
//!   rules it out) beside [`decode`]'s own detection (NUL bytes are binary input either way).
//!   The declaration is followed when detection agrees, when detection's text has malformed
//!   sequences that the declaration's has not, or when detection fails its checks; when both
//!   decode every byte but differ, detection's statistics decide (a GBK page declared Big5
//!   decodes "cleanly" into nonsense). [`HtmlDecoded::hint`] tells the caller whether the
//!   declaration was followed;
//! - a declaration of an encoding that is not ASCII-compatible (UTF-16, which cannot be
//!   declared inside the page it describes, `x-user-defined`, `replacement`) is ignored.
//!
//! A whole HTML file is held in memory: callers cap it at [`MAX_HTML_BYTES`]. The HTML tree
//! builder's scope checks walk the stack of open elements, so a page nested thousands of levels
//! deep costs time quadratic in its depth: [`html_to_page`] refuses a page whose elements may
//! nest deeper than [`MAX_HTML_DEPTH`] (real pages nest a few dozen levels; Blink flattens
//! beyond 512).
//!
//! # Extraction
//!
//! [`html_to_page`] parses the text with html5ever (through `scraper`, the spec's tree builder,
//! so broken markup is repaired as a browser would) and writes the page grammar:
//!
//! - `script`, `style`, `nav`, `header`, `footer`, `aside`, `head` (with its `title`), `noscript`,
//!   `template`, `iframe`, `svg`, `select`, `button` and `textarea` are dropped with everything in
//!   them;
//! - link lists are dropped: an element holding at least three links whose link text is at least
//!   half its text and whose other text is under 100 characters (menus, "related articles",
//!   spam link blocks), and any output line that is at least half link text (links separated by
//!   `<br>`, "上一篇" lines);
//! - `h1`/`h2` become `# ` article headings, `h3`/`h4` `## ` section headings;
//! - `p`, `div`, `br` and the other block elements (`li`, `td`, `section`, `article`, `table`
//!   rows, `blockquote`, …) end a paragraph; paragraphs are separated by blank lines;
//! - white space runs become one space, except that a line break between two CJK characters
//!   disappears (as CSS renders it).
//!
//! Offsets of the pieces split from the result refer to this extracted text, not to the HTML.
//!
//! ```
//! use bulletin_segmenter::html_to_page;
//!
//! # fn main() -> Result<(), bulletin_segmenter::SegmenterError> {
//! let page = html_to_page("<html><head><title>站点</title><script>var x;</script></head><body>\
//!     <nav><a href=/>首页</a></nav><h1>高新区项目签约</h1><p>本报讯 5个项目\n签约落地。</p>\
//!     <ul><li><a href=1>一</a><li><a href=2>二</a><li><a href=3>三</a></ul></body></html>")?;
//! assert_eq!(page, "# 高新区项目签约\n\n本报讯 5个项目签约落地。\n");
//! # Ok(())
//! # }
//! ```

use encoding_rs::{Encoding, UTF_8};
use scraper::{Html, Node};
use std::collections::HashMap;

use crate::SegmenterError;
use crate::decode::{Decoded, check_plausible, decode};
use crate::segment::is_cjk;

/// The largest HTML file read (16 MiB): a page is parsed whole, as a DOM several times its size.
pub const MAX_HTML_BYTES: usize = 16 << 20;

/// The deepest element nesting [`html_to_page`] accepts, estimated from the tags before parsing.
pub const MAX_HTML_DEPTH: usize = 1000;

/// Bytes of the page searched for a charset declaration (as the HTML standard's prescan).
const PRESCAN_BYTES: usize = 1024;

/// What [`decode_html`] made of a page's charset declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CharsetHint {
    /// The declared encoding (`encoding_rs` name).
    pub declared: &'static str,
    /// Whether the text was decoded with it (false: it was overruled, see the module docs).
    pub used: bool,
}

/// A decoded HTML page.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HtmlDecoded {
    /// The decoded HTML source.
    pub decoded: Decoded,
    /// The charset declaration, if the page has one that was considered.
    pub hint: Option<CharsetHint>,
}

/// Decodes an HTML page, with its charset declaration as a hint (see the module docs).
pub fn decode_html(bytes: &[u8], forced: Option<&str>) -> Result<HtmlDecoded, SegmenterError> {
    if forced.is_some() || Encoding::for_bom(bytes).is_some() {
        return Ok(HtmlDecoded { decoded: decode(bytes, forced)?, hint: None });
    }
    let Some(declared) = charset_declaration(bytes) else {
        return Ok(HtmlDecoded { decoded: decode(bytes, None)?, hint: None });
    };
    let hint = |used| Some(CharsetHint { declared: declared.name(), used });
    let detected = decode(bytes, None);
    if declared == UTF_8 || std::str::from_utf8(bytes).is_ok() {
        let decoded = detected?;
        let used = decoded.encoding == declared.name();
        return Ok(HtmlDecoded { decoded, hint: hint(used) });
    }
    // Strict: a single malformed sequence rules the declaration out, and so does text that does
    // not look Chinese (the check detection applies to its own choice).
    let hinted = decode(bytes, Some(declared.name())).and_then(|d| check_plausible(&d.text, declared).map(|()| d));
    match (hinted, detected) {
        // Binary input, or neither decoding works: the detector's error.
        (_, Err(err @ SegmenterError::BinaryInput { .. })) | (Err(_), Err(err)) => Err(err),
        (Ok(hinted), Ok(detected)) if hinted.encoding == detected.encoding || replaced(&detected) > 0 => {
            Ok(HtmlDecoded { decoded: hinted, hint: hint(true) })
        }
        // Both decode every byte: the detector's statistics decide (a stale declaration is the
        // likelier mistake).
        (Ok(_) | Err(_), Ok(detected)) => Ok(HtmlDecoded { decoded: detected, hint: hint(false) }),
        (Ok(hinted), Err(_)) => Ok(HtmlDecoded { decoded: hinted, hint: hint(true) }),
    }
}

/// Malformed sequences replaced in a decoded text.
fn replaced(decoded: &Decoded) -> usize {
    decoded.replaced
}

/// The encoding declared by a `<meta>` element in the first 1024 bytes, if it is
/// one that can be declared (ASCII-compatible).
#[must_use]
pub fn charset_declaration(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..PRESCAN_BYTES.min(bytes.len())).unwrap_or_default();
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower, b"<meta", from) {
        let end = lower.get(at..).and_then(|rest| rest.iter().position(|&b| b == b'>')).map_or(lower.len(), |e| at + e);
        let tag = lower.get(at + 5..end).unwrap_or_default();
        from = end;
        let label = attribute(tag, b"charset").or_else(|| {
            // `content` declares a charset only with `http-equiv="content-type"`.
            if attribute(tag, b"http-equiv").as_deref() != Some(b"content-type".as_slice()) {
                return None;
            }
            let content = attribute(tag, b"content")?;
            let at = find(&content, b"charset", 0)?;
            let rest = content.get(at + 7..)?.iter().skip_while(|b| b.is_ascii_whitespace()).copied().collect::<Vec<_>>();
            let rest = rest.strip_prefix(b"=")?;
            Some(
                rest.iter()
                    .copied()
                    .skip_while(u8::is_ascii_whitespace)
                    .take_while(|&b| !matches!(b, b';' | b'"' | b'\'') && !b.is_ascii_whitespace())
                    .collect(),
            )
        });
        if let Some(label) = label {
            let encoding = Encoding::for_label(&label)?;
            // The standard reads a declared UTF-16 as UTF-8: a page that can declare itself in
            // ASCII is not UTF-16. The others cannot describe text at all.
            if encoding.is_ascii_compatible() && encoding.name() != "replacement" && encoding.name() != "x-user-defined" {
                return Some(encoding);
            }
            return None;
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The value of attribute `name` in the (lowercased) inside of a tag, as the HTML tokenizer
/// reads attributes (quoted or not).
fn attribute(tag: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    let at = |i: usize| tag.get(i).copied();
    loop {
        while at(i).is_some_and(|b| b.is_ascii_whitespace() || b == b'/') {
            i += 1;
        }
        let start = i;
        while at(i).is_some_and(|b| !b.is_ascii_whitespace() && b != b'=' && b != b'/') {
            i += 1;
        }
        if i == start {
            return None;
        }
        let attr = tag.get(start..i)?;
        while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let mut value = Vec::new();
        if at(i) == Some(b'=') {
            i += 1;
            while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            match at(i) {
                Some(q @ (b'"' | b'\'')) => {
                    i += 1;
                    while let Some(b) = at(i).filter(|&b| b != q) {
                        value.push(b);
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while let Some(b) = at(i).filter(|b| !b.is_ascii_whitespace()) {
                        value.push(b);
                        i += 1;
                    }
                }
            }
        }
        if attr == name {
            return Some(value.trim_ascii().to_vec());
        }
    }
}

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "head", "noscript", "template", "iframe", "svg", "select", "button", "textarea",
];

/// Elements that end a paragraph before and after them.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "td",
    "th",
    "tr",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "h5",
    "h6",
    "hr",
    "address",
    "center",
    "form",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
];

/// Text statistics of an element's subtree, for the link-list rule.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    /// Non-space characters.
    chars: usize,
    /// Non-space characters inside links.
    link_chars: usize,
    /// `<a>` elements.
    links: usize,
}

impl Stats {
    fn is_link_list(self) -> bool {
        self.links >= 3 && self.link_chars * 2 >= self.chars && self.chars - self.link_chars < 100
    }
}

/// Extracts page text from HTML (see the module docs); [`SegmenterError::HtmlTooDeep`] for a page
/// nested deeper than [`MAX_HTML_DEPTH`].
pub fn html_to_page(html: &str) -> Result<String, SegmenterError> {
    let depth = nesting_bound(html);
    if depth > MAX_HTML_DEPTH {
        return Err(SegmenterError::HtmlTooDeep { depth, limit: MAX_HTML_DEPTH });
    }
    let document = Html::parse_document(html);
    let stats = subtree_stats(&document);
    let mut out = PageWriter::default();
    // Iterative: the tree may be deeper than the stack allows recursion.
    let mut skip_until = None;
    for edge in document.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => {
                if skip_until.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => out.text(text, false),
                    Node::Element(element) => {
                        let name = element.name();
                        let dropped = DROPPED.contains(&name)
                            || (!matches!(name, "a" | "body" | "html" | "h1" | "h2" | "h3" | "h4")
                                && stats.get(&node.id()).is_some_and(|s| s.is_link_list()));
                        if dropped {
                            skip_until = Some(node.id());
                        } else {
                            out.open(name);
                        }
                    }
                    _ => {}
                }
            }
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    if skip_until == Some(node.id()) {
                        skip_until = None;
                    } else if skip_until.is_none() {
                        out.close(element.name());
                    }
                }
            }
        }
    }
    Ok(out.finish())
}

/// Elements without content, or whose end tag may be left out: never counted as nesting.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd",
    "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp", "html", "head", "body",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"];

/// An upper bound, in one linear pass over the tags, of how deep the page's elements nest: start
/// tags of elements that need an end tag, minus end tags.
fn nesting_bound(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    let name_at = |from: usize| -> String {
        bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .map(|b| b.to_ascii_lowercase() as char)
            .collect()
    };
    while let Some(at) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'<')) {
        i += at + 1;
        match bytes.get(i) {
            Some(b'!') => {
                let close: &[u8] = if bytes.get(i..i + 3) == Some(b"!--") { b"-->" } else { b">" };
                i = find(bytes, close, i).map_or(bytes.len(), |e| e + close.len());
            }
            Some(b'/') => {
                let name = name_at(i + 1);
                if !name.is_empty() && !NOT_NESTING.contains(&name.as_str()) {
                    depth = depth.saturating_sub(1);
                }
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let name = name_at(i);
                let end = find(bytes, b">", i).unwrap_or(bytes.len());
                let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
                if RAW_TEXT.contains(&name.as_str()) {
                    let close = format!("</{name}");
                    let lower_from = end;
                    // Raw text ends at its end tag, in any case.
                    i = bytes
                        .get(lower_from..)
                        .and_then(|rest| rest.windows(close.len()).position(|w| w.eq_ignore_ascii_case(close.as_bytes())))
                        .map_or(bytes.len(), |p| lower_from + p);
                    continue;
                }
                if !self_closing && !NOT_NESTING.contains(&name.as_str()) {
                    depth += 1;
                    max = max.max(depth);
                }
                i = end;
            }
            _ => {}
        }
    }
    max
}

/// [`Stats`] of every element, in one pass over the tree.
fn subtree_stats(document: &Html) -> HashMap<ego_tree::NodeId, Stats> {
    let mut map = HashMap::new();
    let mut stack: Vec<Stats> = vec![Stats::default()];
    let mut in_link = 0usize;
    for edge in document.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let closes_link = element.name() == "a";
                    if closes_link {
                        in_link += 1;
                    }
                    stack.push(Stats::default());
                }
                Node::Text(text) => {
                    let chars = text.chars().filter(|c| !c.is_whitespace()).count();
                    if let Some(top) = stack.last_mut() {
                        top.chars += chars;
                        if in_link > 0 {
                            top.link_chars += chars;
                        }
                    }
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    let mine = stack.pop().unwrap_or_default();
                    map.insert(node.id(), mine);
                    let closes_link = element.name() == "a";
                    if closes_link {
                        in_link = in_link.saturating_sub(1);
                    }
                    if let Some(parent) = stack.last_mut() {
                        parent.chars += mine.chars;
                        parent.link_chars += mine.link_chars;
                        parent.links += mine.links + usize::from(closes_link);
                    }
                }
            }
        }
    }
    map
}

/// A CJK character, CJK punctuation or a full-width form: the characters between which a line
/// break in the source is no space.
fn is_wide(c: char) -> bool {
    is_cjk(c) || matches!(u32::from(c), 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// Builds the page text line by line.
#[derive(Debug, Default)]
struct PageWriter {
    out: String,
    /// The paragraph being built.
    line: String,
    /// Non-space characters of `line`, and those inside links.
    chars: usize,
    link_chars: usize,
    /// Open `<a>` elements.
    in_link: usize,
    /// `# ` or `## ` while inside a heading element, and how deep.
    heading: Option<(&'static str, usize)>,
    /// A white space run is pending; whether it held a line break.
    space: Option<bool>,
}

impl PageWriter {
    fn open(&mut self, name: &str) {
        match name {
            "h1" | "h2" | "h3" | "h4" => {
                if let Some((_, depth)) = self.heading.as_mut() {
                    *depth += 1;
                } else {
                    self.flush();
                    self.heading = Some((if matches!(name, "h1" | "h2") { "# " } else { "## " }, 1));
                }
            }
            "a" => self.in_link += 1,
            "br" => self.text("\n", true),
            _ if BLOCKS.contains(&name) => self.flush(),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "h1" | "h2" | "h3" | "h4" => {
                if let Some((marker, depth)) = self.heading {
                    if depth <= 1 {
                        let title = std::mem::take(&mut self.line);
                        let title = title.trim();
                        if !title.is_empty() {
                            self.push_line(&format!("{marker}{title}"));
                        }
                        self.heading = None;
                        self.reset_line();
                    } else {
                        self.heading = Some((marker, depth - 1));
                    }
                }
            }
            "a" => self.in_link = self.in_link.saturating_sub(1),
            _ if BLOCKS.contains(&name) => self.flush(),
            _ => {}
        }
    }

    /// Appends text; `br` is a line end (a space inside a heading).
    fn text(&mut self, text: &str, br: bool) {
        if br {
            if self.heading.is_some() {
                self.space = Some(false);
            } else {
                self.flush();
            }
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() && c != '\u{3000}' {
                let newline = c == '\n' || c == '\r';
                self.space = Some(self.space.unwrap_or(false) || newline);
                continue;
            }
            if let Some(newline) = self.space.take() {
                let last = self.line.chars().next_back();
                // CSS drops a line break between two East Asian wide characters.
                let joined = newline && last.is_some_and(is_wide) && is_wide(c);
                if last.is_some() && !joined {
                    self.line.push(' ');
                }
            }
            self.line.push(c);
            self.chars += 1;
            if self.in_link > 0 {
                self.link_chars += 1;
            }
        }
    }

    /// Ends the paragraph being built (outside headings).
    fn flush(&mut self) {
        if self.heading.is_some() {
            self.space = Some(false);
            return;
        }
        let line = std::mem::take(&mut self.line);
        let line = line.trim();
        // A line that is mostly link text is navigation ("上一篇", a link per line).
        if !line.is_empty() && self.link_chars * 2 < self.chars {
            self.push_line(line);
        }
        self.reset_line();
    }

    fn reset_line(&mut self) {
        self.line.clear();
        self.chars = 0;
        self.link_chars = 0;
        self.space = None;
    }

    fn push_line(&mut self, line: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn finish(mut self) -> String {
        self.heading = None;
        self.flush();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_sections_and_paragraphs() {
        let page = html_to_page(
            "<body><h1>标题一</h1><div>第一段。<br>第二段。</div><h3>小标题</h3><p>第三段。</p>\
             <h2>标题<span>二</span></h2><p>正文。</p></body>",
        )
        .unwrap();
        assert_eq!(page, "# 标题一\n\n第一段。\n\n第二段。\n\n## 小标题\n\n第三段。\n\n# 标题二\n\n正文。\n");
    }

    #[test]
    fn dropped_elements_and_link_lists() {
        let spam: String = (0..20).fold(String::new(), |mut s, i| {
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("<a href=/{i}>链接{i}</a> | "));
            s
        });
        let page = html_to_page(&format!(
            "<header>网站首页</header><style>p{{}}</style><h1>题</h1><p>正文内容。</p>\
             <div>友情链接：{spam}</div><p><a href=/prev>上一篇：某某新闻</a></p>\
             <p>文中提到<a href=/x>高新区</a>的项目。</p><footer>版权所有</footer>"
        ))
        .unwrap();
        assert_eq!(page, "# 题\n\n正文内容。\n\n文中提到高新区的项目。\n");
    }

    #[test]
    fn white_space_collapses_and_line_breaks_between_cjk_vanish() {
        assert_eq!(html_to_page("<p>  高新区\n  招商  引资 Smart\n City，\n总投资</p>").unwrap(), "高新区招商 引资 Smart City，总投资\n");
    }

    #[test]
    fn deep_nesting_is_walked_without_recursion_up_to_the_limit() {
        let html = format!("{}正文。{}", "<div>".repeat(MAX_HTML_DEPTH), "</div>".repeat(MAX_HTML_DEPTH));
        assert_eq!(html_to_page(&html).unwrap(), "正文。\n");
    }

    /// Regression: 100,000 nested `<div>`s kept the tree builder busy for minutes (its scope
    /// checks walk the stack of open elements).
    #[test]
    fn pages_nested_deeper_than_the_limit_are_refused_at_once() {
        let html = format!("{}正文。", "<div>".repeat(100_000));
        assert!(matches!(html_to_page(&html), Err(SegmenterError::HtmlTooDeep { depth: 100_000, .. })));
    }

    #[test]
    fn the_nesting_bound_ignores_void_optional_and_raw_text_elements() {
        let p = "<p>段落".repeat(5000);
        let html = format!("<html><body><div>{p}<br><img src=x><input/><script>var s = '<div><div>';</script><!-- <div> --></div></body>");
        assert_eq!(nesting_bound(&html), 1);
        assert_eq!(nesting_bound("<div><span></span><span><b></b></span></div><div></div>"), 3);
    }

    #[test]
    fn charset_declarations() {
        let gbk = |s: &str| charset_declaration(s.as_bytes()).map(Encoding::name);
        assert_eq!(gbk(r#"<html><head><meta charset="gb2312"></head>"#), Some("GBK"));
        assert_eq!(gbk(r#"<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=GBK">"#), Some("GBK"));
        assert_eq!(gbk("<meta charset=big5>"), Some("Big5"));
        assert_eq!(gbk(r#"<meta name="description" content="charset=gbk"><meta charset='utf-8'>"#), Some("UTF-8"));
        assert_eq!(gbk(r#"<meta charset="utf-16le">"#), None);
        assert_eq!(gbk("<p>charset=gbk</p>"), None);
        let late = format!("{}<meta charset=gbk>", " ".repeat(PRESCAN_BYTES));
        assert_eq!(gbk(&late), None);
    }

    fn gbk_page(body: &str, meta: &str) -> Vec<u8> {
        let html = format!("<html><head><meta charset=\"{meta}\"></head><body><h1>高新区招商</h1><p>{body}</p></body></html>");
        encoding_rs::GBK.encode(&html).0.into_owned()
    }

    #[test]
    fn a_matching_declaration_is_used() {
        let d = decode_html(&gbk_page("本报讯 高新区5个项目签约落地，总投资12亿元。", "gbk"), None).unwrap();
        assert_eq!(d.decoded.encoding, "GBK");
        assert_eq!(d.hint, Some(CharsetHint { declared: "GBK", used: true }));
    }

    #[test]
    fn a_wrong_declaration_is_overruled_by_the_checks() {
        // GBK bytes declared as Big5: Big5 cannot decode them all, so detection decides.
        let body = "本报讯 高新区5个项目签约落地，总投资12亿元，招商引资实现开门红。".repeat(4);
        let d = decode_html(&gbk_page(&body, "big5"), None).unwrap();
        assert_eq!(d.hint, Some(CharsetHint { declared: "Big5", used: false }));
        assert!(d.decoded.text.contains("招商引资实现开门红"), "{}", d.decoded.encoding);
        // UTF-8 bytes declared as GBK (a page re-saved as UTF-8) stay UTF-8.
        let utf8 = "<meta charset=gbk><h1>高新区招商</h1><p>本报讯 高新区5个项目签约落地。</p>";
        let d = decode_html(utf8.as_bytes(), None).unwrap();
        assert_eq!((d.decoded.encoding, d.hint.map(|h| h.used)), ("UTF-8", Some(false)));
    }

    #[test]
    fn a_declaration_is_no_way_around_the_binary_check() {
        let mut bytes = gbk_page("正文。", "gbk");
        bytes.extend_from_slice(&[0, 0, 0, 1, 2, 0xFF]);
        assert!(matches!(decode_html(&bytes, None), Err(SegmenterError::BinaryInput { .. })));
    }
}
