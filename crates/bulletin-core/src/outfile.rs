//! Writing a result file (a model) safely: atomically, without replacing what must not be
//! replaced, and without ever destroying one of the command's own inputs.
//!
//! [`OutFile::new`] checks a path before any work is done (training may take minutes), and
//! [`OutFile::write`] writes it:
//!
//! - only a regular file is written: a path that names a directory, a device (`/dev/null`,
//!   `/dev/stdout` on a terminal or pipe), a FIFO or a socket is refused with
//!   [`CoreError::OutputNotRegular`], never replaced by a regular file;
//! - a symbolic link is followed: its target is replaced, the link stays a link;
//! - the path may not be one of the inputs: the same file by device and inode (also through a
//!   link, hard or symbolic) is [`CoreError::OutputIsInput`], and a path anywhere inside an
//!   input directory (whose files are read as data) is [`CoreError::OutputInDataDir`];
//! - the bytes go to a temporary file `.bulletin-model-….tmp` beside the target, which is
//!   synced and renamed over the target, and then the directory is synced, so the target holds
//!   either the old or the new contents, even across a crash;
//! - an existing target keeps its permission bits (and, where allowed, its owner and group);
//!   a new one gets the usual `0666` minus the umask;
//! - temporary files `.bulletin-model-*.tmp` older than a day in that directory, left by
//!   interrupted runs, are removed.
//!
//! ```
//! use bulletin_core::outfile::OutFile;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("outfile-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let data = dir.join("data.jsonl");
//! std::fs::write(&data, "{}\n")?;
//! // Writing over an input is refused before anything is done…
//! assert!(OutFile::new(&data, &[data.as_path()]).is_err());
//! // …and a proper output is written atomically.
//! let model = dir.join("model.bin");
//! OutFile::new(&model, &[data.as_path()])?.write(b"model bytes")?;
//! assert_eq!(std::fs::read(&model)?, b"model bytes");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

use std::fs::{self, File, Metadata};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::CoreError;

/// Name prefix of the temporary files.
pub const TEMP_PREFIX: &str = ".bulletin-model-";
/// Name suffix of the temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Age beyond which a temporary file left in the target's directory is removed.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Symbolic links followed at most (as the Linux kernel does).
const MAX_LINKS: usize = 40;

/// A checked output path (see the module docs).
#[derive(Debug, Clone)]
pub struct OutFile {
    /// The path as given, for messages.
    path: PathBuf,
    /// The file actually written: `path` with symbolic links resolved.
    target: PathBuf,
}

impl OutFile {
    /// Checks `path` as the output of a command that reads `inputs` (files, or directories whose
    /// files it reads). Nothing is created yet.
    pub fn new(path: &Path, inputs: &[&Path]) -> Result<Self, CoreError> {
        let target = resolve_links(path).map_err(|source| CoreError::Write { path: path.to_owned(), source })?;
        let out = Self { path: path.to_owned(), target };
        let existing = out.existing()?;
        for &input in inputs {
            out.check_input(input, existing.as_ref())?;
        }
        Ok(out)
    }

    /// The path as given.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` atomically (see the module docs). The target's type is checked again.
    pub fn write(&self, bytes: &[u8]) -> Result<(), CoreError> {
        let existing = self.existing()?;
        let io = |source| CoreError::Write { path: self.path.clone(), source };
        let dir = parent(&self.target);
        let (mut file, tmp) = create_temp(dir).map_err(io)?;
        let written = (|| {
            file.write_all(bytes)?;
            if let Some(meta) = &existing {
                keep_permissions(&file, meta)?;
            }
            file.sync_all()?;
            drop(file);
            bulletin_test_hooks::before_rename();
            fs::rename(&tmp, &self.target)
        })();
        if let Err(err) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io(err));
        }
        sync_dir(dir).map_err(io)?;
        remove_stale_temps(dir, SystemTime::now());
        Ok(())
    }

    /// The metadata of the existing target, `None` when there is none; an error when it is not
    /// a regular file.
    fn existing(&self) -> Result<Option<Metadata>, CoreError> {
        match fs::metadata(&self.target) {
            Ok(meta) if meta.is_file() => Ok(Some(meta)),
            Ok(meta) => Err(CoreError::OutputNotRegular { path: self.path.clone(), what: file_type_name(&meta) }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CoreError::Write { path: self.path.clone(), source }),
        }
    }

    fn check_input(&self, input: &Path, existing: Option<&Metadata>) -> Result<(), CoreError> {
        let Ok(input_meta) = fs::metadata(input) else { return Ok(()) };
        if input_meta.is_dir() {
            // The target need not exist: compare its directory, and every directory above it,
            // with the input directory.
            let Ok(dir) = fs::canonicalize(parent(&self.target)) else { return Ok(()) };
            let inside = dir.ancestors().any(|d| fs::metadata(d).is_ok_and(|m| same_file(&m, &input_meta)));
            if inside {
                return Err(CoreError::OutputInDataDir { path: self.path.clone(), dir: input.to_owned() });
            }
        } else if existing.is_some_and(|out| same_file(out, &input_meta)) {
            return Err(CoreError::OutputIsInput { path: self.path.clone(), input: input.to_owned() });
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically, with every rule of [`OutFile`] but no inputs to protect.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    OutFile::new(path, &[])?.write(bytes)
}

/// The directory of `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `path` with every symbolic link along the final component followed (a dangling link gives
/// the path it points to, which will be created).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = if link.is_absolute() { link } else { parent(&current).join(link) };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!("more than {MAX_LINKS} levels of symbolic links")))
}

/// Creates a new temporary file in `dir`, never reusing an existing name.
fn create_temp(dir: &Path) -> io::Result<(File, PathBuf)> {
    let random = std::collections::hash_map::RandomState::new();
    for attempt in 0u32..100 {
        let mut hasher = random.build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u32(attempt);
        let name = format!("{TEMP_PREFIX}{:016x}{TEMP_SUFFIX}", hasher.finish());
        let path = dir.join(name);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "cannot find an unused temporary file name"))
}

/// Gives the new file the permission bits of the file it replaces, and its owner and group when
/// allowed (only root may give a file away; other users keep their own).
fn keep_permissions(file: &File, old: &Metadata) -> io::Result<()> {
    file.set_permissions(old.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let new = file.metadata()?;
        if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
            // Best effort: a user who may not chown still gets the file, with their own owner.
            let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
            file.set_permissions(old.permissions())?;
        }
    }
    Ok(())
}

/// Makes the rename durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes the temporary files of interrupted runs: `.bulletin-model-*.tmp` regular files in
/// `dir` last modified more than [`STALE_AFTER`] before `now`. Errors are ignored.
fn remove_stale_temps(dir: &Path, now: SystemTime) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let stale = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_AFTER);
        if meta.is_file() && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether two metadata describe the same file (device and inode).
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        (a.dev(), a.ino()) == (b.dev(), b.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// What a non-regular file is, for messages.
fn file_type_name(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bulletin-outfile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn non_regular_targets_are_refused_and_left_alone() {
        let dir = temp_dir("non-regular");
        let err = write_atomic(&dir, b"x").unwrap_err();
        assert!(matches!(err, CoreError::OutputNotRegular { what: "a directory", .. }), "{err}");
        #[cfg(unix)]
        {
            let err = write_atomic(Path::new("/dev/null"), b"x").unwrap_err();
            assert!(matches!(err, CoreError::OutputNotRegular { what: "a character device", .. }), "{err}");
            assert!(err.to_string().contains("/dev/null is a character device, not a regular file"), "{err}");
            assert!(!fs::metadata("/dev/null").unwrap().is_file(), "/dev/null is still a device");
        }
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "no temporary file is left");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_and_its_target_replaced() {
        let dir = temp_dir("symlink");
        fs::create_dir(dir.join("real")).unwrap();
        let target = dir.join("real/model.bin");
        fs::write(&target, b"old").unwrap();
        let link = dir.join("link.bin");
        std::os::unix::fs::symlink("real/model.bin", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(fs::read(&target).unwrap(), b"new");
        // A dangling link gets its target created.
        let dangling = dir.join("dangling.bin");
        std::os::unix::fs::symlink("real/new.bin", &dangling).unwrap();
        write_atomic(&dangling, b"fresh").unwrap();
        assert_eq!(fs::read(dir.join("real/new.bin")).unwrap(), b"fresh");
        assert!(fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = temp_dir("mode");
        let path = dir.join("model.bin");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"newer").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o640);
        assert_eq!(fs::read(&path).unwrap(), b"newer");
    }

    #[test]
    fn an_input_file_or_a_path_inside_an_input_directory_is_refused() {
        let dir = temp_dir("inputs");
        let data = dir.join("data.jsonl");
        fs::write(&data, b"{}\n").unwrap();
        let err = OutFile::new(&data, &[data.as_path()]).unwrap_err();
        assert!(matches!(err, CoreError::OutputIsInput { .. }), "{err}");
        #[cfg(unix)]
        {
            let hard = dir.join("hard-link.bin");
            fs::hard_link(&data, &hard).unwrap();
            assert!(matches!(OutFile::new(&hard, &[data.as_path()]), Err(CoreError::OutputIsInput { .. })));
            let soft = dir.join("soft-link.bin");
            std::os::unix::fs::symlink(&data, &soft).unwrap();
            assert!(matches!(OutFile::new(&soft, &[data.as_path()]), Err(CoreError::OutputIsInput { .. })));
        }
        fs::create_dir(dir.join("corpus")).unwrap();
        fs::create_dir(dir.join("corpus/sub")).unwrap();
        let corpus = dir.join("corpus");
        for inside in ["corpus/model.bin", "corpus/sub/model.jsonl", "corpus/../corpus/x.bin"] {
            let err = OutFile::new(&dir.join(inside), &[corpus.as_path()]).unwrap_err();
            assert!(matches!(err, CoreError::OutputInDataDir { .. }), "{inside}: {err}");
        }
        assert!(OutFile::new(&dir.join("model.bin"), &[corpus.as_path(), data.as_path()]).is_ok());
        assert_eq!(fs::read(&data).unwrap(), b"{}\n");
    }

    #[test]
    fn stale_temporary_files_are_removed_and_fresh_ones_kept() {
        let dir = temp_dir("stale");
        let stale = dir.join(format!("{TEMP_PREFIX}0123{TEMP_SUFFIX}"));
        let other = dir.join("keep.tmp");
        fs::write(&stale, b"").unwrap();
        fs::write(&other, b"").unwrap();
        // Not stale yet: kept by a real write.
        write_atomic(&dir.join("model.bin"), b"m").unwrap();
        assert!(stale.exists());
        // A day and a minute later.
        remove_stale_temps(&dir, SystemTime::now() + STALE_AFTER + Duration::from_secs(60));
        assert!(!stale.exists() && other.exists() && dir.join("model.bin").exists());
    }
}
