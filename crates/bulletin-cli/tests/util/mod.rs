//! Helpers shared by the end-to-end test binaries (`cli.rs`, `reliability.rs`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use serde::Deserialize;
use tempfile::TempDir;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A path as `&str` for argument lists.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A temporary directory with files written from `(name, contents)` pairs.
pub fn temp_with(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

/// A model trained once per test binary on the small fixture corpus (`tests/fixtures/corpus`).
pub fn tiny_model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bulletin-tiny-{}.bin", std::process::id()));
        let output = Command::cargo_bin("bulletin")
            .unwrap()
            .current_dir(root())
            .args(["train", "--data", s(&fixture("corpus")), "--out", s(&out)])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        out
    })
}

/// One JSON line of `split`: the wire format written down a second time, apart from the
/// binary's own writer types.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SplitLine {
    pub source: String,
    pub encoding: String,
    pub index: usize,
    pub kind: String,
    pub title: Option<String>,
    pub byline: Option<String>,
    pub credit: Option<String>,
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub article_index: Option<usize>,
    pub paragraph: Option<usize>,
    pub section: Option<String>,
}
