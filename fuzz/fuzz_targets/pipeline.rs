//! Any text: normalisation, segmentation and feature extraction never panic, and tokens cover
//! the normalised text in order.
#![no_main]

use std::sync::LazyLock;

use bulletin_core::PipelineSettings;
use bulletin_segmenter::Pipeline;
use libfuzzer_sys::fuzz_target;

static PIPELINE: LazyLock<Pipeline> = LazyLock::new(|| {
    let mut settings = PipelineSettings::default();
    settings.features.word_bigrams = true;
    settings.features.char_bigrams = true;
    Pipeline::new(&settings).expect("default settings build")
});

fuzz_target!(|data: &[u8]| {
    // Lossy, so mutated bytes still reach the pipeline instead of being skipped.
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let analysis = PIPELINE.analyze(text);
    let mut next = 0;
    for token in &analysis.tokens {
        assert_eq!(token.start, next, "tokens leave a gap or overlap");
        next = token.end;
    }
    assert_eq!(next, analysis.normalized.chars().count());
    let mut n = 0usize;
    PIPELINE.for_each_feature(text, text, |f| {
        assert!(!f.is_empty());
        n += 1;
    });
    let _ = n;
});
