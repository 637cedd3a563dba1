//! The model-file envelope: the framing every model file shares.
//!
//! ```text
//! offset  size  field
//!      0     4  magic bytes `BLTN`
//!      4     4  format version, u32 little-endian (FORMAT_VERSION when written)
//!      8     4  CRC-32 (IEEE) of the payload, u32 little-endian
//!     12     8  payload length in bytes, u64 little-endian
//!     20     …  payload (the classifier crate's versioned wire structure)
//! ```
//!
//! [`open`] checks all of it before a single payload byte is interpreted: a foreign file, a
//! truncated one, a newer or retired format and a flipped bit each give their own
//! [`CoreError`] variant. [`read_file`] reads a model file in the same order: the header first,
//! refused before anything else is read when its magic, version or announced length (at most
//! [`MAX_PAYLOAD_LEN`]) is wrong, then exactly the announced payload, so `/dev/zero` or a
//! multi-gigabyte foreign file costs 20 bytes of reading.
//!
//! ```
//! use bulletin_core::envelope;
//!
//! let bytes = envelope::seal(b"payload");
//! assert_eq!(&bytes[..4], b"BLTN");
//! let opened = envelope::open(&bytes).unwrap();
//! assert_eq!((opened.version, opened.payload), (envelope::FORMAT_VERSION, &b"payload"[..]));
//!
//! let mut corrupted = bytes.clone();
//! *corrupted.last_mut().unwrap() ^= 1;
//! assert!(envelope::open(&corrupted).is_err());
//! ```

use std::io::Read;
use std::path::Path;

use crate::CoreError;

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"BLTN";
/// The format version this build writes (3: per-theme offsets of the calibration maps; 2:
/// calibration maps, training-record digest, folded corrections; 1: the first release). Every
/// older version is still read.
pub const FORMAT_VERSION: u32 = 3;
/// The oldest format version this build still reads.
pub const OLDEST_SUPPORTED_VERSION: u32 = 1;
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 20;

/// The largest payload a model file may announce: 4 GiB, far above any model of a real corpus
/// (the default model's payload is a few MiB), far below what would exhaust memory by mistake.
pub const MAX_PAYLOAD_LEN: u64 = 4 << 30;

/// A checked envelope: its format version and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The format version in the header.
    pub version: u32,
    /// The payload, whose checksum matched.
    pub payload: &'a [u8],
}

/// Wraps a payload in the envelope of [`FORMAT_VERSION`].
#[must_use]
pub fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks magic, version, length and checksum, and returns the payload.
pub fn open(bytes: &[u8]) -> Result<Opened<'_>, CoreError> {
    let found = bytes.len() as u64;
    if bytes.len() < MAGIC.len() || bytes[..4] != MAGIC {
        // A prefix of the magic is a truncated model, anything else a foreign file.
        return Err(if !bytes.is_empty() && MAGIC.starts_with(bytes) {
            CoreError::ModelTruncated { expected: HEADER_LEN as u64, found }
        } else {
            CoreError::ModelMagic
        });
    }
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(CoreError::ModelTruncated { expected: HEADER_LEN as u64, found });
    };
    let u32_at = |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let version = u32_at(4);
    if !(OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(CoreError::ModelVersion { found: version, oldest: OLDEST_SUPPORTED_VERSION, newest: FORMAT_VERSION });
    }
    let expected_crc = u32_at(8);
    let mut len = [0u8; 8];
    len.copy_from_slice(&header[12..20]);
    let len = u64::from_le_bytes(len);
    let expected = (HEADER_LEN as u64).saturating_add(len);
    if found < expected {
        return Err(CoreError::ModelTruncated { expected, found });
    }
    if found > expected {
        // Trailing bytes mean the file is not what its header says: treat as corruption.
        return Err(CoreError::ModelChecksum { expected: expected_crc, found: crc32fast::hash(&bytes[HEADER_LEN..]) });
    }
    let payload = &bytes[HEADER_LEN..];
    let crc = crc32fast::hash(payload);
    if crc != expected_crc {
        return Err(CoreError::ModelChecksum { expected: expected_crc, found: crc });
    }
    Ok(Opened { version, payload })
}

/// Reads a model file for [`open`]: the header, checked first (magic, version, a payload length
/// of at most [`MAX_PAYLOAD_LEN`]), then the announced payload and at most one more byte (which
/// [`open`] reports as corruption). A file shorter than announced is read whole and reported as
/// truncated by [`open`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, CoreError> {
    let io = |source| CoreError::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    read_from(file).map_err(|e| match e {
        ReadError::Io(source) => io(source),
        ReadError::Core(e) => e,
    })
}

/// Why [`read_from`] failed.
enum ReadError {
    Io(std::io::Error),
    Core(CoreError),
}

fn read_from(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    let mut reader = reader.take(HEADER_LEN as u64);
    reader.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() < HEADER_LEN {
        // Too short for a header: `open` says whether it is foreign or truncated.
        return Err(ReadError::Core(open(&bytes).err().unwrap_or(CoreError::ModelMagic)));
    }
    let Err(err) = open(&bytes) else { return Ok(bytes) };
    // A header alone passes only with an empty payload; otherwise `open` reports the payload as
    // truncated, which is expected here: every other defect of the header is final.
    if !matches!(err, CoreError::ModelTruncated { .. }) {
        return Err(ReadError::Core(err));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap_or_default());
    if len > MAX_PAYLOAD_LEN {
        return Err(ReadError::Core(CoreError::ModelTooLarge { len, max: MAX_PAYLOAD_LEN }));
    }
    let mut reader = reader.into_inner().take(len + 1);
    bytes.try_reserve(usize::try_from(len).unwrap_or(usize::MAX).min(64 << 20)).map_err(|e| ReadError::Io(std::io::Error::other(e)))?;
    reader.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_defect_has_its_own_error() {
        let good = seal(b"some model payload");
        assert!(matches!(open(b"PK\x03\x04zipfile"), Err(CoreError::ModelMagic)));
        assert!(matches!(open(b""), Err(CoreError::ModelMagic)));
        assert!(matches!(open(b"BL"), Err(CoreError::ModelTruncated { .. })));
        assert!(matches!(open(&good[..10]), Err(CoreError::ModelTruncated { expected: 20, found: 10 })));
        assert!(matches!(open(&good[..good.len() - 1]), Err(CoreError::ModelTruncated { .. })));
        let mut newer = good.clone();
        newer[4..8].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        let err = open(&newer).unwrap_err();
        assert!(matches!(err, CoreError::ModelVersion { .. }) && err.to_string().contains("upgrade"), "{err}");
        let mut old = good.clone();
        old[4..8].copy_from_slice(&0u32.to_le_bytes());
        assert!(open(&old).unwrap_err().to_string().contains("retrain"));
        let mut longer = good.clone();
        longer.push(0);
        assert!(matches!(open(&longer), Err(CoreError::ModelChecksum { .. })));
    }

    #[test]
    fn read_from_stops_after_a_bad_header_and_reads_exactly_the_announced_payload() {
        /// An endless reader that counts what it gave.
        struct Endless<'a>(u8, &'a mut u64);
        impl Read for Endless<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                buf.fill(self.0);
                *self.1 += buf.len() as u64;
                Ok(buf.len())
            }
        }
        let mut given = 0;
        let err = read_from(Endless(0, &mut given)).err().unwrap();
        assert!(matches!(err, ReadError::Core(CoreError::ModelMagic)));
        assert!(given <= 8192, "{given} bytes read from /dev/zero");
        // A valid header announcing a huge payload is refused before reading it.
        let mut header = seal(b"")[..HEADER_LEN].to_vec();
        header[12..20].copy_from_slice(&(MAX_PAYLOAD_LEN + 1).to_le_bytes());
        let err = read_from(header.as_slice().chain(std::io::repeat(7))).err().unwrap();
        assert!(matches!(err, ReadError::Core(CoreError::ModelTooLarge { .. })));
        // A good file reads back whole; trailing bytes are read one beyond, so `open` sees them.
        let good = seal(b"payload");
        assert_eq!(read_from(good.as_slice()).ok().unwrap(), good);
        let read = read_from(good.as_slice().chain(std::io::repeat(1))).ok().unwrap();
        assert_eq!(read.len(), good.len() + 1);
        assert!(matches!(open(&read), Err(CoreError::ModelChecksum { .. })));
        assert!(matches!(read_from(&good[..good.len() - 2]).ok().map(|b| open(&b).err()), Some(Some(CoreError::ModelTruncated { .. }))));
        assert!(matches!(read_from(&b"BL"[..]).err(), Some(ReadError::Core(CoreError::ModelTruncated { .. }))));
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_in_the_payload_is_detected(payload in proptest::collection::vec(any::<u8>(), 1..200), at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut bytes = seal(&payload);
            let i = HEADER_LEN + at.index(payload.len());
            bytes[i] ^= 1 << bit;
            let checksum_error = matches!(open(&bytes), Err(CoreError::ModelChecksum { .. }));
            prop_assert!(checksum_error);
        }

        #[test]
        fn seal_then_open_round_trips(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
            let bytes = seal(&payload);
            prop_assert_eq!(open(&bytes).unwrap().payload, &payload[..]);
        }
    }
}
