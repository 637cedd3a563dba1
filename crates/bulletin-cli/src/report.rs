//! Everything `bulletin` writes to standard error goes through here: errors, warnings, notes,
//! the human summaries of `train` and the progress bars. Results go to standard output (see
//! `output`).
//!
//! Every diagnostic starts with `bulletin:` and its kind (`bulletin: error: …`,
//! `bulletin: warning: …`, `bulletin: note: …`), coloured when standard error gets colour (see
//! `style`). `-q` hides notes, summaries and progress bars; `-v` adds the `verbose` lines.

use std::fmt::Display;
use std::io::{IsTerminal, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use anstyle::Style;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::{output, style};

/// How much goes to standard error besides errors and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors and warnings only.
    Quiet = 0,
    /// Notes, summaries and progress bars too.
    Normal = 1,
    /// `-v`: also a line per input and the totals of the run.
    Verbose = 2,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Sets the verbosity of the run (from `-q` / `-v`).
pub fn set_verbosity(verbosity: Verbosity) {
    VERBOSITY.store(verbosity as u8, Ordering::Relaxed);
}

fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether `-v` was given.
fn is_verbose() -> bool {
    verbosity() == Verbosity::Verbose
}

/// `bulletin: error: …`, with the whole context chain on one line.
pub fn error(err: &anyhow::Error) {
    diagnostic("error", style::ERROR, format_args!("{err:#}"));
}

/// `bulletin: warning: …`
pub fn warn(msg: impl Display) {
    diagnostic("warning", style::WARNING, msg);
}

/// `bulletin: note: …` (hidden by `-q`).
pub fn note(msg: impl Display) {
    if verbosity() >= Verbosity::Normal {
        diagnostic("note", style::NOTE, msg);
    }
}

/// A plain line of summary (hidden by `-q`).
pub fn info(msg: impl Display) {
    if verbosity() >= Verbosity::Normal {
        line("", msg);
    }
}

/// With `-v`: `bulletin: note: SOURCE (ENCODING): N pieces read`, as each page input ends.
pub fn input_read(source: &str, encoding: &str, pieces: usize) {
    verbose(format_args!("{source} ({encoding}): {} read", output::count(pieces, "piece", "pieces")));
}

/// `bulletin: note: …` shown only with `-v`.
pub fn verbose(msg: impl Display) {
    if is_verbose() {
        diagnostic("note", style::NOTE, msg);
    }
}

fn diagnostic(kind: &str, kind_style: Style, msg: impl Display) {
    let on = style::stderr();
    let prefix = format!("{} {}: ", style::paint("bulletin:", style::PREFIX, on), style::paint(kind, kind_style, on));
    line(&prefix, msg);
}

/// Writes `prefix` and `msg` as one line: control characters from file names, titles or
/// library messages (ESC, BEL, newlines…) are escaped visibly, so one message is one line and
/// cannot drive the terminal. The prefix is ours (its colour, if any, is kept).
/// A message printed while a progress bar is drawn takes the bar off, prints, and draws it again
/// below, so the two never mix on one line.
/// A stderr that cannot be written (its reader stopped: `2>&1 | head -1`) loses the message and
/// nothing else: the run goes on and keeps its exit code.
fn line(prefix: &str, msg: impl Display) {
    let msg = msg.to_string();
    let print = || {
        let _ = writeln!(std::io::stderr().lock(), "{prefix}{}", output::escape(&msg, false));
    };
    match DRAWN.lock().ok().and_then(|bar| bar.clone()) {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// The progress bar being drawn, if any.
static DRAWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// A progress bar on standard error, drawn only when it would be seen: standard error is a
/// terminal and `-q` was not given. Cleared when finished or dropped.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Advances the bar by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    /// Moves the bar to `position`.
    pub fn set_position(&self, position: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
        }
    }

    /// Whether the bar is drawn.
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
            if let Ok(mut drawn) = DRAWN.lock() {
                *drawn = None;
            }
        }
    }
}

/// A progress bar (see [`Progress`]) of `what` over `total` `unit`s (`bytes`, or a plural noun
/// such as `records`), showing the rate and the time left.
pub fn progress(what: &str, total: u64, unit: &str) -> Progress {
    let bar = progress_bar(what, total, unit);
    if let (Some(bar), Ok(mut drawn)) = (&bar, DRAWN.lock()) {
        *drawn = Some(bar.clone());
    }
    Progress(bar)
}

fn progress_bar(what: &str, total: u64, unit: &str) -> Option<ProgressBar> {
    if verbosity() == Verbosity::Quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let template = if unit == "bytes" {
        format!("{what} {{bar:40}} {{bytes}}/{{total_bytes}} ({{bytes_per_sec}}, {{eta}} left)")
    } else {
        format!("{what} {{bar:40}} {{pos}}/{{len}} {unit} ({{rate}} {unit}/s, {{eta}} left)")
    };
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(&template) {
        // Whole pieces or records per second (indicatif's `per_sec` shows four decimals).
        bar.set_style(style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}", state.per_sec());
        }));
    }
    Some(bar)
}
