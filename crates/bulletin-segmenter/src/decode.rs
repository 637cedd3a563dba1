//! Bytes to text: BOM, UTF-16 and the encodings a Chinese bulletin can be in.
//!
//! Order of evidence, strongest first:
//!
//! 1. a forced WHATWG label (`gbk`, `big5`, `utf-16le`, even `windows-1252`, …): used as is, a
//!    BOM of that encoding is removed, and a single malformed sequence is an error;
//! 2. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE): removed and obeyed;
//! 3. NUL bytes: in text they only come from UTF-16 code units of ASCII characters (`\n`, digits,
//!    `#`, spaces), so they sit on odd positions (little endian) or even ones (big endian). When
//!    at least 80 % of the NUL bytes share one parity (CJK characters such as 开, U+5F00, put a
//!    few on the other one), at most 5 % of the other parity's bytes
//!    are NUL and a strict UTF-16 trial decode gives text without stray control characters, the
//!    input is BOM-less UTF-16; any other NUL byte makes the input [`BinaryInput`]. (A purely
//!    Chinese UTF-16 text without BOM, newline or digit has no NUL bytes and is not recognised.)
//! 4. UTF-8, when at most 1 % of the characters it decodes are replacements and it decodes at
//!    least ten well-formed non-ASCII characters per replacement (a stray byte in a UTF-8 page
//!    does not make it something else; a mostly-ASCII GBK page is not UTF-8);
//! 5. otherwise GB18030 (labelled `GBK` unless it holds four-byte sequences, i.e. characters
//!    outside GBK) or Big5: the one with fewer malformed sequences, chardetng's statistics
//!    deciding between the two when it names one of them (Big5 text is nearly always valid GBK
//!    too). A Latin single-byte encoding, which decodes nearly any bytes into mojibake, is never
//!    chosen unless forced.
//!
//! A detected encoding tolerates a few malformed sequences, each replaced by U+FFFD and counted
//! in [`Decoded::replaced`] with the first one's byte offset: the text is [`Undecodable`] when
//! more than 1 % of its characters are replacements ([`too_damaged`]). It is [`Implausible`] when
//! its non-ASCII characters are mostly not CJK characters, CJK punctuation or full-width forms
//! ([`check_plausible`]): what a wrong decoding (mojibake) looks like.
//!
//! [`BinaryInput`]: SegmenterError::BinaryInput
//! [`Undecodable`]: SegmenterError::Undecodable
//! [`Implausible`]: SegmenterError::Implausible

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{BIG5, DecoderResult, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

use crate::SegmenterError;

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// The text, without BOM.
    pub text: String,
    /// The encoding used, by its `encoding_rs` name: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `GBK`,
    /// `gb18030`, `Big5`, …
    pub encoding: &'static str,
    /// Whether the input started with a byte-order mark (removed from `text`).
    pub had_bom: bool,
    /// Malformed byte sequences replaced by U+FFFD (tolerated: at most 1 % of the characters).
    pub replaced: usize,
    /// Byte offset in the input of the first malformed sequence, when there is one.
    pub first_replaced_at: Option<usize>,
}

/// Decodes a page. `forced` is a WHATWG encoding label that overrides detection.
///
/// ```
/// # fn main() -> Result<(), bulletin_segmenter::SegmenterError> {
/// use bulletin_segmenter::decode;
///
/// let gbk = [0xB8, 0xDF, 0xD0, 0xC2, 0xC7, 0xF8]; // 高新区 in GBK
/// assert_eq!(decode(&gbk, Some("gbk"))?.text, "高新区");
/// let utf16 = decode(&[0xFF, 0xFE, 0xD8, 0x9A, 0xB0, 0x65], None)?; // BOM, 高新 in UTF-16LE
/// assert_eq!((utf16.text.as_str(), utf16.encoding, utf16.had_bom), ("高新", "UTF-16LE", true));
/// assert!(decode(b"\x00\x01\x02\x03\x00\x00", None).is_err());
/// # Ok(())
/// # }
/// ```
pub fn decode(bytes: &[u8], forced: Option<&str>) -> Result<Decoded, SegmenterError> {
    let forced = forced
        .map(|label| {
            Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| SegmenterError::UnknownEncoding { label: label.to_owned() })
        })
        .transpose()?;
    let detection = detect_encoding(bytes, true, forced)?;
    let rest = bytes.get(detection.bom_len..).unwrap_or_default();
    if !is_utf16(detection.encoding) {
        reject_nul(rest, detection.bom_len)?;
    }
    let tolerance = if detection.strict { Tolerance::None } else { Tolerance::OnePercent };
    let decoded = decode_checked(detection.encoding, rest, detection.bom_len, tolerance)?;
    if !detection.strict {
        check_plausible(&decoded.text, detection.encoding)?;
    }
    Ok(decoded)
}

/// How an input is to be decoded, decided by [`detect_encoding`] from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Detection {
    /// The encoding to decode with.
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark to skip (0 when there is none).
    pub bom_len: usize,
    /// A forced encoding: a single malformed sequence makes the input undecodable (otherwise
    /// more than 1 % replaced characters does).
    pub strict: bool,
}

/// Decides the encoding of an input from its first bytes, by the rules in the module docs.
///
/// `eof` says whether `prefix` is the whole input: a streaming reader calls this on its first
/// chunk, whose last character or UTF-16 code unit may be cut off. `forced` overrides detection.
/// NUL bytes after the prefix, and in inputs whose BOM or forced encoding is not UTF-16, are the
/// caller's to reject (as [`decode`] does).
pub fn detect_encoding(prefix: &[u8], eof: bool, forced: Option<&'static Encoding>) -> Result<Detection, SegmenterError> {
    let detected = |encoding| Ok(Detection { encoding, bom_len: 0, strict: false });
    if let Some(encoding) = forced {
        // A BOM of the forced encoding itself is removed; any other BOM is data (and will most
        // likely fail to decode, which is the point of forcing).
        let bom_len = match Encoding::for_bom(prefix) {
            Some((bom, len)) if bom == encoding => len,
            _ => 0,
        };
        return Ok(Detection { encoding, bom_len, strict: true });
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(prefix) {
        return Ok(Detection { encoding, bom_len, strict: false });
    }
    if prefix.is_empty() {
        return detected(UTF_8);
    }
    if let Some(first_nul) = prefix.iter().position(|&b| b == 0) {
        return match utf16_without_bom(prefix, eof) {
            Some(encoding) => detected(encoding),
            None => Err(SegmenterError::BinaryInput { offset: first_nul }),
        };
    }
    match std::str::from_utf8(prefix) {
        // Valid UTF-8, possibly cut inside its last character (by the end of a chunk, a truncated
        // download, `head -c`).
        Ok(_) => return detected(UTF_8),
        Err(e) if e.error_len().is_none() => return detected(UTF_8),
        Err(_) => {}
    }
    detected(best_chinese_encoding(prefix, eof))
}

/// The encoding of a prefix that is not valid UTF-8 (see the module docs, rules 4 and 5).
fn best_chinese_encoding(prefix: &[u8], eof: bool) -> &'static Encoding {
    let utf8 = trial_decode(UTF_8, prefix, eof);
    // A few bad bytes among many well-formed multi-byte characters: UTF-8 with a stray byte. A
    // mostly-ASCII GBK page has a few errors too, but next to no valid multi-byte character.
    if !too_damaged(utf8.replaced, utf8.chars) && utf8.non_ascii >= UTF8_EVIDENCE * utf8.replaced {
        return UTF_8;
    }
    let gb = trial_decode(GB18030, prefix, eof);
    let big5 = trial_decode(BIG5, prefix, eof);
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    // Not `last` unless it is: a character cut by the end of the chunk must not count against
    // the right encoding.
    detector.feed(prefix, eof);
    let statistics = detector.guess(None, Utf8Detection::Deny);
    let chinese = if statistics == BIG5 && big5.replaced <= gb.replaced {
        BIG5
    } else if (statistics == GBK || statistics == GB18030) && gb.replaced <= big5.replaced {
        GB18030
    } else if big5.replaced < gb.replaced {
        BIG5
    } else {
        GB18030
    };
    // UTF-8 with too many errors still wins over a Chinese encoding that does worse, so that
    // the error names the likeliest encoding.
    let best = if chinese == BIG5 { &big5 } else { &gb };
    if utf8.replaced * best.chars < best.replaced * utf8.chars {
        return UTF_8;
    }
    if chinese == GB18030 && !has_four_byte_gb18030(prefix) { GBK } else { chinese }
}

/// Well-formed non-ASCII characters UTF-8 needs per malformed sequence to be chosen despite them.
const UTF8_EVIDENCE: usize = 10;

/// What decoding a prefix gave: malformed sequences, characters, and non-ASCII characters.
struct Trial {
    replaced: usize,
    chars: usize,
    non_ascii: usize,
}

fn trial_decode(encoding: &'static Encoding, bytes: &[u8], eof: bool) -> Trial {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut buffer = [0u8; 4096];
    let (mut replaced, mut chars, mut non_ascii) = (0, 0, 0);
    let mut rest = bytes;
    loop {
        let (result, read, written) = decoder.decode_to_utf8_without_replacement(rest, &mut buffer, eof);
        rest = rest.get(read..).unwrap_or_default();
        let text = std::str::from_utf8(buffer.get(..written).unwrap_or_default()).unwrap_or_default();
        chars += text.chars().count();
        non_ascii += text.chars().filter(|c| !c.is_ascii()).count();
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => {
                replaced += 1;
                chars += 1;
            }
        }
    }
    Trial { replaced, chars, non_ascii }
}

/// Whether GB18030 bytes hold a four-byte sequence (a character outside GBK).
fn has_four_byte_gb18030(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match (b, bytes.get(i + 1)) {
            (0x81..=0xFE, Some(0x30..=0x39)) => return true,
            (0x81..=0xFE, Some(_)) => i += 2,
            _ => i += 1,
        }
    }
    false
}

/// The share of replacement characters beyond which a text, or one piece of it, is damaged.
pub const MAX_REPLACED_PERCENT: usize = 1;

/// Whether `replaced` replacement characters among `total` characters are more than
/// [`MAX_REPLACED_PERCENT`] of them.
#[must_use]
pub fn too_damaged(replaced: usize, total: usize) -> bool {
    replaced.saturating_mul(100) > total.saturating_mul(MAX_REPLACED_PERCENT)
}

/// Fewest non-ASCII characters on which [`check_plausible`] judges a text.
const PLAUSIBLE_MIN_CHARS: usize = 32;

/// Checks that a decoded text looks like Chinese (or ASCII) text: when it has at least 32
/// non-ASCII characters, at least half of them must be CJK characters (also kana and hangul),
/// CJK or general punctuation, full-width forms, common symbols (`·`, `°`, `×`, `①`, `■`, `℃`)
/// or whitespace. Mojibake (UTF-8 read as a Latin encoding, a wrong byte-order mark) fails.
/// Japanese and Korean fail too ([`SegmenterError::NotChinese`]): kana or hangul make up a tenth
/// or more of the non-ASCII characters.
pub fn check_plausible(text: &str, encoding: &'static Encoding) -> Result<(), SegmenterError> {
    let (mut non_ascii, mut plausible, mut kana, mut hangul) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii() && *c != '\u{FFFD}') {
        non_ascii += 1;
        plausible += usize::from(is_plausible(c));
        match u32::from(c) {
            // Kana, without the middle dot and the long-vowel mark that Chinese text borrows.
            0x3041..=0x30FA | 0x30FD..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            _ => {}
        }
    }
    if non_ascii < PLAUSIBLE_MIN_CHARS {
        return Ok(());
    }
    if plausible * 2 < non_ascii {
        return Err(SegmenterError::Implausible { encoding: encoding.name(), plausible: plausible * 100 / non_ascii });
    }
    for (count, language, script) in [(kana, "Japanese", "kana"), (hangul, "Korean", "hangul")] {
        if count * 10 >= non_ascii {
            return Err(SegmenterError::NotChinese { language, script, share: count * 100 / non_ascii });
        }
    }
    Ok(())
}

/// A non-ASCII character that Chinese text is made of.
fn is_plausible(c: char) -> bool {
    matches!(u32::from(c),
        0x3000..=0x303F // CJK symbols and punctuation
        | 0x3040..=0x30FF // kana
        | 0x3100..=0x312F // bopomofo
        | 0x3200..=0x33FF // enclosed CJK, CJK compatibility
        | 0x3400..=0x4DBF // extension A
        | 0x4E00..=0x9FFF // unified ideographs
        | 0xAC00..=0xD7AF // hangul
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFE30..=0xFE4F // CJK compatibility forms
        | 0xFF00..=0xFFEF // half-width and full-width forms
        | 0x20000..=0x3FFFF // extensions B and later
        | 0x2000..=0x206F // general punctuation (“” … — ‰)
        | 0x2100..=0x218F // letterlike and number forms (℃ № Ⅰ)
        | 0x2190..=0x21FF // arrows
        | 0x2460..=0x24FF // enclosed alphanumerics (①)
        | 0x2500..=0x25FF // box drawing, geometric shapes (■ ●)
        | 0x2600..=0x26FF // symbols (★)
        | 0xA0 | 0xB0 | 0xB1 | 0xB7 | 0xD7 | 0xF7 | 0xFEFF)
        || c.is_whitespace()
}

/// Whether `encoding` is UTF-16 (whose text legitimately holds NUL bytes).
#[must_use]
pub fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

fn reject_nul(bytes: &[u8], base: usize) -> Result<(), SegmenterError> {
    match bytes.iter().position(|&b| b == 0) {
        Some(offset) => Err(SegmenterError::BinaryInput { offset: base + offset }),
        None => Ok(()),
    }
}

/// The UTF-16 variant that the NUL bytes point to, confirmed by a strict trial decode (of a
/// prefix whose last code unit may be cut off unless `eof`).
fn utf16_without_bom(bytes: &[u8], eof: bool) -> Option<&'static Encoding> {
    if eof && bytes.len() % 2 != 0 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in bytes.chunks_exact(2) {
        if let [even, odd] = pair {
            even_nul += usize::from(*even == 0);
            odd_nul += usize::from(*odd == 0);
        }
    }
    let half = bytes.len() / 2;
    let concentrated = |on: usize, off: usize| on * 100 >= (on + off) * 80 && off * 100 <= half * 5;
    let encoding = if concentrated(odd_nul, even_nul) {
        UTF_16LE
    } else if concentrated(even_nul, odd_nul) {
        UTF_16BE
    } else {
        return None;
    };
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(decoder.max_utf8_buffer_length_without_replacement(bytes.len())?);
    let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut text, eof);
    let plausible = text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    (result == DecoderResult::InputEmpty && plausible).then_some(encoding)
}

#[derive(Clone, Copy)]
enum Tolerance {
    /// Any replacement is an error (forced encodings).
    None,
    /// More than 1 % replaced characters is an error (detected encodings).
    OnePercent,
}

/// Decodes `bytes` (which follow a BOM of `bom_len` bytes) with `encoding`, counting malformed
/// sequences.
fn decode_checked(encoding: &'static Encoding, bytes: &[u8], bom_len: usize, tolerance: Tolerance) -> Result<Decoded, SegmenterError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len()).max(4);
    let mut text = String::with_capacity(capacity);
    let mut replaced = 0usize;
    let mut first_replaced_at = None;
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        let consumed = bytes.len() - rest.len() + read;
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(rest.len().saturating_mul(3).max(16)),
            DecoderResult::Malformed(bad, after) => {
                replaced += 1;
                first_replaced_at.get_or_insert(bom_len + consumed.saturating_sub(usize::from(bad) + usize::from(after)));
                text.push('\u{FFFD}');
            }
        }
    }
    if replaced > 0 {
        let total = text.chars().count();
        let too_many = match tolerance {
            Tolerance::None => true,
            Tolerance::OnePercent => too_damaged(replaced, total),
        };
        if too_many {
            return Err(SegmenterError::Undecodable { encoding: encoding.name(), replaced, total });
        }
    }
    Ok(Decoded { text, encoding: encoding.name(), had_bom: bom_len > 0, replaced, first_replaced_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = (if bom { "\u{FEFF}" } else { "" }).encode_utf16().chain(text.encode_utf16());
        for unit in units {
            out.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        out
    }

    const PAGE: &str = "# 高新区招商引资开门红\n本报讯 3月5日，5个项目签约落地，总投资11.7亿元。\n";

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode(PAGE.as_bytes(), None).unwrap();
        assert_eq!((plain.text.as_str(), plain.encoding, plain.had_bom), (PAGE, "UTF-8", false));
        let with_bom = [b"\xEF\xBB\xBF", PAGE.as_bytes()].concat();
        let bom = decode(&with_bom, None).unwrap();
        assert_eq!((bom.text.as_str(), bom.encoding, bom.had_bom), (PAGE, "UTF-8", true));
    }

    /// Regression: a UTF-8 page cut inside its last character was guessed as windows-1252.
    #[test]
    fn utf8_cut_inside_its_last_character_is_still_utf8() {
        let page = PAGE.repeat(20);
        let cut = &page.as_bytes()[..page.len() - 2];
        let decoded = decode(cut, None).unwrap();
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.text.starts_with("# 高新区招商引资开门红"));
        assert_eq!(decoded.text.chars().filter(|&c| c == '\u{FFFD}').count(), 1);
    }

    #[test]
    fn utf16_both_orders_with_and_without_bom() {
        for big_endian in [false, true] {
            for bom in [false, true] {
                let d = decode(&utf16(PAGE, big_endian, bom), None).unwrap();
                assert_eq!(d.text, PAGE);
                assert_eq!(d.encoding, if big_endian { "UTF-16BE" } else { "UTF-16LE" });
                assert_eq!(d.had_bom, bom);
            }
        }
    }

    #[test]
    fn gbk_and_big5_are_detected() {
        let (gbk, _, _) = encoding_rs::GBK.encode(PAGE);
        let d = decode(&gbk, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (PAGE, "GBK"));
        let traditional = "# 高新區招商引資開門紅\n本報訊 3月5日，5個項目簽約落地，總投資11.7億元，產業鏈招商成效顯著。\n";
        let (big5, _, unmappable) = encoding_rs::BIG5.encode(traditional);
        assert!(!unmappable);
        let d = decode(&big5, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (traditional, "Big5"));
    }

    #[test]
    fn forced_labels() {
        let (gbk, _, _) = encoding_rs::GBK.encode(PAGE);
        assert_eq!(decode(&gbk, Some(" GBK ")).unwrap().text, PAGE);
        assert_eq!(decode(&gbk, Some("gb18030")).unwrap().encoding, "gb18030");
        let err = decode(&gbk, Some("klingon")).unwrap_err();
        assert!(matches!(&err, SegmenterError::UnknownEncoding { label } if label == "klingon"), "{err}");
        // Forcing is strict: one bad sequence is enough.
        let err = decode(&gbk, Some("utf-8")).unwrap_err();
        assert!(matches!(err, SegmenterError::Undecodable { encoding: "UTF-8", .. }), "{err}");
        assert_eq!(decode(&utf16(PAGE, false, true), Some("utf-16le")).unwrap().text, PAGE);
    }

    #[test]
    fn binary_and_empty_input() {
        assert!(matches!(decode(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", None), Err(SegmenterError::BinaryInput { offset: 5 })));
        assert!(matches!(decode(b"abc\x00\x00x", None), Err(SegmenterError::BinaryInput { offset: 3 })));
        assert!(matches!(decode(b"\x00\x00\x00\x00\x01\x00", None), Err(SegmenterError::BinaryInput { offset: 0 })));
        assert!(matches!(decode(b"\xEF\xBB\xBFa\x00", None), Err(SegmenterError::BinaryInput { offset: 4 })));
        assert!(matches!(decode(b"abcd", Some("gbk")), Ok(Decoded { .. })));
        assert!(matches!(decode(b"ab\x00d", Some("gbk")), Err(SegmenterError::BinaryInput { offset: 2 })));
        let empty = decode(b"", None).unwrap();
        assert_eq!((empty.text.as_str(), empty.encoding), ("", "UTF-8"));
    }

    #[test]
    fn a_bom_that_lies_is_undecodable() {
        // A UTF-8 BOM in front of GBK bytes: the BOM wins, and most characters fail.
        let (gbk, _, _) = encoding_rs::GBK.encode(PAGE);
        let err = decode(&[b"\xEF\xBB\xBF", &gbk[..]].concat(), None).unwrap_err();
        assert!(matches!(err, SegmenterError::Undecodable { encoding: "UTF-8", replaced, total } if replaced * 100 > total), "{err}");
        // One bad sequence in a long text is tolerated (under 1 %) when detected, not when forced.
        let mut long = [b"\xEF\xBB\xBF", PAGE.repeat(10).as_bytes()].concat();
        long.push(0xFF);
        assert!(decode(&long, None).unwrap().text.ends_with('\u{FFFD}'));
        assert!(decode(&long, Some("utf-8")).is_err());
    }

    /// Regression: one stray byte in a UTF-8 page made chardetng pick windows-1252, which
    /// turned every character into mojibake without an error.
    #[test]
    fn a_stray_byte_in_utf8_is_tolerated_and_reported() {
        let page = PAGE.repeat(10);
        let at = page.find('本').unwrap();
        let mut bytes = page.as_bytes().to_vec();
        bytes.insert(at, 0xE9);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, d.replaced, d.first_replaced_at), ("UTF-8", 1, Some(at)));
        assert_eq!(d.text.replacen('\u{FFFD}', "", 1), page);
    }

    #[test]
    fn a_bad_sequence_in_gbk_is_tolerated_and_reported() {
        let page = PAGE.repeat(10);
        let (gbk, _, _) = encoding_rs::GBK.encode(&page);
        let mut bytes = gbk.into_owned();
        let at = bytes.len() / 2 + 1; // a byte pair boundary is not needed: the decoder resyncs
        bytes.splice(at..at, [0xFF]);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, d.replaced, d.first_replaced_at), ("GBK", 1, Some(at)), "{}", d.text);
        assert!(d.text.contains("高新区招商引资开门红"));
    }

    /// A mostly-ASCII GBK page has under 1 % of UTF-8 errors but no valid multi-byte UTF-8
    /// character: it is GBK, not UTF-8 with replacements.
    #[test]
    fn mostly_ascii_gbk_is_gbk() {
        let page = format!("{}高新区 Zone news.\n", "Suzhou New District report, 2024 edition. ".repeat(40));
        let (gbk, _, _) = encoding_rs::GBK.encode(&page);
        let d = decode(&gbk, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.replaced), (page.as_str(), "GBK", 0));
    }

    #[test]
    fn gb18030_with_characters_outside_gbk_is_labelled_gb18030() {
        // 𠀀 (U+20000) and € are four-byte sequences in GB18030.
        let page = format!("{PAGE}# 𠀀字与欧元符号\n价格为100€。\n");
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&page);
        assert!(!unmappable);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.replaced), (page.as_str(), "gb18030", 0));
        // GBK's decoder is GB18030's (WHATWG): a page labelled GBK decodes four-byte sequences too.
        assert_eq!(encoding_rs::GBK.decode_without_bom_handling(&bytes).0, page);
    }

    #[test]
    fn latin_encodings_are_never_guessed() {
        // High bytes that windows-1252 decodes to letters, GBK and Big5 to errors or nonsense.
        let bytes: Vec<u8> = b"Caf\xE9 cr\xE8me br\xFBl\xE9e, na\xEFve r\xE9sum\xE9. ".repeat(20);
        let err = decode(&bytes, None).unwrap_err();
        assert!(matches!(err, SegmenterError::Undecodable { .. } | SegmenterError::Implausible { .. }), "{err}");
        // Forcing it is allowed, and then it is trusted.
        assert!(decode(&bytes, Some("windows-1252")).unwrap().text.starts_with("Café crème"));
    }

    #[test]
    fn mojibake_is_implausible() {
        // UTF-8 Chinese read as windows-1252 and saved again as UTF-8: valid UTF-8, no Chinese.
        let page = PAGE.repeat(3);
        let (mojibake, _, _) = encoding_rs::WINDOWS_1252.decode(page.as_bytes());
        let err = decode(mojibake.as_bytes(), None).unwrap_err();
        assert!(matches!(err, SegmenterError::Implausible { encoding: "UTF-8", .. }), "{err}");
        assert!(err.to_string().contains("does not look like Chinese text"), "{err}");
        // Short or ASCII-heavy text is not judged; forcing skips the check.
        assert!(decode("Zürich café".as_bytes(), None).is_ok());
        assert!(decode(mojibake.as_bytes(), Some("utf-8")).is_ok());
        assert!(check_plausible(&PAGE.repeat(3), UTF_8).is_ok());
    }

    #[test]
    fn japanese_and_korean_are_not_chinese() {
        let japanese = "高新区では、企業の研究開発を支援するため、新しい補助金制度を始めました。申請は来月から受け付けます。";
        let err = check_plausible(&japanese.repeat(2), UTF_8).unwrap_err();
        assert!(err.to_string().contains("looks like Japanese text"), "{err}");
        let korean = "하이테크 산업단지는 기업의 연구 개발을 지원하기 위해 새로운 보조금 제도를 시작했습니다.";
        let err = check_plausible(&korean.repeat(2), UTF_8).unwrap_err();
        assert!(err.to_string().contains("looks like Korean text"), "{err}");
        // Chinese text with a transliteration dot and a brand in katakana stays Chinese.
        let chinese = "比亚迪与丰田合作，“トヨタ”品牌的电池项目落户高新区，约翰·史密斯出席签约仪式，总投资62亿元。".repeat(3);
        assert!(check_plausible(&chinese, UTF_8).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = decode(&bytes, None);
            let _ = decode(&bytes, Some("big5"));
            let _ = decode(&bytes, Some("utf-16be"));
        }
    }
}
