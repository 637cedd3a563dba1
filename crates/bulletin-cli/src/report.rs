//! Everything `bulletin` writes to standard error goes through here: errors, warnings, notes
//! and the human summaries of `train`. Results go to standard output (see `output`).

use std::fmt::Display;

use crate::output;

/// `bulletin: error: …`, with the whole context chain on one line.
pub fn error(err: &anyhow::Error) {
    line("bulletin: error: ", format_args!("{err:#}"));
}

/// `warning: …`
pub fn warn(msg: impl Display) {
    line("warning: ", msg);
}

/// `note: …`
pub fn note(msg: impl Display) {
    line("note: ", msg);
}

/// A plain line of progress or summary.
pub fn info(msg: impl Display) {
    line("", msg);
}

/// Writes `prefix` and `msg` as one line: control characters from file names, titles or
/// library messages (ESC, BEL, newlines…) are escaped visibly, so one message is one line and
/// cannot drive the terminal.
#[expect(clippy::print_stderr, reason = "the CLI reports errors, warnings, notes and summaries on stderr")]
fn line(prefix: &str, msg: impl Display) {
    let msg = msg.to_string();
    eprintln!("{prefix}{}", output::escape(&msg, false));
}
