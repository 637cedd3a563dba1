//! `bulletin completions SHELL` and `bulletin man`: generated from the clap definition, so they
//! always list the commands and flags of this build.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::ExitCode;
use crate::output;

/// Prints the completion script of `shell`.
pub fn completions(shell: Shell) -> Result<ExitCode> {
    let mut out = output::stdout();
    clap_complete::generate(shell, &mut Cli::command(), "bulletin", &mut out);
    out.flush()?;
    Ok(ExitCode::Success)
}

/// Prints the manual page, in roff.
pub fn man() -> Result<ExitCode> {
    let mut out = output::stdout();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::Success)
}
