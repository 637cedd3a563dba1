//! Any bytes: decoding never panics, and splitting whatever decodes never panics and keeps
//! offsets inside the text.
#![no_main]

use bulletin_core::Granularity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let forced = match data.first() {
        Some(b) if b % 7 == 0 => Some("gbk"),
        Some(b) if b % 7 == 1 => Some("big5"),
        Some(b) if b % 7 == 2 => Some("utf-16le"),
        _ => None,
    };
    for decoded in [bulletin_segmenter::decode(data, None), bulletin_segmenter::decode(data, forced)].into_iter().flatten() {
        let chars = decoded.text.chars().count();
        for granularity in [Granularity::Article, Granularity::Paragraph] {
            for piece in bulletin_segmenter::split_page_with(&decoded.text, granularity) {
                assert!(piece.start <= piece.end && piece.end <= chars, "piece {}..{} outside {chars}", piece.start, piece.end);
            }
        }
    }
});
