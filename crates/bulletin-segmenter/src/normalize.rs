//! Character normalisation before segmentation; the rules are documented on
//! [`Pipeline::normalize`](crate::Pipeline::normalize).

use std::borrow::Cow;

use bulletin_core::NormalizeSettings;
use ferrous_opencc::{OpenCC, config::BuiltinConfig};

use crate::SegmenterError;

/// The normalisation stage of a [`Pipeline`](crate::Pipeline).
pub(crate) struct Normalizer {
    settings: NormalizeSettings,
    t2s: Option<T2s>,
}

struct T2s {
    converter: OpenCC,
    /// One bit per BMP code point: set when t2s changes the character on its own.
    traditional: Box<[u64]>,
}

impl Normalizer {
    pub(crate) fn new(settings: &NormalizeSettings) -> Result<Self, SegmenterError> {
        let t2s = if settings.traditional_to_simplified {
            let converter = OpenCC::from_config(BuiltinConfig::T2s).map_err(|e| SegmenterError::Converter { source: Box::new(e) })?;
            let mut traditional = vec![0u64; 0x1_0000 / 64].into_boxed_slice();
            let mut buf = [0u8; 4];
            for c in ('\u{3400}'..='\u{9FFF}').chain('\u{F900}'..='\u{FAFF}') {
                let s: &str = c.encode_utf8(&mut buf);
                if converter.convert(s) != s {
                    let cp = c as usize;
                    if let Some(word) = traditional.get_mut(cp / 64) {
                        *word |= 1 << (cp % 64);
                    }
                }
            }
            Some(T2s { converter, traditional })
        } else {
            None
        };
        Ok(Self { settings: settings.clone(), t2s })
    }

    /// Whether `text` holds a character that only traditional script uses.
    #[cfg(test)]
    pub(crate) fn has_traditional(&self, text: &str) -> bool {
        text.chars().any(|c| self.is_traditional(c))
    }

    #[inline]
    fn is_traditional(&self, c: char) -> bool {
        let cp = c as usize;
        self.t2s.as_ref().is_some_and(|t2s| t2s.traditional.get(cp / 64).is_some_and(|word| word & (1 << (cp % 64)) != 0))
    }

    /// One scan finds both the first char a character rule changes and whether the text holds
    /// traditional characters; CJK ideographs, the bulk of the text, take one range check and
    /// one bit test.
    pub(crate) fn normalize<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let check_traditional = self.t2s.is_some();
        let mut first_change = None;
        for (i, c) in text.char_indices() {
            if matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}') {
                if check_traditional && self.is_traditional(c) {
                    return self.convert_traditional(text);
                }
            } else if first_change.is_none() && map_char(&self.settings, c).is_some() {
                first_change = Some(i);
                if !check_traditional {
                    break;
                }
            }
        }
        match first_change {
            Some(i) => Cow::Owned(map_from(&self.settings, text, i)),
            None => Cow::Borrowed(text),
        }
    }

    fn convert_traditional<'a>(&self, text: &str) -> Cow<'a, str> {
        let converted = self.t2s.as_ref().map_or_else(|| text.to_owned(), |t2s| t2s.converter.convert(text));
        match self.map_chars(&converted) {
            Cow::Borrowed(_) => Cow::Owned(converted),
            Cow::Owned(mapped) => Cow::Owned(mapped),
        }
    }

    /// The one-to-one character rules; borrowed when nothing changes.
    pub(crate) fn map_chars<'a>(&self, text: &'a str) -> Cow<'a, str> {
        map_chars(&self.settings, text)
    }
}

/// The one-to-one character rules of `settings` (full-width to half-width, punctuation variants,
/// ASCII case) applied to `text`; borrowed when nothing changes. No t2s: this needs no converter,
/// so the splitter can use it too.
pub(crate) fn map_chars<'a>(settings: &NormalizeSettings, text: &'a str) -> Cow<'a, str> {
    match text.char_indices().find(|&(_, c)| map_char(settings, c).is_some()) {
        Some((i, _)) => Cow::Owned(map_from(settings, text, i)),
        None => Cow::Borrowed(text),
    }
}

/// `text` with the character rules applied, knowing nothing changes before byte `first`.
fn map_from(settings: &NormalizeSettings, text: &str, first: usize) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(text.get(..first).unwrap_or_default());
    let rest = text.get(first..).unwrap_or_default();
    let mut copied = 0;
    for (i, c) in rest.char_indices() {
        if let Some(mapped) = map_char(settings, c) {
            out.push_str(rest.get(copied..i).unwrap_or_default());
            out.push(mapped);
            copied = i + c.len_utf8();
        }
    }
    out.push_str(rest.get(copied..).unwrap_or_default());
    out
}

#[inline]
fn map_char(s: &NormalizeSettings, c: char) -> Option<char> {
    if matches!(c, '\u{4E00}'..='\u{9FFF}') {
        return None;
    }
    if c.is_ascii() {
        return (s.lowercase_ascii && c.is_ascii_uppercase()).then(|| c.to_ascii_lowercase());
    }
    if s.unify_punctuation {
        match c {
            '「' | '『' | '‘' => return Some('“'),
            '」' | '』' | '’' => return Some('”'),
            '–' | '－' | '―' => return Some('—'),
            _ => {}
        }
    }
    if s.fullwidth_to_halfwidth {
        if c == '\u{3000}' {
            return Some(' ');
        }
        if ('\u{FF01}'..='\u{FF5E}').contains(&c) {
            let half = char::from_u32(c as u32 - 0xFEE0)?;
            return Some(if s.lowercase_ascii { half.to_ascii_lowercase() } else { half });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_on() -> Normalizer {
        Normalizer::new(&NormalizeSettings::default()).unwrap()
    }

    #[test]
    fn character_rules() {
        let n = all_on();
        assert_eq!(n.normalize("ＧＤＰ增长２２．８％，「新质生产力」—–－―\u{3000}Ab"), "gdp增长22.8%,“新质生产力”———— ab");
        assert!(matches!(n.normalize("高新区招商引资开门红。"), Cow::Borrowed(_)));
        assert!(matches!(n.normalize(""), Cow::Borrowed(_)));
    }

    #[test]
    fn traditional_only_when_present() {
        let n = all_on();
        assert!(n.has_traditional("高新區"));
        assert!(!n.has_traditional("高新区管委会召开招商引资推介会，发展新质生产力。"));
        assert_eq!(n.normalize("高新區管委會召開招商引資推介會「ＧＤＰ」"), "高新区管委会召开招商引资推介会“gdp”");
    }

    #[test]
    fn each_rule_can_be_switched_off() {
        let mut settings = NormalizeSettings::default();
        settings.traditional_to_simplified = false;
        settings.lowercase_ascii = false;
        settings.unify_punctuation = false;
        let n = Normalizer::new(&settings).unwrap();
        assert_eq!(n.normalize("高新區ＧＤＰ「」"), "高新區GDP「」");
        settings.fullwidth_to_halfwidth = false;
        let n = Normalizer::new(&settings).unwrap();
        assert!(matches!(n.normalize("高新區ＧＤＰ「」"), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        #[test]
        fn character_rules_keep_the_char_count(text in "\\PC{0,40}") {
            let mut settings = NormalizeSettings::default();
            settings.traditional_to_simplified = false;
            let n = Normalizer::new(&settings).unwrap();
            proptest::prop_assert_eq!(n.normalize(&text).chars().count(), text.chars().count());
        }
    }
}
