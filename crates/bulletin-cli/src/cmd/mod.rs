//! One module per subcommand: each turns its clap arguments into a plain config, then runs.

pub mod audit;
pub mod calibrate;
pub mod classifiers;
pub mod classify;
pub mod compare;
pub mod docs;
pub mod eval;
pub mod inspect;
pub mod merge;
pub mod segment;
pub mod serve;
pub mod split;
pub mod suggest;
pub mod train;

use bulletin_core::Granularity;

use crate::cli::GranularityArg;

/// The library granularity of a command-line choice.
pub fn granularity(arg: GranularityArg) -> Granularity {
    match arg {
        GranularityArg::Article => Granularity::Article,
        GranularityArg::Paragraph => Granularity::Paragraph,
    }
}
