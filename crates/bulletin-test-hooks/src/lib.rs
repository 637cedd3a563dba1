//! Fault injection for `bulletin`'s own end-to-end tests.
//!
//! Some failures cannot be provoked from outside the process: a read error on a file root can
//! read, a file growing while it is read, a kill between writing a model's temporary file and
//! renaming it. The tests provoke them through environment variables that only a test build
//! reads:
//!
//! | variable | effect |
//! |---|---|
//! | `BULLETIN_TEST_FAIL_READ=SUBSTRING` | reading a page file whose path contains `SUBSTRING` fails with an I/O error after its first successful read |
//! | `BULLETIN_TEST_GROW_WHILE_READ=SUBSTRING` | after the first read of such a file, a line is appended to it |
//! | `BULLETIN_TEST_FAIL_LIST=SUBSTRING` | listing a directory met while reading a directory of inputs, whose path contains `SUBSTRING`, fails with an I/O error |
//! | `BULLETIN_TEST_HOLD_BEFORE_RENAME_MS=N` | an atomic write pauses N ms between syncing the temporary file and renaming it |
//!
//! Without the `enabled` feature every function here does nothing and reads no environment
//! variable, so a release binary ignores the variables. The feature is turned on only by
//! `bulletin-cli`'s dev-dependency on this crate: `cargo test` builds the `bulletin` binary with
//! it, while `cargo build`, `cargo build --release` and `cargo install` (which leave
//! dev-dependencies out) never do. `.ci/run` checks the release binary.
#![deny(missing_docs)]

use std::io::{self, Read};
use std::path::Path;

/// `BULLETIN_TEST_FAIL_READ`.
pub const FAIL_READ: &str = "BULLETIN_TEST_FAIL_READ";
/// `BULLETIN_TEST_GROW_WHILE_READ`.
pub const GROW_WHILE_READ: &str = "BULLETIN_TEST_GROW_WHILE_READ";
/// `BULLETIN_TEST_FAIL_LIST`.
pub const FAIL_LIST: &str = "BULLETIN_TEST_FAIL_LIST";
/// `BULLETIN_TEST_HOLD_BEFORE_RENAME_MS`.
pub const HOLD_BEFORE_RENAME_MS: &str = "BULLETIN_TEST_HOLD_BEFORE_RENAME_MS";

/// Whether this build reads the variables (the `enabled` feature).
pub const ENABLED: bool = cfg!(feature = "enabled");

/// A reader with the faults the environment asks for (none without the `enabled` feature).
#[derive(Debug)]
pub struct Hooked<R> {
    inner: R,
    #[cfg(feature = "enabled")]
    reads: usize,
    #[cfg(feature = "enabled")]
    fail: bool,
    #[cfg(feature = "enabled")]
    grow: Option<std::path::PathBuf>,
}

/// Wraps `inner`, the reader of the page file `path`.
#[cfg_attr(not(feature = "enabled"), expect(unused_variables, reason = "the path only matters when the hooks are enabled"))]
pub fn wrap_read<R: Read>(inner: R, path: &Path) -> Hooked<R> {
    #[cfg(feature = "enabled")]
    {
        Hooked {
            inner,
            reads: 0,
            fail: enabled::wanted(FAIL_READ, path),
            grow: enabled::wanted(GROW_WHILE_READ, path).then(|| path.to_path_buf()),
        }
    }
    #[cfg(not(feature = "enabled"))]
    {
        Hooked { inner }
    }
}

impl<R: Read> Read for Hooked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(feature = "enabled")]
        {
            if self.reads > 0 && self.fail {
                return Err(io::Error::other(format!("injected read failure ({FAIL_READ})")));
            }
            let n = self.inner.read(buf)?;
            self.reads += 1;
            if let Some(path) = self.grow.take() {
                use std::io::Write as _;
                std::fs::OpenOptions::new().append(true).open(path)?.write_all("\n追加的一行。\n".as_bytes())?;
            }
            Ok(n)
        }
        #[cfg(not(feature = "enabled"))]
        {
            self.inner.read(buf)
        }
    }
}

/// The injected error of listing the directory `path` (`BULLETIN_TEST_FAIL_LIST`), if any.
#[cfg_attr(not(feature = "enabled"), expect(unused_variables, reason = "the path only matters when the hooks are enabled"))]
#[must_use]
pub fn list_error(path: &Path) -> Option<io::Error> {
    #[cfg(feature = "enabled")]
    if enabled::wanted(FAIL_LIST, path) {
        return Some(io::Error::other(format!("injected listing failure ({FAIL_LIST})")));
    }
    None
}

/// Called between syncing a temporary file and renaming it over its target: sleeps for
/// `BULLETIN_TEST_HOLD_BEFORE_RENAME_MS` milliseconds, so a test can kill the process there.
pub fn before_rename() {
    #[cfg(feature = "enabled")]
    if let Some(ms) = std::env::var(HOLD_BEFORE_RENAME_MS).ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

#[cfg(feature = "enabled")]
mod enabled {
    use std::path::Path;

    /// Whether `var` is set, non-empty, and a substring of `path`.
    pub(crate) fn wanted(var: &str, path: &Path) -> bool {
        std::env::var_os(var).is_some_and(|s| !s.is_empty() && path.to_string_lossy().contains(&*s.to_string_lossy()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_reader_reads_the_same_bytes_without_variables() {
        let mut out = Vec::new();
        wrap_read(&b"abc"[..], Path::new("no-variable-names-this.txt")).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc");
    }
}
