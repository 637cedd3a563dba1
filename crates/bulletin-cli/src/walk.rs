//! Turning the paths of the command line into the inputs to read, as archives hold them.
//!
//! - `-` is standard input; a file is read as given, whatever its name (as ripgrep does with a
//!   file named on the command line);
//! - a directory is read recursively, in sorted order (entries of each directory by name, depth
//!   first, so `2023/01.txt` comes before `2023/02/a.txt` and `2024/…`), keeping the files that
//!   match the globs: `--glob` patterns when given, else the command's defaults (`*.txt`,
//!   `*.htm`, `*.html` for pages, `*.jsonl` for data). A pattern starting with `!` excludes;
//!   when every `--glob` excludes, the defaults still choose the files. Matching ignores case
//!   (`PAGE.HTM` is a page).
//! - hidden files and directories (names starting with `.`) are skipped silently, as are
//!   symbolic links met inside a directory (ripgrep's defaults; a link named on the command line
//!   is followed). `.gitignore` files mean nothing here.
//! - an entry that cannot be listed becomes an [`Source::Unreadable`] input at its place in the
//!   order: the command reports it and counts it as a failed input (exit code 3).
//!
//! `bulletin_core::outfile::OutFile` refuses an output anywhere inside a `--data` directory, at
//! any depth and with any name (a later `--glob` may pick any name up), which covers everything
//! this reading can return; it resolves links of the output's directory, and this reading does
//! not follow links inside a directory, so a directory linked from a data directory is neither
//! read nor protected.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ignore::WalkBuilder;
use ignore::overrides::{Override, OverrideBuilder};

/// Default globs of the commands that read pages.
pub const PAGE_GLOBS: &[&str] = &["*.txt", "*.htm", "*.html"];
/// Default globs of the commands that read labelled records (and of `--input-format records`).
pub const DATA_GLOBS: &[&str] = &["*.jsonl"];

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`, or no path at all for page commands).
    Stdin,
    /// A file, as given or as found in a directory.
    File(PathBuf),
    /// A directory entry that could not be listed, with the reason.
    Unreadable(PathBuf, String),
}

impl Source {
    /// The name printed in messages and in the `source` field: the path, `-` for stdin.
    pub fn name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(p) | Self::Unreadable(p, _) => p.display().to_string(),
        }
    }

    /// The error of an unreadable entry.
    pub fn error(&self) -> Option<anyhow::Error> {
        match self {
            Self::Unreadable(path, reason) => Some(anyhow::anyhow!("cannot read {}: {reason}", path.display())),
            _ => None,
        }
    }
}

/// Expands `paths` (see the module docs) with `globs`, or `defaults` when no `--glob` includes.
pub fn expand(paths: &[PathBuf], globs: &[String], defaults: &[&str]) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
        } else if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            walk_dir(path, globs, defaults, &mut sources)?;
        } else {
            // Missing or unreadable files are the reader's to report, at their place.
            sources.push(Source::File(path.clone()));
        }
    }
    Ok(sources)
}

/// The override matcher of `globs` for a walk rooted at `root`.
fn matcher(root: &Path, globs: &[String], defaults: &[&str]) -> Result<Override> {
    let mut builder = OverrideBuilder::new(root);
    builder.case_insensitive(true).context("invalid --glob")?;
    let includes = globs.iter().any(|g| !g.starts_with('!'));
    if !includes {
        for glob in defaults {
            builder.add(glob).context("invalid default glob")?;
        }
    }
    for glob in globs {
        builder.add(glob).with_context(|| format!("invalid --glob `{glob}`"))?;
    }
    builder.build().context("invalid --glob")
}

fn walk_dir(root: &Path, globs: &[String], defaults: &[&str], sources: &mut Vec<Source>) -> Result<()> {
    let walker = WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .follow_links(false)
        .overrides(matcher(root, globs, defaults)?)
        .sort_by_file_name(std::ffi::OsStr::cmp)
        // The walker lets a --glob match override its hidden-file rule; hidden entries stay out.
        .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."))
        .build();
    let before = sources.len();
    // A directory whose listing failed (injected by the tests: root can list anything).
    let mut failed: Option<PathBuf> = None;
    for entry in walker {
        match entry {
            Ok(entry) => {
                if failed.as_ref().is_some_and(|dir| entry.path().starts_with(dir)) {
                    continue;
                }
                let kind = entry.file_type();
                if kind.is_some_and(|t| t.is_dir()) {
                    if let Some(err) = bulletin_test_hooks::list_error(entry.path()) {
                        sources.push(Source::Unreadable(entry.path().to_owned(), err.to_string()));
                        failed = Some(entry.into_path());
                    }
                } else if entry.depth() > 0 && kind.is_some_and(|t| t.is_file()) {
                    sources.push(Source::File(entry.into_path()));
                }
            }
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| root.to_owned());
                sources.push(Source::Unreadable(path, io_reason(&err)));
            }
        }
    }
    if sources.len() == before {
        let patterns = if globs.iter().any(|g| !g.starts_with('!')) { globs.join(" ") } else { defaults.join(" ") };
        crate::report::warn(format_args!("{}: no file matching {patterns} in this directory", root.display()));
    }
    Ok(())
}

/// The path an `ignore` error is about.
fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

/// The reason of an `ignore` error without its path.
fn io_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            io_reason(err)
        }
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sources: &[Source], root: &Path) -> Vec<String> {
        sources
            .iter()
            .map(|s| match s {
                Source::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn directories_are_read_recursively_sorted_without_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["b.txt", "a.html", "2023/02/x.htm", "2023/01.TXT", "notes.md", ".hidden.txt", ".git/c.txt", "z/.d/e.txt"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let sources = expand(&[root.to_owned()], &[], PAGE_GLOBS).unwrap();
        assert_eq!(names(&sources, root), ["2023/01.TXT", "2023/02/x.htm", "a.html", "b.txt"]);
        let sources = expand(&[root.to_owned()], &["*.md".to_owned()], PAGE_GLOBS).unwrap();
        assert_eq!(names(&sources, root), ["notes.md"]);
        let sources = expand(&[root.to_owned()], &["!2023/**".to_owned()], PAGE_GLOBS).unwrap();
        assert_eq!(names(&sources, root), ["a.html", "b.txt"]);
        let sources = expand(&[root.join("notes.md"), PathBuf::from("-")], &[], PAGE_GLOBS).unwrap();
        assert_eq!(sources, [Source::File(root.join("notes.md")), Source::Stdin]);
    }

    #[test]
    fn a_bad_glob_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand(&[dir.path().to_owned()], &["a[".to_owned()], DATA_GLOBS).unwrap_err();
        assert!(format!("{err:#}").contains("invalid --glob `a[`"), "{err:#}");
    }
}
