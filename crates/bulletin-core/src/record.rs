//! Labelled records of the training and test corpora.

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// One labelled article, as stored one per line in the corpus' JSON Lines files.
///
/// ```json
/// {"id":"train-a-001","batch":"train-a","form":"news","zone":"桂林高新区","title":"…","text":"…",
///  "labels":["investment","financing"],"paragraph_labels":[["investment"],["financing"]]}
/// ```
///
/// `text` holds the article body only; section headings are lines starting with `## `.
/// `paragraph_labels`, when present, has one entry per non-empty line of `text` that is not a
/// section heading (see [`Record::paragraphs`]). `labels[0]` is the primary theme. Fields other
/// than `text` and `labels` are optional; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// Unique id of the record.
    #[serde(default)]
    pub id: String,
    /// Headline, without `#`.
    #[serde(default)]
    pub title: String,
    /// Article body.
    pub text: String,
    /// Theme ids, primary first.
    pub labels: Vec<String>,
    /// One label list per paragraph, when the record is labelled paragraph by paragraph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph_labels: Option<Vec<Vec<String>>>,
    /// The writing batch the record comes from (train and test never share one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// The form of the piece (`news`, `webnews`, `feature`, … as listed in `data/COVERAGE.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// The zone the piece is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// `traditional` for records written in traditional characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// `web` for text copied with its web-page surroundings, `clean` (or absent) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    /// The sub-topic code of `data/COVERAGE.md` (e.g. `OE-02`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// `tw` or `hk` for text in Taiwan or Hong Kong vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Record {
    /// A record with its id, title, body and labels; the optional fields are `None`.
    #[must_use]
    pub fn new(id: impl Into<String>, title: impl Into<String>, text: impl Into<String>, labels: Vec<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            text: text.into(),
            labels,
            paragraph_labels: None,
            batch: None,
            form: None,
            zone: None,
            script: None,
            noise: None,
            topic: None,
            region: None,
        }
    }

    /// Sets the per-paragraph labels (one list per [`paragraph`](Self::paragraphs)).
    #[must_use]
    pub fn with_paragraph_labels(mut self, paragraph_labels: Vec<Vec<String>>) -> Self {
        self.paragraph_labels = Some(paragraph_labels);
        self
    }

    /// Parses one JSON line.
    pub fn from_json(line: &str) -> Result<Self, CoreError> {
        serde_json::from_str(line).map_err(|e| CoreError::Record { reason: e.to_string() })
    }

    /// The paragraphs that `paragraph_labels` refers to: the non-empty lines of `text` that are
    /// not `## ` section headings, trimmed.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.lines().filter_map(|(line, is_paragraph)| is_paragraph.then_some(line))
    }

    /// Every non-empty line of `text`, trimmed, in order, with whether it is one of the
    /// [`paragraphs`](Self::paragraphs) (`false` for a `## ` section heading).
    pub fn lines(&self) -> impl Iterator<Item = (&str, bool)> {
        self.text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| (l, !is_section_heading(l)))
    }
}

/// The body of an article rebuilt from its paragraphs, each with the section it sits under (as
/// the page splitter gives them at paragraph granularity): a section's heading is a line of its
/// own before its first paragraph, `## `-marked with `markers` (the corpus schema, so that
/// `paragraph_labels` line up with [`Record::paragraphs`]) or plain without (the article text
/// the splitter gives at article granularity).
///
/// ```
/// let body = bulletin_core::article_text([(None, "导语。"), (Some("项目"), "签约。"), (Some("项目"), "开工。")], true);
/// assert_eq!(body, "导语。\n## 项目\n签约。\n开工。");
/// ```
pub fn article_text<'a>(paragraphs: impl IntoIterator<Item = (Option<&'a str>, &'a str)>, markers: bool) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut section: Option<&str> = None;
    for (s, paragraph) in paragraphs {
        if s != section {
            section = s;
            if let Some(s) = section {
                lines.push(if markers { format!("## {s}") } else { s.to_owned() });
            }
        }
        lines.push(paragraph.to_owned());
    }
    lines.join("\n")
}

/// Whether a trimmed line is a `## ` section heading.
fn is_section_heading(line: &str) -> bool {
    line.starts_with("##")
}

/// One labelled paragraph of a paragraph-level test file (`{"id","text","labels"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParagraphRecord {
    /// Unique id.
    #[serde(default)]
    pub id: String,
    /// The paragraph.
    pub text: String,
    /// Theme ids, primary first.
    pub labels: Vec<String>,
    /// The form of the article the paragraph comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// `traditional` for paragraphs in traditional characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// `web` for text copied with its web-page surroundings, `clean` (or absent) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_skip_headings_and_blank_lines() {
        let r = Record::from_json(
            r#"{"title":"t","text":"第一段。\n## 小标题\n\n 第二段。 ","labels":["other"],"paragraph_labels":[["other"],["other"]]}"#,
        )
        .unwrap();
        assert_eq!(r.paragraphs().collect::<Vec<_>>(), ["第一段。", "第二段。"]);
        assert_eq!(r.lines().collect::<Vec<_>>(), [("第一段。", true), ("## 小标题", false), ("第二段。", true)]);
        assert_eq!(r.paragraph_labels.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn missing_text_is_a_record_error() {
        let err = Record::from_json(r#"{"id":"a","labels":["other"]}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `text`"), "{err}");
    }
}
