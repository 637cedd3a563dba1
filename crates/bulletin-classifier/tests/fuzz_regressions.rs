//! Inputs that once crashed the `model_load` fuzz target (`fuzz/regressions/model_load/`): model
//! payloads whose plugin state contradicts itself (count tables of the wrong size, counts that
//! overflow, a feature count asking for petabytes). Each must now load as a typed error.

use std::path::PathBuf;

use bulletin_classifier::{ClassifierError, Model, Registry};

#[test]
fn payloads_that_crashed_the_fuzzer_are_refused_with_a_typed_error() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/model_load");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 4, "regression inputs missing from {}", dir.display());
    for file in files {
        let payload = std::fs::read(&file).unwrap();
        // The fuzz target seals the input into a valid envelope, so the payload reaches the decoder.
        let result = Model::from_bytes(&bulletin_core::envelope::seal(&payload), &Registry::default());
        assert!(matches!(result, Err(ClassifierError::Payload { .. })), "{}: {result:?}", file.display());
    }
}
