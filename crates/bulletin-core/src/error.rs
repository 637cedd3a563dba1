use std::path::PathBuf;

/// Everything that can go wrong in `bulletin-core`: reading a taxonomy, resolving labels,
/// parsing a record, or opening a model-file envelope.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A `themes.toml` file could not be parsed.
    #[error("invalid taxonomy: {reason}")]
    Taxonomy {
        /// What is wrong with it.
        reason: String,
    },
    /// A label that the taxonomy does not define.
    #[error("unknown theme `{theme}` (valid themes: {})", valid.join(", "))]
    UnknownTheme {
        /// The label as written.
        theme: String,
        /// The taxonomy's theme ids, in order.
        valid: Vec<String>,
    },
    /// A JSON line that is not a valid record.
    #[error("invalid record: {reason}")]
    Record {
        /// What is wrong with it.
        reason: String,
    },
    /// The bytes do not start with the model magic `BLTN`.
    #[error("not a bulletin model (the file does not start with the `BLTN` magic bytes)")]
    ModelMagic,
    /// The file ends before the header or the payload it announces.
    #[error("model file is truncated: {expected} bytes expected, {found} present")]
    ModelTruncated {
        /// Bytes the header announces (header plus payload).
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The model was written by a format this build cannot read.
    #[error(
        "model format version {found} is not supported (this build reads versions {oldest} to {newest}); {}",
        if *found > *newest { "upgrade bulletin to read it" } else { "retrain the model with this version" }
    )]
    ModelVersion {
        /// Version in the file.
        found: u32,
        /// Oldest version this build reads.
        oldest: u32,
        /// Newest version this build reads (the one it writes).
        newest: u32,
    },
    /// The header announces a payload larger than [`MAX_PAYLOAD_LEN`](crate::envelope::MAX_PAYLOAD_LEN):
    /// the file is not a model (or is damaged), and is not read further.
    #[error("model file announces a payload of {len} bytes, more than the {max} bytes a model may have: it is damaged or not a model")]
    ModelTooLarge {
        /// The announced payload length.
        len: u64,
        /// The largest payload accepted.
        max: u64,
    },
    /// The payload does not match its checksum: the file is corrupted.
    #[error("model file is corrupted (payload CRC-32 {found:08x}, header says {expected:08x})")]
    ModelChecksum {
        /// Checksum stored in the header.
        expected: u32,
        /// Checksum of the payload as read.
        found: u32,
    },
    /// An output path that names something other than a regular file (a directory, a device
    /// such as `/dev/null`, a FIFO, a socket): it is never replaced.
    #[error("{} is {what}, not a regular file; give the path of a new or existing regular file", path.display())]
    OutputNotRegular {
        /// The output path as given.
        path: PathBuf,
        /// What it is (`a directory`, `a character device`, …).
        what: &'static str,
    },
    /// An output path that is one of the inputs (the same file by device and inode).
    #[error("{} is the same file as the input {}; writing it would destroy that input", path.display(), input.display())]
    OutputIsInput {
        /// The output path as given.
        path: PathBuf,
        /// The input path as given.
        input: PathBuf,
    },
    /// An output path inside an input directory, whose files are read as data.
    #[error("{} is inside the data directory {}, whose files are read as data; write it elsewhere", path.display(), dir.display())]
    OutputInDataDir {
        /// The output path as given.
        path: PathBuf,
        /// The input directory as given.
        dir: PathBuf,
    },
    /// Writing a file failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Reading a file failed.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
