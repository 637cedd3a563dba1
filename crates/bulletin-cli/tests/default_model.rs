//! The shipped model is reproducible: the README's training command, run on the committed
//! corpus, produces `models/default.bin` byte for byte.

use std::path::PathBuf;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_default_model_is_what_the_readme_command_produces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default.bin");
    // The command as written in the README: `bulletin train --data data/train --out models/default.bin`.
    Command::cargo_bin("bulletin")
        .unwrap()
        .current_dir(root())
        .args(["train", "--data", "data/train", "--out"])
        .arg(&out)
        .assert()
        .success();
    let fresh = std::fs::read(&out).unwrap();
    let committed = std::fs::read(root().join("models/default.bin")).unwrap();
    assert!(
        fresh == committed,
        "models/default.bin is stale: retrain it with `bulletin train --data data/train --out models/default.bin` ({} vs {} bytes)",
        fresh.len(),
        committed.len()
    );
}
