//! Snapshots of `classify`'s table on `data/samples/page-1.txt` with the embedded default model,
//! at both granularities, plain (`--color never`) and coloured (`--color always`), as piped
//! output looks (tests capture stdout). Escape characters are written `␛` so the files read.
//!
//! A change to the table, to the sample or to `models/default.bin` changes them on purpose:
//! review the difference, then `UPDATE_EXPECT=1 cargo test -p bulletin-cli --test snapshots`.

use assert_cmd::Command;
use expect_test::{ExpectFile, expect_file};

#[allow(dead_code, unused_macros, reason = "shared with the other test binaries; this one needs only `root`")]
mod util;
use util::root;

fn table(granularity: &str, color: &str) -> String {
    let mut cmd = Command::cargo_bin("bulletin").unwrap();
    cmd.current_dir(root());
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "BULLETIN_MODEL", "BULLETIN_THREADS"] {
        cmd.env_remove(var);
    }
    let out = cmd.args(["classify", "-g", granularity, "--color", color, "data/samples/page-1.txt"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().replace('\u{1b}', "␛")
}

fn check(granularity: &str, color: &str, expected: &ExpectFile) {
    expected.assert_eq(&table(granularity, color));
}

#[test]
fn article_table_plain() {
    check("article", "never", &expect_file!["snapshots/classify-article.txt"]);
}

#[test]
fn article_table_coloured() {
    check("article", "always", &expect_file!["snapshots/classify-article-color.txt"]);
}

#[test]
fn paragraph_table_plain() {
    check("paragraph", "never", &expect_file!["snapshots/classify-paragraph.txt"]);
}

#[test]
fn paragraph_table_coloured() {
    check("paragraph", "always", &expect_file!["snapshots/classify-paragraph-color.txt"]);
}

/// Colour adds escape codes and nothing else: the coloured table without them is the plain one.
#[test]
fn colour_changes_nothing_but_colour() {
    for granularity in ["article", "paragraph"] {
        let coloured = table(granularity, "always");
        let mut stripped = String::new();
        let mut rest = coloured.as_str();
        while let Some(at) = rest.find('␛') {
            stripped.push_str(&rest[..at]);
            let after = &rest[at + '␛'.len_utf8()..];
            let end = after.find('m').expect("an SGR sequence ends with m");
            rest = &after[end + 1..];
        }
        stripped.push_str(rest);
        assert_eq!(stripped, table(granularity, "never"), "{granularity}");
    }
}
