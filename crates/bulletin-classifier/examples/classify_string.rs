//! Classify a string and a whole bulletin page with the default model compiled into the crate.
//!
//! `cargo run -p bulletin-classifier --example classify_string`
//!
//! `cargo test -p bulletin-classifier` runs this example as a test, so it always compiles
//! against the current API.

use bulletin_classifier::{TagOptions, default_tagger};
use bulletin_core::Granularity;

#[expect(clippy::print_stdout, reason = "an example that shows its result")]
fn main() {
    // One string: the theme, how sure the model is, and every theme the text covers.
    let tagger = default_tagger();
    let p = tagger.predict_text("银行为园区科技企业发放知识产权质押贷款3000万元，财政给予贴息。");
    println!("{} ({}) {:.2} tags: {}", p.theme_name(), p.theme_id(), p.confidence, p.tag_ids().collect::<Vec<_>>().join(", "));

    // A page: split into articles and captions, each tagged, with the two features that weighed
    // most in each decision.
    let page = "# 盐城高新区：储能项目集中签约\n本报讯 12个储能与光伏装备项目集中签约，总投资86亿元。\n\n\
                # 一项专利换来900万元贷款\n银行以知识产权质押方式为企业发放贷款900万元。";
    for tagged in tagger.tag_page_with(page, Granularity::Article, TagOptions::default().with_explain(2)) {
        let why: Vec<&str> = tagged.prediction.why.iter().flatten().map(|r| r.feature.as_str()).collect();
        println!("{} → {} (because of {})", tagged.piece.title.as_deref().unwrap_or(""), tagged.prediction.theme_name(), why.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_runs_and_classifies_as_printed() {
        main();
        let p = default_tagger().predict_text("银行为园区科技企业发放知识产权质押贷款3000万元，财政给予贴息。");
        assert_eq!(p.theme_id(), "financing");
    }
}
