//! One JSON Lines record as `train` and `eval` parse it (`crates/bulletin-cli/src/data.rs`,
//! included as a module): never a panic; a record it accepts has text, labels of the taxonomy,
//! one `paragraph_labels` entry per paragraph, and writes back to JSON that parses to itself.
#![no_main]

use std::sync::LazyLock;

use bulletin_core::{ParagraphRecord, Record, Taxonomy};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/bulletin-cli/src/data.rs"]
#[allow(dead_code)]
mod data;

#[path = "../../crates/bulletin-cli/src/walk.rs"]
#[allow(dead_code)]
mod walk;
#[path = "../../crates/bulletin-cli/src/exit.rs"]
#[allow(dead_code)]
mod exit;

/// The CLI's stderr reporting, silenced.
#[allow(dead_code)]
mod report {
    pub fn error(_: &anyhow::Error) {}
    pub fn warn(_: impl std::fmt::Display) {}
    pub fn note(_: impl std::fmt::Display) {}
}

static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(Taxonomy::builtin);

fuzz_target!(|line: &[u8]| {
    for paragraph_records in [false, true] {
        let mut reader = data::RecordReader::new(&TAXONOMY, false, paragraph_records);
        match reader.parse(line) {
            Ok(Ok(Some(data::Item::Article(record)))) => {
                assert!(!record.text.trim().is_empty() && !record.labels.is_empty());
                assert!(TAXONOMY.resolve_labels(&record.labels).is_ok());
                if let Some(labels) = &record.paragraph_labels {
                    assert_eq!(labels.len(), record.paragraphs().count());
                    assert!(labels.iter().all(|l| !l.is_empty() && TAXONOMY.resolve_labels(l).is_ok()));
                }
                let json = serde_json::to_string(&record).unwrap();
                assert_eq!(Record::from_json(&json).unwrap(), record, "{json}");
            }
            Ok(Ok(Some(data::Item::Paragraph(record)))) => {
                assert!(paragraph_records && !record.text.trim().is_empty() && !record.labels.is_empty());
                let json = serde_json::to_string(&record).unwrap();
                assert_eq!(serde_json::from_str::<ParagraphRecord>(&json).unwrap(), record, "{json}");
            }
            // A blank line, a defect (skipped with a warning) or an unknown label (fatal).
            Ok(Ok(None) | Err(_)) | Err(_) => {}
        }
    }
});
