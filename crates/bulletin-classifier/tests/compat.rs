//! Format compatibility: one frozen model file per format version, committed as bytes, must keep
//! loading with the same predictions. When `FORMAT_VERSION` changes, add a new fixture
//! (`BULLETIN_WRITE_FIXTURE=1 cargo test -p bulletin-classifier --test compat` writes one) and keep
//! the old ones.

use std::path::PathBuf;

use bulletin_classifier::{PieceShape, Registry, TagOptions, Tagger, TrainConfig, Trainer};
use bulletin_core::Record;
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models").join(name)
}

const CORPUS: [(&str, &str, &str); 10] = [
    ("开发区举行重大项目集中签约", "本报讯 12个项目集中签约，总投资86亿元，招商引资实现开门红。", "investment"),
    ("驻点招商小分队赴深圳", "招商小分队走访企业，以商招商成效明显，3个项目落地开工。", "investment"),
    ("高企申报培训会举行", "辅导企业申报高新技术企业，讲解研发费用归集和认定条件。", "hightech"),
    ("专精特新企业梯度培育", "建立科技型中小企业后备库，推动瞪羚企业成长为高新技术企业。", "hightech"),
    ("知识产权质押融资落地", "银行为科技企业发放知识产权质押贷款3000万元，财政贴息减轻负担。", "financing"),
    ("企业登陆科创板", "园区企业成功在科创板上市，募集资金12亿元。", "financing"),
    ("校企共建联合实验室", "高校科研成果在园区中试基地实现转化，技术合同成交额增长。", "transfer"),
    ("技术转移中心揭牌", "技术经纪人对接专利许可，产学研合作推动科技成果转化。", "transfer"),
    ("园区开展安全生产检查", "检查组深入企业车间排查消防隐患，督促整改。", "other"),
    ("规上工业增加值增长", "前三季度规上工业增加值同比增长8.2%，智改数转持续推进。", "other"),
];

#[test]
fn format_v1_fixture_still_loads_and_predicts_the_same() {
    let path = fixture("format-v1.bin");
    if std::env::var_os("BULLETIN_WRITE_FIXTURE").is_some() && !path.exists() {
        let records: Vec<Record> = CORPUS
            .iter()
            .map(|(t, x, l)| Record::from_json(&format!(r#"{{"title":"{t}","text":"{x}","labels":["{l}"]}}"#)).unwrap())
            .collect();
        let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
        trainer.add_records(&records).unwrap();
        trainer.finish().unwrap().save(&path).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let hash = bulletin_classifier::short_hex(&Sha256::digest(&bytes));
    let tagger = Tagger::from_bytes(&bytes).unwrap();
    let p = tagger.predict(
        "园区银行推出科技贷",
        "为高新技术企业发放信用贷款5000万元，并给予贴息。",
        PieceShape::Passage,
        TagOptions::default(),
    );
    let theme = tagger.model().taxonomy().theme(p.theme).unwrap().id().to_owned();
    let scores: Vec<String> = p.scores.iter().map(|s| format!("{s:.9}")).collect();
    let got = format!("{hash}\n{theme} {}", scores.join(" "));
    let pinned_path = fixture("format-v1.pinned");
    if std::env::var_os("BULLETIN_WRITE_FIXTURE").is_some() && !pinned_path.exists() {
        std::fs::write(&pinned_path, format!("{got}\n")).unwrap();
    }
    let pinned = std::fs::read_to_string(&pinned_path).unwrap();
    assert_eq!(got, pinned.trim(), "the frozen v1 model no longer loads the same: keep old formats readable");
}

/// Short training records of the committed corpus, 22 per theme (briefs, captions and headlines
/// first, so the fixture stays small): enough for training to calibrate.
fn calibrated_corpus() -> Vec<Record> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/train");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut records: Vec<Record> = files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).unwrap().lines().map(|l| Record::from_json(l).unwrap()).collect::<Vec<_>>())
        .filter(|r| r.text.chars().count() < 160)
        .collect();
    records.sort_by_key(|r| r.id.clone());
    let mut taken = std::collections::BTreeMap::<String, usize>::new();
    records.retain(|r| {
        let n = taken.entry(r.labels[0].clone()).or_default();
        *n += 1;
        *n <= 22
    });
    records
}

/// Loads the calibrated fixture of a format version (writing it first with
/// `BULLETIN_WRITE_FIXTURE=1` when missing) and checks its hash, a prediction and its maps
/// against the pinned text.
fn check_calibrated_fixture(version: u32) {
    let path = fixture(&format!("format-v{version}.bin"));
    if std::env::var_os("BULLETIN_WRITE_FIXTURE").is_some() && !path.exists() {
        let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
        trainer.add_records(&calibrated_corpus()).unwrap();
        trainer.finish().unwrap().save(&path).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[4..8], version.to_le_bytes(), "{} is not a format-{version} file", path.display());
    let hash = bulletin_classifier::short_hex(&Sha256::digest(&bytes));
    let tagger = Tagger::from_bytes(&bytes).unwrap();
    let calibration = tagger.model().calibration().expect("the fixture is calibrated");
    let p = tagger.predict(
        "园区银行推出科技贷",
        "为高新技术企业发放信用贷款5000万元，并给予贴息。",
        PieceShape::Passage,
        TagOptions::default(),
    );
    let theme = tagger.model().taxonomy().theme(p.theme).unwrap().id().to_owned();
    let scores: Vec<String> = p.scores.iter().map(|s| format!("{s:.9}")).collect();
    let mut got = format!(
        "{hash}\n{theme} {}\nmaps {:.9} {:.9} {:.9} {:.9} records {}",
        scores.join(" "),
        calibration.article.c0,
        calibration.article.c1,
        calibration.passage.c0,
        calibration.passage.c1,
        tagger.model().records().len()
    );
    for map in [&calibration.article, &calibration.passage] {
        if !map.theme_offsets.is_empty() {
            let offsets: Vec<String> = map.theme_offsets.iter().map(|o| format!("{o:.9}")).collect();
            got = format!("{got}\noffsets {}", offsets.join(" "));
        }
    }
    let pinned_path = fixture(&format!("format-v{version}.pinned"));
    if std::env::var_os("BULLETIN_WRITE_FIXTURE").is_some() && !pinned_path.exists() {
        std::fs::write(&pinned_path, format!("{got}\n")).unwrap();
    }
    let pinned = std::fs::read_to_string(&pinned_path).unwrap();
    assert_eq!(got, pinned.trim(), "the frozen v{version} model no longer loads the same: keep old formats readable");
}

#[test]
fn format_v2_fixture_still_loads_with_its_calibration_and_predicts_the_same() {
    check_calibrated_fixture(2);
}

#[test]
fn format_v3_fixture_still_loads_with_its_theme_offsets_and_predicts_the_same() {
    check_calibrated_fixture(3);
}

#[test]
fn a_model_file_whose_calibration_map_is_not_finite_is_refused_when_read() {
    let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
    trainer.add_records(&calibrated_corpus()).unwrap();
    let mut model = trainer.finish().unwrap();
    let mut calibration = model.calibration().expect("calibrated").clone();
    assert!(Tagger::from_bytes(&model.to_bytes().unwrap()).is_ok());
    calibration.passage.theme_offsets[1] = f64::NAN;
    model.set_calibration(bulletin_classifier::calibration::CalibrationState::Calibrated(calibration));
    let error = Tagger::from_bytes(&model.to_bytes().unwrap()).unwrap_err();
    assert!(error.to_string().contains("calibration map: a theme offset is NaN"), "{error}");
}

#[test]
fn a_model_payload_with_bytes_after_its_end_is_refused() {
    let bytes = std::fs::read(fixture("format-v3.bin")).unwrap();
    let header = bulletin_core::envelope::HEADER_LEN;
    assert!(Tagger::from_bytes(&bytes).is_ok());
    // Garbage appended to the payload, with the checksum and length recomputed.
    let mut payload = bytes[header..].to_vec();
    payload.extend_from_slice(b"\x00garbage");
    let error = Tagger::from_bytes(&bulletin_core::envelope::seal(&payload)).unwrap_err();
    assert!(error.to_string().contains("8 bytes after the end of the model"), "{error}");
    // A format-3 payload stamped as format 2 would lose its theme offsets without a word.
    let mut as_v2 = bytes.clone();
    as_v2[4..8].copy_from_slice(&2u32.to_le_bytes());
    let error = Tagger::from_bytes(&as_v2).unwrap_err();
    assert!(error.to_string().contains("bytes after the end of the model"), "{error}");
}
