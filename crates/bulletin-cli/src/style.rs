//! Colour: whether standard output and standard error get it, and the styles of themes and
//! diagnostics.
//!
//! The decision is anstream's (the crate clap colours its help with): `--color always|never`
//! wins; with `auto` (the default) `NO_COLOR` turns colour off, `CLICOLOR_FORCE` turns it on, and
//! otherwise a stream is coloured only when it is a terminal that supports colour. Styles are
//! anstyle values, never escape codes written by hand.

use std::io::{self, IsTerminal};

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

use crate::cli::ColorArg;

/// Makes `--color` the choice for the whole run (before anything is written).
pub fn init(arg: ColorArg) {
    let choice = match arg {
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// Whether results on standard output are coloured.
pub fn stdout() -> bool {
    anstream::AutoStream::choice(&io::stdout()) != ColorChoice::Never
}

/// Whether standard error lines are coloured.
pub fn stderr() -> bool {
    anstream::AutoStream::choice(&io::stderr()) != ColorChoice::Never
}

/// Whether standard output is a terminal (tables are then drawn with boxes and fitted to its
/// width; piped, they are plain and never cut).
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// The colours themes get in taxonomy order; a taxonomy of more themes reuses them. The fallback
/// theme (`other`) is never coloured, so that the themes an editor routes stand out.
const THEME_COLORS: [AnsiColor; 6] =
    [AnsiColor::Blue, AnsiColor::Green, AnsiColor::Magenta, AnsiColor::Cyan, AnsiColor::Yellow, AnsiColor::Red];

/// The colour of theme `index` (`None` for the fallback theme).
pub fn theme_color(index: usize, fallback: usize) -> Option<AnsiColor> {
    (index != fallback).then(|| THEME_COLORS[index % THEME_COLORS.len()])
}

/// The style of theme `index`.
pub fn theme(index: usize, fallback: usize) -> Style {
    theme_color(index, fallback).map_or_else(Style::new, |c| Style::new().fg_color(Some(c.into())))
}

/// The style of `error` in diagnostics.
pub const ERROR: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red))).bold();
/// The style of `warning` in diagnostics.
pub const WARNING: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow))).bold();
/// The style of `note` in diagnostics.
pub const NOTE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan))).bold();
/// The style of the `bulletin:` prefix.
pub const PREFIX: Style = Style::new().bold();

/// `text` in `style` when `on`, as it is otherwise.
pub fn paint(text: &str, style: Style, on: bool) -> String {
    if on && style != Style::new() { format!("{style}{text}{style:#}") } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_theme_is_plain_and_others_are_coloured() {
        assert_eq!(theme_color(4, 4), None);
        assert_eq!(theme_color(0, 4), Some(AnsiColor::Blue));
        assert_eq!(theme_color(6, 4), Some(AnsiColor::Blue));
        assert_eq!(paint("高企", theme(1, 4), true), "\u{1b}[32m高企\u{1b}[0m");
        assert_eq!(paint("高企", theme(1, 4), false), "高企");
        assert_eq!(paint("其他", theme(4, 4), true), "其他");
    }
}
