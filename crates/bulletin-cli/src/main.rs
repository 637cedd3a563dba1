//! `bulletin`: tag the pieces of Chinese high-tech-zone news bulletins with their themes.
//!
//! Results go to standard output, notes, warnings and progress to standard error. Exit codes
//! are documented in [`exit`].

mod cli;
mod cmd;
mod data;
mod exit;
mod input;
mod jsonl;
mod model;
mod output;
mod plot;
mod report;

use std::io;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::Success.into(),
        Err(err) => {
            report::error(&err);
            ExitCode::Error.into()
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Split(args) => cmd::split::run(&cmd::split::SplitConfig::new(args)?),
        Command::Segment(args) => cmd::segment::run(&cmd::segment::SegmentConfig::new(args)?),
        Command::Train(args) => cmd::train::run(cmd::train::TrainCommand::new(&args)?),
        Command::Classify(args) => cmd::classify::run(&cmd::classify::ClassifyConfig::new(args)?),
        Command::Merge(args) => cmd::merge::run(&cmd::merge::MergeConfig::new(args)?),
        Command::Calibrate(args) => cmd::calibrate::run(&cmd::calibrate::CalibrateConfig::new(args)?),
        Command::Classifiers => cmd::classifiers::run(),
        Command::Eval(args) => cmd::eval::run(&cmd::eval::EvalConfig::new(args)?),
        Command::Inspect(args) => cmd::inspect::run(&cmd::inspect::InspectConfig::new(args)),
    }
}

/// Whether the error comes from writing to a closed standard output (`bulletin … | head -1`).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
