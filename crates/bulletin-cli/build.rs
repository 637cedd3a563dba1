//! Embeds the git commit the binary is built from (`BULLETIN_COMMIT`, shown by `--version`).
//!
//! Outside a git checkout (a tarball, `cargo install` from a registry) or without `git`, the
//! commit is `unknown`. The script reruns only when the checkout's HEAD moves (its HEAD file, the
//! branch's ref and `packed-refs`), never on every build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    if commit.is_some() {
        // Absolute paths, as a worktree keeps HEAD apart from the shared refs.
        let git_dir = git(&["rev-parse", "--absolute-git-dir"]).map(PathBuf::from);
        let common_dir = git(&["rev-parse", "--git-common-dir"]).map(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d));
        let head_ref = git(&["symbolic-ref", "-q", "HEAD"]);
        let mut watched: Vec<PathBuf> = Vec::new();
        watched.extend(git_dir.map(|d| d.join("HEAD")));
        if let Some(common) = common_dir {
            watched.extend(head_ref.map(|r| common.join(r)));
            watched.push(common.join("packed-refs"));
        }
        // A path that does not exist would make cargo rerun the script on every build.
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
    println!("cargo::rustc-env=BULLETIN_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
