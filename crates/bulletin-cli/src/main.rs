//! `bulletin`: tag the pieces of Chinese high-tech-zone news bulletins with their themes.
//!
//! Results go to standard output, notes, warnings and progress to standard error. Exit codes
//! are documented in [`exit`].

mod cli;
mod cmd;
mod data;
mod exit;
mod input;
mod model;
mod output;
mod plot;
mod records;
mod report;
mod style;
mod version;
mod walk;

use std::io::{self, Write as _};

/// The JSON piece objects, shared with `bulletin-server`.
use bulletin_classifier::jsonl;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let (stdin_closed, stdout_closed) = (output::was_closed(0), output::was_closed(1));
    input::STDIN_CLOSED.store(stdin_closed, std::sync::atomic::Ordering::Relaxed);
    let cli = parse();
    style::init(cli.color);
    report::set_verbosity(match (cli.quiet, cli.verbose) {
        (true, _) => report::Verbosity::Quiet,
        (_, true) => report::Verbosity::Verbose,
        _ => report::Verbosity::Normal,
    });
    if stdout_closed && writes_results(&cli.command) {
        // Rust's runtime put `/dev/null` in its place: the results would be lost with exit 0.
        report::error(&anyhow::anyhow!("cannot write to standard output: it is closed"));
        return ExitCode::Error.into();
    }
    let started = std::time::Instant::now();
    let result = run(cli);
    report::verbose(format_args!("finished in {:.2} s", started.elapsed().as_secs_f64()));
    match result {
        Ok(code) => code.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::Success.into(),
        Err(err) => {
            report::error(&err);
            if err.downcast_ref::<exit::UsageError>().is_some() { ExitCode::Usage.into() } else { ExitCode::Error.into() }
        }
    }
}

/// Parses the command line. `--version` reads the embedded model's summary, so only a command line
/// asking for it pays for that.
fn parse() -> Cli {
    let mut command = Cli::command();
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        // Once per process: clap keeps version texts as `&'static str`.
        command = command.long_version(&*Box::leak(version::long().into_boxed_str()));
    }
    let mut matches = command.try_get_matches().unwrap_or_else(|err| usage_exit(&err));
    let model_from_env = matches.subcommand().is_some_and(|(_, sub)| {
        sub.try_get_raw("model").is_ok_and(|v| v.is_some()) && sub.value_source("model") == Some(clap::parser::ValueSource::EnvVariable)
    });
    model::MODEL_FROM_ENV.store(model_from_env, std::sync::atomic::Ordering::Relaxed);
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|err| usage_exit(&err))
}

/// The flags whose default an environment variable gives, and their short forms.
const ENV_FLAGS: [(&str, &str, &str); 2] = [("BULLETIN_THREADS", "--threads", "-j"), ("BULLETIN_MODEL", "--model", "-m")];

/// Prints clap's message (help, version, or a usage error with the program's `bulletin: ` prefix,
/// as every other error has) and exits with its code (0, or 2 for usage errors).
fn usage_exit(err: &clap::Error) -> ! {
    let help = matches!(
        err.kind(),
        clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !help {
        let _ = write!(io::stderr(), "bulletin: ");
    }
    // A bad value that came from the environment, not the command line, says so.
    let named =
        |long: &str, short: &str| std::env::args().skip(1).any(|a| a == long || a.starts_with(&format!("{long}=")) || a.starts_with(short));
    let from_env: Vec<&str> = ENV_FLAGS
        .iter()
        .filter(|(var, long, short)| {
            !help && std::env::var_os(var).is_some() && err.to_string().contains(&format!("'{long}")) && !named(long, short)
        })
        .map(|(var, ..)| *var)
        .collect();
    if err.print().is_err() && !err.use_stderr() {
        // Help or version text that could not be written (`--help > /dev/full`) is lost output.
        report::error(&anyhow::anyhow!("cannot write to standard output"));
        std::process::exit(ExitCode::Error as i32);
    }
    for var in from_env {
        report::note(format_args!("that value comes from the environment variable {var}"));
    }
    std::process::exit(err.exit_code())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Split(args) => cmd::split::run(&cmd::split::SplitConfig::new(&args)?),
        Command::Segment(args) => cmd::segment::run(&cmd::segment::SegmentConfig::new(args)?),
        Command::Train(args) => cmd::train::run(cmd::train::TrainCommand::new(&args)?),
        Command::Classify(args) => cmd::classify::run(&cmd::classify::ClassifyConfig::new(args)?),
        Command::Merge(args) => cmd::merge::run(&cmd::merge::MergeConfig::new(args)?),
        Command::Calibrate(args) => cmd::calibrate::run(&cmd::calibrate::CalibrateConfig::new(args)?),
        Command::Suggest(args) => cmd::suggest::run(&cmd::suggest::SuggestConfig::new(&args)?),
        Command::Audit(args) => cmd::audit::run(&cmd::audit::AuditConfig::new(&args)?),
        Command::Compare(args) => cmd::compare::run(&cmd::compare::CompareConfig::new(&args)?),
        Command::Classifiers => cmd::classifiers::run(),
        Command::Eval(args) => cmd::eval::run(&cmd::eval::EvalConfig::new(args)?),
        Command::Inspect(args) => cmd::inspect::run(&cmd::inspect::InspectConfig::new(args)),
        Command::Completions(args) => cmd::docs::completions(args.shell),
        Command::Man => cmd::docs::man(),
        Command::Serve(args) => cmd::serve::run(cmd::serve::ServeConfig::new(args)?),
    }
}

/// Whether the command writes its results to standard output (`train` and `merge` write a file
/// and report on stderr).
fn writes_results(command: &Command) -> bool {
    !matches!(command, Command::Train(_) | Command::Merge(_))
}

/// Whether the error comes from a reader that closed the pipe early (`bulletin … | head -1`):
/// success, as the reader got what it wanted. A standard output closed from the start (`>&-`)
/// or full (`/dev/full`) is an error instead.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
