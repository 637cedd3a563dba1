//! Everything `bulletin` writes to standard error goes through here: errors, warnings, notes
//! and the human summaries of `train`. Results go to standard output (see `output`).

use std::fmt::Display;

/// `bulletin: error: …`, with the whole context chain on one line.
#[expect(clippy::print_stderr, reason = "the CLI reports errors on stderr")]
pub fn error(err: &anyhow::Error) {
    eprintln!("bulletin: error: {err:#}");
}

/// `warning: …`
#[expect(clippy::print_stderr, reason = "the CLI reports warnings on stderr")]
pub fn warn(msg: impl Display) {
    eprintln!("warning: {msg}");
}

/// `note: …`
#[expect(clippy::print_stderr, reason = "the CLI reports notes on stderr")]
pub fn note(msg: impl Display) {
    eprintln!("note: {msg}");
}

/// A plain line of progress or summary.
#[expect(clippy::print_stderr, reason = "summaries and progress go to stderr, results to stdout")]
pub fn info(msg: impl Display) {
    eprintln!("{msg}");
}
