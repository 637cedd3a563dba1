//! Themes and the taxonomy that orders them.

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// Position of a theme in its [`Taxonomy`] (0-based, taxonomy order).
///
/// Models, scores and confusion matrices index themes by this number, so the taxonomy's
/// order is the order in which every output lists them.
pub type ThemeIndex = usize;

/// One theme a model can assign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    id: String,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    definition: String,
}

impl Theme {
    /// Creates a theme. `id` is the machine name printed in JSON (`investment`).
    #[must_use]
    pub fn new(id: impl Into<String>, name_zh: impl Into<String>, name_en: impl Into<String>, definition: impl Into<String>) -> Self {
        Self { id: id.into(), name_zh: name_zh.into(), name_en: name_en.into(), definition: definition.into() }
    }
    /// The machine name, e.g. `investment`.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The Chinese name shown to readers, e.g. `招商引资`.
    #[must_use]
    pub fn name_zh(&self) -> &str {
        &self.name_zh
    }
    /// The English name, e.g. `Investment attraction`.
    #[must_use]
    pub fn name_en(&self) -> &str {
        &self.name_en
    }
    /// A one-paragraph definition for annotators and users.
    #[must_use]
    pub fn definition(&self) -> &str {
        &self.definition
    }
}

/// The ordered set of themes a model tells apart, with one fallback theme (`other`) that
/// abstentions fall back to and that is never reported as a secondary tag.
///
/// Invariants (checked by every constructor): at least two themes, unique non-empty ids made of
/// ASCII letters, digits, `-` and `_`, and a fallback that is one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    name: String,
    version: u32,
    themes: Vec<Theme>,
    fallback: ThemeIndex,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    name: String,
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    fallback: Option<String>,
    theme: Vec<Theme>,
}

const fn one() -> u32 {
    1
}

/// The project taxonomy, `data/themes.toml`, compiled in.
const BUILTIN_THEMES: &str = include_str!("../../../data/themes.toml");

impl Taxonomy {
    /// Builds a taxonomy from themes in order; `fallback` names the catch-all theme.
    pub fn new(name: impl Into<String>, version: u32, themes: Vec<Theme>, fallback: &str) -> Result<Self, CoreError> {
        let invalid = |reason: String| CoreError::Taxonomy { reason };
        if themes.len() < 2 {
            return Err(invalid(format!("a taxonomy needs at least two themes, found {}", themes.len())));
        }
        for (i, theme) in themes.iter().enumerate() {
            let id = theme.id();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(invalid(format!("theme id `{id}` must be non-empty ASCII letters, digits, `-` or `_`")));
            }
            if themes[..i].iter().any(|t| t.id() == id) {
                return Err(invalid(format!("theme id `{id}` appears twice")));
            }
        }
        let fallback = themes
            .iter()
            .position(|t| t.id() == fallback)
            .ok_or_else(|| invalid(format!("the fallback theme `{fallback}` is not one of the themes")))?;
        Ok(Self { name: name.into(), version, themes, fallback })
    }

    /// Parses a `themes.toml` document: top-level `name`, optional `version` and `fallback`
    /// (default `other`), and one `[[theme]]` table per theme with `id`, `name_zh`, `name_en`
    /// and `definition`.
    pub fn from_toml(text: &str) -> Result<Self, CoreError> {
        let file: TaxonomyFile = toml::from_str(text).map_err(|e| CoreError::Taxonomy { reason: e.to_string().trim().to_owned() })?;
        let fallback = file.fallback.as_deref().unwrap_or("other");
        Self::new(file.name, file.version, file.theme, fallback)
    }

    /// The project's own taxonomy (`data/themes.toml`): `investment`, `hightech`, `financing`,
    /// `transfer` and `other`.
    ///
    /// # Panics
    ///
    /// Never: the embedded file is checked by this crate's tests.
    #[must_use]
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_THEMES).expect("the embedded data/themes.toml is valid")
    }

    /// The taxonomy's name, e.g. `zone-news-themes`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The taxonomy's version number.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Themes in taxonomy order.
    #[must_use]
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }
    /// Number of themes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.themes.len()
    }
    /// Always false: a taxonomy has at least two themes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }
    /// Theme ids in taxonomy order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.themes.iter().map(Theme::id)
    }
    /// The theme at `index`, if any.
    #[must_use]
    pub fn theme(&self, index: ThemeIndex) -> Option<&Theme> {
        self.themes.get(index)
    }
    /// The theme with this id, if any.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Theme> {
        self.index_of(id).map(|i| &self.themes[i])
    }
    /// The position of the theme with this id, if any.
    #[must_use]
    pub fn index_of(&self, id: &str) -> Option<ThemeIndex> {
        self.themes.iter().position(|t| t.id() == id)
    }
    /// The catch-all theme's position (`other` in the built-in taxonomy).
    #[must_use]
    pub fn fallback(&self) -> ThemeIndex {
        self.fallback
    }
    /// Resolves a theme id, or fails with [`CoreError::UnknownTheme`] listing the valid ones.
    pub fn resolve(&self, id: &str) -> Result<ThemeIndex, CoreError> {
        self.index_of(id).ok_or_else(|| CoreError::UnknownTheme { theme: id.to_owned(), valid: self.ids().map(str::to_owned).collect() })
    }
    /// Resolves a list of labels, keeping their order (the first is the primary label).
    pub fn resolve_labels<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<ThemeIndex>, CoreError> {
        labels.iter().map(|l| self.resolve(l.as_ref())).collect()
    }
}

impl Default for Taxonomy {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_taxonomy_lists_the_five_themes_in_order() {
        let t = Taxonomy::builtin();
        assert_eq!(t.ids().collect::<Vec<_>>(), ["investment", "hightech", "financing", "transfer", "other"]);
        let zh: Vec<_> = t.themes().iter().map(Theme::name_zh).collect();
        assert_eq!(zh, ["招商引资", "高企培育", "科技金融", "成果转化", "其他"]);
        assert_eq!(t.fallback(), 4);
        assert!(t.themes().iter().all(|th| !th.definition().is_empty() && !th.name_en().is_empty()));
    }

    #[test]
    fn unknown_label_lists_valid_themes() {
        let err = Taxonomy::builtin().resolve("tourism").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`tourism`") && msg.contains("investment, hightech, financing, transfer, other"), "{msg}");
    }

    #[test]
    fn rejects_duplicate_ids_missing_fallback_and_bad_toml() {
        let dup = "name='t'\n[[theme]]\nid='a'\nname_zh='甲'\nname_en='A'\n[[theme]]\nid='a'\nname_zh='乙'\nname_en='B'\n";
        assert!(Taxonomy::from_toml(dup).unwrap_err().to_string().contains("appears twice"));
        let no_other = "name='t'\n[[theme]]\nid='a'\nname_zh='甲'\nname_en='A'\n[[theme]]\nid='b'\nname_zh='乙'\nname_en='B'\n";
        assert!(Taxonomy::from_toml(no_other).unwrap_err().to_string().contains("fallback"));
        let ok = format!("{no_other}fallback='b'\n").replace("name='t'\n", "name='t'\nfallback='b'\n");
        let ok = ok.trim_end_matches("fallback='b'\n");
        assert_eq!(Taxonomy::from_toml(ok).unwrap().fallback(), 1);
        assert!(matches!(Taxonomy::from_toml("name = ["), Err(CoreError::Taxonomy { .. })));
        assert!(matches!(
            Taxonomy::from_toml("name='t'\n[[theme]]\nid='bad id'\nname_zh='x'\nname_en='x'\n"),
            Err(CoreError::Taxonomy { .. })
        ));
    }
}
