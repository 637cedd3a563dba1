//! Bytes to text: BOM, UTF-16 and charset detection.
//!
//! Order of evidence, strongest first:
//!
//! 1. a forced WHATWG label (`gbk`, `big5`, `utf-16le`, …): used as is, a BOM of that encoding is
//!    removed, and a single malformed sequence is an error;
//! 2. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE): removed and obeyed;
//! 3. NUL bytes: in text they only come from UTF-16 code units of ASCII characters (`\n`, digits,
//!    `#`, spaces), so they sit on odd positions (little endian) or even ones (big endian). When
//!    at least 80 % of the NUL bytes share one parity (CJK characters such as 开, U+5F00, put a
//!    few on the other one), at most 5 % of the other parity's bytes
//!    are NUL and a strict UTF-16 trial decode gives text without stray control characters, the
//!    input is BOM-less UTF-16; any other NUL byte makes the input [`BinaryInput`]. (A purely
//!    Chinese UTF-16 text without BOM, newline or digit has no NUL bytes and is not recognised.)
//! 4. valid UTF-8;
//! 5. chardetng's guess over the whole input (GBK, Big5, …), decoded by `encoding_rs`; more than
//!    1 % replaced characters is [`Undecodable`].
//!
//! [`BinaryInput`]: SegmenterError::BinaryInput
//! [`Undecodable`]: SegmenterError::Undecodable

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

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
    decode_checked(detection.encoding, rest, detection.bom_len > 0, tolerance)
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
        // download, `head -c`): chardetng would see the broken tail and rule UTF-8 out.
        Ok(_) => return detected(UTF_8),
        Err(e) if e.error_len().is_none() => return detected(UTF_8),
        Err(_) => {}
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    // Not `last` unless it is: a character cut by the end of the chunk must not count against
    // the right encoding (it would make GBK lose to windows-1252).
    detector.feed(prefix, eof);
    detected(detector.guess(None, Utf8Detection::Allow))
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

/// Decodes `bytes` with `encoding`, counting malformed sequences.
fn decode_checked(encoding: &'static Encoding, bytes: &[u8], had_bom: bool, tolerance: Tolerance) -> Result<Decoded, SegmenterError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len()).max(4);
    let mut text = String::with_capacity(capacity);
    let mut replaced = 0usize;
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(rest.len().saturating_mul(3).max(16)),
            DecoderResult::Malformed(..) => {
                replaced += 1;
                text.push('\u{FFFD}');
            }
        }
    }
    if replaced > 0 {
        let total = text.chars().count();
        let too_many = match tolerance {
            Tolerance::None => true,
            Tolerance::OnePercent => replaced * 100 > total,
        };
        if too_many {
            return Err(SegmenterError::Undecodable { encoding: encoding.name(), replaced, total });
        }
    }
    Ok(Decoded { text, encoding: encoding.name(), had_bom })
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

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = decode(&bytes, None);
            let _ = decode(&bytes, Some("big5"));
            let _ = decode(&bytes, Some("utf-16be"));
        }
    }
}
