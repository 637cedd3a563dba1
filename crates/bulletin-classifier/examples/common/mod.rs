//! What the measuring examples share: reading corpus records.

use std::path::Path;

use bulletin_core::Record;

/// Every record of a `.jsonl` file, or of the `.jsonl` files of a folder in name order.
pub fn read_records(path: &Path) -> Result<Vec<Record>, Box<dyn std::error::Error>> {
    let mut files = if path.is_dir() {
        std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>()?
    } else {
        vec![path.to_owned()]
    };
    files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
    files.sort();
    let mut records = Vec::new();
    for file in files {
        for line in std::fs::read_to_string(&file)?.lines().filter(|l| !l.trim().is_empty()) {
            records.push(Record::from_json(line)?);
        }
    }
    Ok(records)
}
