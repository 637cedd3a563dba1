//! The streaming reader the CLI uses (`crates/bulletin-cli/src/input.rs`, included as a module)
//! against the whole-buffer path (`decode` + `split_page_with`): the first byte picks a chunk size
//! (4 to 1789 bytes), the rest is the input.
//!
//! - With detection and one chunk holding the whole input, both decide the same encoding and give
//!   the same pieces, or both fail.
//! - With the encoding the whole-buffer path detected, forced, and chunk boundaries anywhere
//!   (inside characters, between `\r` and `\n`, inside headings), the stream gives the pieces of
//!   the strict whole-buffer decode, or both fail.
#![no_main]

use bulletin_core::Granularity;
use bulletin_segmenter::split_page_with;
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/bulletin-cli/src/exit.rs"]
#[allow(dead_code)]
mod exit;
#[path = "../../crates/bulletin-cli/src/input.rs"]
#[allow(dead_code)]
mod input;

#[path = "../../crates/bulletin-cli/src/walk.rs"]
#[allow(dead_code)]
mod walk;
#[path = "../../crates/bulletin-cli/src/records.rs"]
#[allow(dead_code)]
mod records;

/// The CLI's stderr reporting, silenced.
#[allow(dead_code)]
mod report {
    pub fn error(_: &anyhow::Error) {}
    pub fn warn(_: impl std::fmt::Display) {}
    pub fn note(_: impl std::fmt::Display) {}
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else { return };
    let chunk = 4 + usize::from(first) * 7;
    for granularity in [Granularity::Article, Granularity::Paragraph] {
        let detect = input::InputConfig::new(&[], None, 1_000_000, false, granularity).unwrap();
        let whole = bulletin_segmenter::decode(bytes, None);
        match (&whole, input::stream_pieces(bytes, 1 << 20, &detect)) {
            (Ok(decoded), Ok((pieces, encoding))) => {
                assert_eq!(encoding, decoded.encoding);
                assert_eq!(pieces, split_page_with(&decoded.text, granularity), "one chunk, detected");
            }
            (Err(_), Err(_)) => {}
            (whole, streamed) => panic!("one chunk: whole {:?} but streamed {:?}", whole.as_ref().err(), streamed.err()),
        }
        let Ok(detected) = whole else { continue };
        let forced = input::InputConfig::new(&[], Some(detected.encoding.to_owned()), 1_000_000, false, granularity).unwrap();
        match (bulletin_segmenter::decode(bytes, Some(detected.encoding)), input::stream_pieces(bytes, chunk, &forced)) {
            (Ok(decoded), Ok((pieces, encoding))) => {
                assert_eq!(encoding, decoded.encoding);
                assert_eq!(pieces, split_page_with(&decoded.text, granularity), "chunks of {chunk}, forced {encoding}");
            }
            (Err(_), Err(_)) => {}
            (whole, streamed) => panic!("chunks of {chunk}: whole {:?} but streamed {:?}", whole.err(), streamed.err()),
        }
    }
});
