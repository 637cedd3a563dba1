//! The process exit codes of `bulletin`, in one place.
//!
//! | Code | Meaning |
//! |------|---------|
//! | 0 | success (also when standard output was closed early, as by `bulletin … \| head -1`) |
//! | 1 | error: nothing useful was done (bad model, bad arguments after parsing, every input failed, I/O failure) |
//! | 2 | usage error: reported by the argument parser, or a flag the model cannot honour ([`UsageError`]) |
//! | 3 | some inputs failed while others succeeded |
//!
//! `bulletin serve` exits with 0 when stopped by Ctrl-C or SIGTERM and with 1 when it cannot
//! start (address in use, a non-loopback address without `--allow-remote`, a foreign model folder).

/// A command line that parsed but asks for something the inputs cannot give (`--explain` with
/// a model whose classifier cannot explain): reported like any error, with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// How a `bulletin` run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was done.
    Success = 0,
    /// Nothing useful was done.
    Error = 1,
    /// The command line did not parse (clap exits with this code itself), or asked for what the
    /// model cannot do ([`UsageError`]).
    Usage = 2,
    /// Some inputs failed, the others were processed.
    Partial = 3,
}

impl ExitCode {
    /// The code for a run over several inputs, given how many failed and how many succeeded.
    #[must_use]
    pub fn for_inputs(failed: usize, succeeded: usize) -> Self {
        match (failed, succeeded) {
            (0, _) => Self::Success,
            (_, 0) => Self::Error,
            _ => Self::Partial,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        Self::from(code as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_failure_is_3_and_total_failure_is_1() {
        assert_eq!(ExitCode::for_inputs(0, 0), ExitCode::Success);
        assert_eq!(ExitCode::for_inputs(0, 4), ExitCode::Success);
        assert_eq!(ExitCode::for_inputs(1, 3), ExitCode::Partial);
        assert_eq!(ExitCode::for_inputs(2, 0), ExitCode::Error);
        assert_eq!(ExitCode::Partial as u8, 3);
    }
}
