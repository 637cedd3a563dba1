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

/// Declares a JSON Lines wire struct: the piece fields every `split`, `segment` and `classify`
/// record starts with, then the command's own fields. (`serde(flatten)` would share the piece
/// fields as one field, but cannot be combined with `deny_unknown_fields`.)
macro_rules! piece_line {
    ($(#[$attr:meta])* $vis:vis struct $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$attr])*
        #[serde(deny_unknown_fields)]
        $vis struct $name {
            $vis source: String,
            $vis encoding: String,
            $vis index: usize,
            $vis kind: String,
            $vis title: Option<String>,
            $vis byline: Option<String>,
            $vis credit: Option<String>,
            $vis text: String,
            $vis start: usize,
            $vis end: usize,
            $vis article_index: Option<usize>,
            $vis paragraph: Option<usize>,
            $vis section: Option<String>,
            $vis damaged: bool,
            $($vis $field: $ty,)*
        }
    };
}

piece_line! {
    /// One JSON line of `split`: the wire format written down a second time, apart from the
    /// binary's own writer types.
    #[derive(Debug, Deserialize, PartialEq)]
    pub struct SplitLine {}
}
