//! Train a model from labelled JSON Lines records, save it, load it back and classify.
//!
//! `cargo run -p bulletin-classifier --example train_and_save`
//!
//! `cargo test -p bulletin-classifier` runs this example as a test, so it always compiles
//! against the current API. `bulletin train --data DIR --out FILE` does the same from the
//! command line, on every core.

use bulletin_classifier::{Registry, Tagger, TrainConfig, Trainer};
use bulletin_core::Record;

/// A tiny corpus in the format of `data/train/*.jsonl`: one record per article, `labels[0]` the
/// primary theme.
const RECORDS: &str = r#"{"id":"a1","title":"高新区举行项目集中签约仪式","text":"本次签约项目12个，总投资86亿元，招商引资再获突破。","labels":["investment"]}
{"id":"a2","title":"赴深圳开展产业链招商","text":"招商小分队拜访企业30家，洽谈项目落地。","labels":["investment"]}
{"id":"h1","title":"高企认定培训会举行","text":"辅导企业申报高新技术企业，做好研发费用归集。","labels":["hightech"]}
{"id":"h2","title":"新认定高新技术企业61家","text":"高企数量创新高，培育库入库企业120家。","labels":["hightech"]}
{"id":"f1","title":"知识产权质押融资落地","text":"银行为科技企业发放知识产权质押贷款3000万元。","labels":["financing"]}
{"id":"f2","title":"科技贷助力企业发展","text":"科技金融服务中心撮合贷款，风险补偿资金池扩容。","labels":["financing"]}
{"id":"t1","title":"校企共建联合实验室","text":"高校科研成果在园区实现转化，技术合同成交额增长。","labels":["transfer"]}
{"id":"t2","title":"中试基地投入使用","text":"科技成果在中试基地完成验证，专利许可给企业。","labels":["transfer"]}
{"id":"o1","title":"园区开展安全生产检查","text":"检查组深入企业车间排查消防隐患。","labels":["other"]}
{"id":"o2","title":"园区举办职工运动会","text":"各企业职工参加拔河、跳绳等比赛。","labels":["other"]}"#;

#[expect(clippy::print_stdout, reason = "an example that shows its result")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let records = RECORDS.lines().map(Record::from_json).collect::<Result<Vec<_>, _>>()?;

    // Train with the default configuration (multinomial naive Bayes, words and character pairs).
    let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default())?;
    trainer.add_records(&records)?;
    let model = trainer.finish()?;

    // Save atomically (temporary file, then rename) and load it back.
    let dir = std::env::temp_dir().join(format!("bulletin-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("zone.bin");
    model.save(&path)?;
    let tagger = Tagger::load(&path)?;

    let p = tagger.predict_text("银行发放知识产权质押贷款，支持科技企业融资。");
    println!("{} → {} ({:.2})", path.display(), p.theme_name(), p.confidence);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_runs() {
        super::main().unwrap();
    }
}
