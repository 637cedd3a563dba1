//! Any bytes as a model file (raw, and sealed in a valid envelope): loading returns an error or a model, never panics; a model that
//! loads gives finite probabilities.
#![no_main]

use bulletin_classifier::{Model, Registry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let registry = Registry::default();
    // Raw bytes exercise the envelope checks; sealed bytes get past the checksum and exercise
    // the payload decoder and every plugin's state restore.
    for bytes in [data.to_vec(), bulletin_core::envelope::seal(data)] {
        if let Ok(model) = Model::from_bytes(&bytes, &registry) {
            let p = model.predict_log_proba(&[(0, 3), (7, 1)]);
            assert!(p.iter().all(|v| v.is_finite()));
        }
    }
});
