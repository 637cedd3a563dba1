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

/// Prints the manual page, in roff: the program's page as `clap_mangen` renders it, with the
/// SUBCOMMANDS list naming the commands (not `bulletin-classify(1)` pages, which are not
/// installed) and, after it, a section per command with its synopsis and every flag.
pub fn man() -> Result<ExitCode> {
    let command = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    let mut page = String::from_utf8(page)?;
    for sub in command.get_subcommands() {
        let name = roff_name(sub.get_name());
        page = page.replace(&format!("bulletin\\-{name}(1)"), &format!("bulletin {name}"));
        let mut section = Vec::new();
        let man = clap_mangen::Man::new(sub.clone().bin_name(format!("bulletin {}", sub.get_name())));
        man.render_synopsis_section(&mut section)?;
        man.render_options_section(&mut section)?;
        let section = String::from_utf8(section)?
            .replacen(".SH SYNOPSIS", &format!(".SH \"BULLETIN {}\"", name.to_uppercase()), 1)
            .replacen(".SH OPTIONS", ".SS Options", 1);
        page.push_str(&section);
    }
    let mut out = output::stdout();
    out.write_all(page.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::Success)
}

/// A command name as roff text (`-` is written `\-`).
fn roff_name(name: &str) -> String {
    name.replace('-', "\\-")
}
