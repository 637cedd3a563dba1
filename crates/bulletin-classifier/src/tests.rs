//! Crate-level tests: parity with scikit-learn and linfa, exact update and merge, finite
//! probabilities, explanations, model files.

use bulletin_core::{PipelineSettings, Record, Taxonomy};
use bulletin_segmenter::Pipeline;
use proptest::prelude::*;

use crate::calibration::{CalibrationState, Uncalibrated};
use crate::*;

const fn assert_send_sync<T: Send + Sync>() {}
const _: () = {
    assert_send_sync::<Model>();
    assert_send_sync::<Tagger>();
    assert_send_sync::<Trainer>();
    assert_send_sync::<Registry>();
    assert_send_sync::<NativeNb>();
    #[cfg(feature = "linfa")]
    assert_send_sync::<LinfaNb>();
    assert_send_sync::<ClassifierError>();
};

/// The count matrix scikit-learn saw (7 pieces × 6 features, themes 0..3).
const X: [[u32; 6]; 7] = [
    [3, 0, 1, 0, 2, 0],
    [2, 1, 0, 0, 1, 0],
    [0, 4, 0, 1, 0, 0],
    [0, 2, 1, 2, 0, 1],
    [1, 0, 3, 0, 0, 2],
    [0, 0, 2, 1, 0, 3],
    [0, 1, 0, 3, 1, 0],
];
const Y: [usize; 7] = [0, 0, 1, 1, 2, 2, 1];
const Q: [[u32; 6]; 5] = [[1, 0, 0, 0, 1, 0], [0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 0, 0], [5, 5, 5, 5, 5, 5]];

fn sparse(row: &[u32]) -> SparseVec {
    row.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, &n)| (sparse::id_of(i), n)).collect()
}

fn fitted(name: &str, params: &[(&str, &str)]) -> Box<dyn Classifier> {
    let map: ParamMap = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut c = Registry::default().get(name).unwrap().create(&map, 3).unwrap();
    let rows: Vec<SparseVec> = X.iter().map(|r| sparse(r)).collect();
    let batch: Vec<Example<'_>> = rows.iter().zip(Y).map(|(features, theme)| Example { features, theme }).collect();
    c.fit(&batch).unwrap();
    c.finalize(&FeatureMask::all(6)).unwrap();
    c
}

fn assert_proba(c: &dyn Classifier, expected: &[[f64; 3]; 5]) {
    for (q, want) in Q.iter().zip(expected) {
        let got: Vec<f64> = c.predict_log_proba(&sparse(q)).iter().map(|v| v.exp()).collect();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{}: got {got:?}, scikit-learn {want:?}", c.name());
        }
    }
}

// Expected values computed once with scikit-learn 1.9.1 (`MultinomialNB(alpha=0.5)`,
// `ComplementNB(alpha=0.5[, norm=True])`, `BernoulliNB(alpha=0.5)`, `predict_proba(Q)`).
#[test]
fn multinomial_matches_scikit_learn() {
    assert_proba(
        fitted("multinomial", &[("alpha", "0.5")]).as_ref(),
        &[
            [0.946_411_227_600_602_1, 0.025_892_928_682_600_944, 0.027_695_843_716_796_845],
            [0.021_099_202_880_037_943, 0.963_052_951_401_178_2, 0.015_847_845_718_784_056],
            [0.029_938_808_356_180_343, 0.063_070_536_717_105_75, 0.906_990_654_926_713_8],
            [0.285_714_285_714_285_7, 0.428_571_428_571_428_66, 0.285_714_285_714_285_7],
            [0.639_976_675_382_447_5, 0.276_231_785_226_550_3, 0.083_791_539_390_996_36],
        ],
    );
}

#[test]
fn complement_matches_scikit_learn_with_and_without_norm() {
    assert_proba(
        fitted("complement", &[("alpha", "0.5")]).as_ref(),
        &[
            [0.874_218_328_975_696_1, 0.056_231_239_213_825_9, 0.069_550_431_810_477_72],
            [0.055_096_192_185_654_43, 0.895_814_779_293_289, 0.049_089_028_521_056_31],
            [0.085_996_271_949_210_88, 0.066_097_787_303_692_99, 0.847_905_940_747_096_4],
            [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
            [0.665_630_482_147_852_8, 0.223_378_624_226_291_26, 0.110_990_893_625_852_53],
        ],
    );
    assert_proba(
        fitted("complement", &[("alpha", "0.5"), ("norm", "true")]).as_ref(),
        &[
            [0.382_057_920_737_275_4, 0.305_634_713_437_105_13, 0.312_307_365_825_619_47],
            [0.305_860_781_987_637_33, 0.389_086_526_116_265_6, 0.305_052_691_896_097_1],
            [0.311_600_057_333_845_5, 0.306_197_514_113_512_2, 0.382_202_428_552_642_36],
            [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
            [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
        ],
    );
}

#[test]
fn bernoulli_matches_scikit_learn() {
    assert_proba(
        fitted("bernoulli", &[("alpha", "0.5")]).as_ref(),
        &[
            [0.988_572_526_372_392_5, 0.003_518_893_416_628_29, 0.007_908_580_210_979_151],
            [0.003_900_749_913_456_877_6, 0.992_198_500_173_086_4, 0.003_900_749_913_456_877_6],
            [0.007_820_517_593_777_972, 0.014_614_783_183_977_853, 0.977_564_699_222_244_2],
            [0.329_141_387_761_662_1, 0.341_717_224_476_676_1, 0.329_141_387_761_662_1],
            [0.280_130_052_565_419_45, 0.439_739_894_869_161_43, 0.280_130_052_565_419_45],
        ],
    );
}

#[cfg(feature = "linfa")]
#[test]
fn linfa_backends_agree_with_native_ones() {
    for (linfa, native) in [("linfa-multinomial", "multinomial"), ("linfa-bernoulli", "bernoulli")] {
        let (a, b) = (fitted(linfa, &[("alpha", "0.5")]), fitted(native, &[("alpha", "0.5")]));
        for q in Q.iter().chain(&X) {
            let (pa, pb) = (a.predict_log_proba(&sparse(q)), b.predict_log_proba(&sparse(q)));
            for (x, y) in pa.iter().zip(&pb) {
                assert!((x.exp() - y.exp()).abs() < 1e-9, "{linfa} {pa:?} vs {native} {pb:?}");
            }
        }
    }
}

#[cfg(feature = "linfa")]
#[test]
fn linfa_backends_refuse_merge_and_explain_with_a_typed_error() {
    let a = fitted("linfa-multinomial", &[]);
    let mut b = fitted("linfa-multinomial", &[]);
    assert!(matches!(b.merge(a.as_ref()), Err(ClassifierError::Unsupported { operation: "merge", .. })));
    assert!(matches!(b.explain(&sparse(&Q[0])), Err(ClassifierError::Unsupported { operation: "explain", .. })));
}

#[test]
fn every_backend_gives_finite_normalised_probabilities_for_any_length() {
    let long: SparseVec = vec![(0, 40_000), (1, 3), (4, 25_000)];
    let unknown: SparseVec = vec![(999, 7), (1_000_000, 1)];
    for name in Registry::default().names() {
        let c = fitted(name, &[]);
        for x in [&long, &unknown, &Vec::new()] {
            let p: Vec<f64> = c.predict_log_proba(x).iter().map(|v| v.exp()).collect();
            assert!(p.iter().all(|v| v.is_finite()), "{name}: {p:?}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{name}: {p:?}");
        }
    }
}

#[test]
fn explanations_add_up_to_the_log_probability_difference() {
    for name in ["multinomial", "complement", "bernoulli"] {
        let c = fitted(name, &[]);
        for q in &Q {
            let x = sparse(q);
            let log = c.predict_log_proba(&x);
            let e = c.explain(&x).unwrap();
            for (a, b) in [(0, 1), (2, 0), (1, 2)] {
                let sum: f64 = e.base[a] - e.base[b] + e.features.iter().map(|(_, v)| v[a] - v[b]).sum::<f64>();
                assert!((sum - (log[a] - log[b])).abs() < 1e-9, "{name}: {sum} vs {}", log[a] - log[b]);
            }
        }
    }
}

#[test]
fn params_are_checked() {
    let r = Registry::default();
    let f = r.get("multinomial").unwrap();
    for (k, v) in [("alpha", "0"), ("alpha", "-1"), ("alpha", "NaN"), ("alpha", "x"), ("fit_prior", "maybe"), ("class_prior", "1,2")] {
        let map: ParamMap = [(k.to_owned(), v.to_owned())].into();
        assert!(matches!(f.create(&map, 3), Err(ClassifierError::InvalidParam { .. })), "{k}={v}");
    }
    let map: ParamMap = [("norm".to_owned(), "true".to_owned())].into();
    assert!(matches!(f.create(&map, 3), Err(ClassifierError::UnknownParam { .. })));
    assert!(matches!(r.get("svm"), Err(ClassifierError::UnknownPlugin { .. })));
}

fn examples(rows: &[(SparseVec, usize)]) -> Vec<Example<'_>> {
    rows.iter().map(|(features, theme)| Example { features, theme: *theme }).collect()
}

fn arb_rows() -> impl Strategy<Value = Vec<(SparseVec, usize)>> {
    prop::collection::vec((prop::collection::btree_map(0u32..12, 1u32..5, 0..6), 0usize..3), 0..8)
        .prop_map(|rows| rows.into_iter().map(|(m, t)| (m.into_iter().collect(), t)).collect())
}

fn native(rows: &[(SparseVec, usize)]) -> NativeNb {
    let mut c = NativeNb::new(NbKind::Multinomial, NbParams::builder().check().unwrap(), 3);
    c.fit(&examples(rows)).unwrap();
    c.finalize(&FeatureMask::all(12)).unwrap();
    c
}

proptest! {
    #[test]
    fn update_and_merge_are_exact(a in arb_rows(), b in arb_rows(), c in arb_rows()) {
        let all: Vec<_> = a.iter().chain(&b).cloned().collect();
        let whole = native(&all);
        let mut updated = native(&a);
        updated.update(&examples(&b)).unwrap();
        updated.finalize(&FeatureMask::all(12)).unwrap();
        prop_assert_eq!(updated.save_state().unwrap(), whole.save_state().unwrap());
        let mut merged = native(&a);
        merged.merge(&native(&b)).unwrap();
        prop_assert_eq!(merged.save_state().unwrap(), whole.save_state().unwrap());
        // Commutative and associative.
        let mut ba = native(&b);
        ba.merge(&native(&a)).unwrap();
        prop_assert_eq!(ba.save_state().unwrap(), merged.save_state().unwrap());
        let mut ab_c = merged.clone();
        ab_c.merge(&native(&c)).unwrap();
        let mut bc = native(&b);
        bc.merge(&native(&c)).unwrap();
        let mut a_bc = native(&a);
        a_bc.merge(&bc).unwrap();
        prop_assert_eq!(ab_c.save_state().unwrap(), a_bc.save_state().unwrap());
    }

    #[test]
    fn remapping_counts_in_place_equals_moving_them(rows in arb_rows(), extra in 0usize..4) {
        let mut counts = Counts::new(3);
        counts.add(&examples(&rows)).unwrap();
        let n = counts.n_features();
        // The identity (the first model of a merge) grows the table in place ...
        let mut in_place = counts.clone();
        in_place.remap(&(0..sparse::id_of(n)).collect::<Vec<_>>(), n + extra);
        // ... which must equal moving every column away and back through the general path.
        let reversed: Vec<u32> = (0..n).rev().map(sparse::id_of).collect();
        let mut moved = counts.clone();
        moved.remap(&reversed, n);
        moved.remap(&reversed, n + extra);
        prop_assert_eq!(&in_place, &moved);
        prop_assert_eq!(in_place.n_features(), n + extra);
        for f in 0..n {
            prop_assert_eq!(in_place.token_row(f), counts.token_row(f));
        }
    }

    #[test]
    fn probabilities_are_finite_and_sum_to_one(x in prop::collection::btree_map(0u32..20, 1u32..100_000, 0..10)) {
        let x: SparseVec = x.into_iter().collect();
        for name in ["multinomial", "complement", "bernoulli"] {
            let p: Vec<f64> = fitted(name, &[]).predict_log_proba(&x).iter().map(|v| v.exp()).collect();
            prop_assert!(p.iter().all(|v| v.is_finite()));
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}

/// A tiny labelled corpus in the corpus' format.
pub(crate) fn mini_corpus() -> Vec<Record> {
    [
        (
            "开发区举行重大项目集中签约",
            "本报讯 12个项目集中签约，总投资86亿元，招商引资实现开门红。\n签约项目涵盖新能源和生物医药。",
            "investment",
        ),
        ("驻点招商小分队赴深圳", "招商小分队走访企业，以商招商成效明显，3个项目落地开工。", "investment"),
        ("高企申报培训会举行", "辅导企业申报高新技术企业，讲解研发费用归集和认定条件。\n今年新增高企58家。", "hightech"),
        ("专精特新企业梯度培育", "建立科技型中小企业后备库，推动瞪羚企业成长为高新技术企业。", "hightech"),
        ("知识产权质押融资落地", "银行为科技企业发放知识产权质押贷款3000万元，财政贴息减轻负担。", "financing"),
        ("企业登陆科创板", "园区企业成功在科创板上市，募集资金12亿元，风险投资基金退出。", "financing"),
        ("校企共建联合实验室", "高校科研成果在园区中试基地实现转化，技术合同成交额增长。", "transfer"),
        ("技术转移中心揭牌", "技术经纪人对接专利许可，产学研合作推动科技成果转化。", "transfer"),
        ("园区开展安全生产检查", "检查组深入企业车间排查消防隐患，督促整改。", "other"),
        ("规上工业增加值增长", "前三季度规上工业增加值同比增长8.2%，智改数转持续推进。", "other"),
    ]
    .into_iter()
    .map(|(title, text, label)| {
        let json = serde_json::json!({"title": title, "text": text, "labels": [label]});
        Record::from_json(&json.to_string()).unwrap()
    })
    .collect()
}

fn train(records: &[Record], batches: usize) -> Model {
    let mut t = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
    for chunk in records.chunks(records.len().div_ceil(batches.max(1)).max(1)) {
        t.add_records(chunk).unwrap();
    }
    t.finish().unwrap()
}

#[test]
fn model_bytes_do_not_depend_on_batches_order_or_merging() {
    let corpus = mini_corpus();
    let whole = train(&corpus, 1).to_bytes().unwrap();
    assert_eq!(train(&corpus, 3).to_bytes().unwrap(), whole, "batched training differs");
    let mut reversed = corpus.clone();
    reversed.reverse();
    assert_eq!(train(&reversed, 1).to_bytes().unwrap(), whole, "order changed the bytes");
    // A merged model's counts and digest equal the whole's; its calibration is dropped.
    let mut whole_model = train(&corpus, 1);
    whole_model.set_calibration(CalibrationState::Uncalibrated(Uncalibrated::Merged));
    let whole = whole_model.to_bytes().unwrap();
    let (a, b) = corpus.split_at(4);
    let merged = train(a, 1).merge(train(b, 1)).unwrap();
    assert_eq!(merged.to_bytes().unwrap(), whole, "merge of halves differs from training on the whole");
    let merged = train(b, 1).merge(train(a, 1)).unwrap();
    assert_eq!(merged.to_bytes().unwrap(), whole);
    assert_eq!(train(a, 1).shared_records(&train(b, 1)), 0, "disjoint shards share no record");
    assert_eq!(train(a, 1).shared_records(&train(&corpus, 1)), a.len(), "a shard inside the whole shares all its records");
}

#[test]
fn a_model_round_trips_through_its_file_format() {
    let model = train(&mini_corpus(), 1);
    let bytes = model.to_bytes().unwrap();
    let loaded = Model::from_bytes(&bytes, &Registry::default()).unwrap();
    assert_eq!(loaded.to_bytes().unwrap(), bytes);
    let tagger = Tagger::from_model(loaded).unwrap();
    let page = "# 开发区项目签约\n本报讯 5个项目集中签约，招商引资总投资20亿元。";
    let pieces = tagger.tag_page(page);
    assert_eq!(pieces.len(), 1);
    assert_eq!(tagger.model().taxonomy().theme(pieces[0].prediction.theme).unwrap().id(), "investment");
}

#[test]
fn changing_one_stopword_is_a_pipeline_mismatch() {
    let model = train(&mini_corpus(), 1);
    let mut settings = PipelineSettings::default();
    settings.stopwords.extra.push("园区".into());
    let other = Pipeline::new(&settings).unwrap();
    let err = model.check_pipeline(&other).unwrap_err();
    assert!(matches!(err, ClassifierError::PipelineMismatch { .. }), "{err}");
    assert!(err.to_string().contains("retrain"));
    model.check_pipeline(&Pipeline::new(&PipelineSettings::default()).unwrap()).unwrap();
}

/// A model whose articles' leads count once (`lead_weight` 1) and without the article vote, so
/// that an article's score is the plain sum of its lines' and its scores stay below 1 on short
/// texts.
fn train_without_lead_weight(records: &[Record]) -> Model {
    let mut config = TrainConfig::default();
    config.settings.features.lead_weight = 1;
    config.settings.features.article_vote = None;
    let mut t = Trainer::new(config, &Registry::default()).unwrap();
    t.add_records(records).unwrap();
    t.finish().unwrap()
}

#[test]
fn tags_include_the_primary_theme_and_never_other_as_a_secondary() {
    let tagger = Tagger::from_model(train_without_lead_weight(&mini_corpus())).unwrap();
    let text = "12个项目集中签约，总投资86亿元，招商引资实现开门红。\n银行发放知识产权质押贷款3000万元，财政贴息。\n检查组排查消防隐患。";
    let p = tagger.predict("", text, PieceShape::Article, TagOptions::default().with_explain(3));
    assert_eq!(p.tags[0], p.theme);
    assert!(!p.tags[1..].contains(&tagger.model().taxonomy().fallback()));
    let why = p.why.unwrap();
    assert!(!why.is_empty() && why.windows(2).all(|w| w[0].contribution >= w[1].contribution));
    // Abstaining reports the fallback theme with its own score.
    let p = tagger.predict("", text, PieceShape::Article, TagOptions::default().with_min_confidence(Some(1.0)));
    assert!(p.abstained);
    assert_eq!(p.theme, tagger.model().taxonomy().fallback());
    assert!((p.confidence - p.scores[p.theme]).abs() < 1e-15);
}

#[test]
fn an_article_scored_by_paragraphs_equals_the_article_scored_whole() {
    // With the lead counting once and no vote; the lead weight is tested on its own in the
    // segmenter and CLI, the vote below.
    let tagger = Tagger::from_model(train_without_lead_weight(&mini_corpus())).unwrap();
    let title = "高新区：项目签约与融资对接";
    let text = "12个项目集中签约，总投资86亿元。\n\n## 融资\n银行发放知识产权质押贷款3000万元。\r\n检查组排查消防隐患。";
    let by_paragraph = tagger.predict(title, text, PieceShape::Article, TagOptions::default());
    let whole = tagger.predict(title, text, PieceShape::Passage, TagOptions::default());
    for (a, b) in by_paragraph.scores.iter().zip(&whole.scores) {
        assert!((a - b).abs() < 1e-12, "{:?} vs {:?}", by_paragraph.scores, whole.scores);
    }
}

/// A linear plugin is scored feature by feature from packed tables; an explanation (and any
/// non-linear plugin) goes through the sparse vector. Both must give the same decision.
#[test]
fn the_linear_fast_path_agrees_with_the_sparse_vector_path() {
    let pieces = [
        (
            "高新区：项目签约与融资对接",
            "12个项目集中签约，总投资86亿元。\n\n## 融资\n银行发放知识产权质押贷款3000万元。\n检查组排查消防隐患。",
            PieceShape::Article,
        ),
        ("", "高校科研成果在中试基地实现转化，技术合同成交额增长，星舟智链未登录词。", PieceShape::Passage),
        ("", "", PieceShape::Passage),
        ("高企申报", "辅导企业申报高新技术企业。\n今年新增高企58家。", PieceShape::Article),
    ];
    for classifier in ["multinomial", "complement", "bernoulli"] {
        let config = TrainConfig { classifier: classifier.into(), ..TrainConfig::default() };
        let mut trainer = Trainer::new(config, &Registry::default()).unwrap();
        trainer.add_records(&mini_corpus()).unwrap();
        let tagger = Tagger::from_model(trainer.finish().unwrap()).unwrap();
        assert_eq!(tagger.model().scorer().is_some(), classifier != "bernoulli", "{classifier}");
        for (title, text, shape) in pieces {
            let fast = tagger.predict(title, text, shape, TagOptions::default());
            let vector = tagger.predict(title, text, shape, TagOptions::default().with_explain(1));
            assert_eq!((fast.theme, &fast.tags, fast.runner_up), (vector.theme, &vector.tags, vector.runner_up), "{classifier}: {text}");
            for (a, b) in fast.scores.iter().zip(&vector.scores) {
                assert!((a - b).abs() < 1e-12, "{classifier}: {:?} vs {:?}", fast.scores, vector.scores);
            }
        }
    }
}

/// Runs a linfa multinomial fit in a child process (this test binary, filtered to the child
/// test below) and checks that linfa-bayes' stray `dbg!` output never reaches stderr.
#[cfg(feature = "linfa")]
#[test]
fn linfa_fit_prints_nothing_to_stderr() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "tests::linfa_fit_child", "--nocapture", "--test-threads=1"])
        .env("BULLETIN_LINFA_CHILD", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ClassHistogram") && !stderr.contains("feature_log_prob"), "linfa leaked: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("child fitted"), "the child test did not run");
}

#[cfg(feature = "linfa")]
#[test]
fn linfa_fit_child() {
    if std::env::var_os("BULLETIN_LINFA_CHILD").is_none() {
        return;
    }
    let c = fitted("linfa-multinomial", &[]);
    #[expect(clippy::print_stdout, reason = "the parent test reads this marker")]
    {
        println!("child fitted {}", c.name());
    }
}

#[test]
fn a_prediction_names_its_themes_without_the_model() {
    let tagger = Tagger::from_model(train(&mini_corpus(), 1)).unwrap();
    let text = "银行发放知识产权质押贷款3000万元，财政贴息。";
    let p = tagger.predict_text(text);
    let taxonomy = tagger.model().taxonomy();
    assert_eq!(p.theme_id(), taxonomy.theme(p.theme).unwrap().id());
    assert_eq!(p.theme_name(), taxonomy.theme(p.theme).unwrap().name_zh());
    assert_eq!(p.best_id(), taxonomy.theme(p.best).unwrap().id());
    assert_eq!(p.tag_ids().next(), Some(p.theme_id()));
    assert_eq!(p.score_of(p.theme_id()), Some(p.confidence));
    assert_eq!(p.score_of("nonsense"), None);
    assert_eq!(p.taxonomy(), taxonomy);
    // Debug names themes by id and leaves the taxonomy out.
    let debug = format!("{p:?}");
    assert!(debug.contains(&format!("theme: {:?}", p.theme_id())) && !debug.contains("name_en"), "{debug}");
    // predict_text picks the shape from the number of non-blank lines.
    assert_eq!(p, tagger.predict("", text, PieceShape::Passage, TagOptions::default()));
    let article = "12个项目集中签约，总投资86亿元。\n\n银行发放知识产权质押贷款3000万元。";
    assert_eq!(tagger.predict_text(article), tagger.predict("", article, PieceShape::Article, TagOptions::default()));
    assert_eq!(PieceShape::of_text(" \n一段\n\n"), PieceShape::Passage);
}

#[test]
fn tagger_load_takes_any_path_like_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.bin");
    train(&mini_corpus(), 1).save(&path).unwrap();
    let from_path_buf = Tagger::load(&path).unwrap();
    let from_str = Tagger::load(path.to_str().unwrap()).unwrap();
    assert_eq!(from_path_buf.model().to_bytes().unwrap(), from_str.model().to_bytes().unwrap());
}

/// Without the `linfa` feature the registry holds the native backends only.
#[test]
fn the_registry_holds_linfa_backends_only_with_the_feature() {
    let registry = Registry::default();
    let names: Vec<&str> = registry.names().collect();
    assert_eq!(names.contains(&"linfa-multinomial"), cfg!(feature = "linfa"), "{names:?}");
    assert!(names.contains(&"multinomial") && names.contains(&"complement") && names.contains(&"bernoulli"));
}

/// One record per theme of the built-in taxonomy, each with `text`.
fn one_per_theme(text: impl Fn(&str) -> String) -> Vec<Record> {
    Taxonomy::builtin()
        .ids()
        .map(|id| Record::from_json(&format!(r#"{{"title":"","text":"{}","labels":["{id}"]}}"#, text(id))).unwrap())
        .collect()
}

fn train_with(params: &[(&str, &str)], classifier: &str, records: &[Record]) -> Result<Model, ClassifierError> {
    let config = TrainConfig {
        classifier: classifier.to_owned(),
        params: params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(config, &Registry::default())?;
    trainer.add_records(records)?;
    trainer.finish()
}

/// Regression: `alpha=1e308` (or `bernoulli` with `alpha=5e-324`) passed validation and gave a
/// model that scored 0.2 for everything.
#[test]
fn degenerate_smoothing_is_refused_before_training() {
    let records = one_per_theme(|id| format!("{id}专属的词语出现在这里。"));
    for (classifier, alpha) in [("multinomial", "1e308"), ("bernoulli", "5e-324"), ("complement", "1e4"), ("linfa-multinomial", "0")] {
        let err = train_with(&[("alpha", alpha)], classifier, &records).unwrap_err();
        assert!(matches!(&err, ClassifierError::InvalidParam { name, .. } if name == "alpha"), "{classifier} {alpha}: {err}");
    }
    let err = train_with(&[("class_prior", "1e308,1e308,1e308,1e308,1e308")], "multinomial", &records).unwrap_err();
    assert!(matches!(&err, ClassifierError::InvalidParam { name, .. } if name == "class_prior"), "{err}");
    for alpha in ["1e-10", "1000"] {
        assert!(train_with(&[("alpha", alpha)], "multinomial", &records).is_ok(), "alpha {alpha} is in range");
    }
}

#[test]
fn a_model_that_cannot_tell_themes_apart_is_refused_at_finish() {
    // Every theme has the same one example: every score is 0.2, whatever the piece.
    let same = one_per_theme(|_| "高新区召开工作会议。".to_owned());
    let err = train_with(&[], "multinomial", &same).unwrap_err();
    assert!(matches!(&err, ClassifierError::Degenerate { .. }), "{err}");
    assert!(err.to_string().contains("every theme scores the same"), "{err}");
    // Distinct examples pass, and their scores are finite.
    let distinct = one_per_theme(|id| format!("{id}专属的词语出现在这里。"));
    let model = train_with(&[], "multinomial", &distinct).unwrap();
    assert!(model.predict_log_proba(&[]).iter().all(|s| s.is_finite()));
}

/// Regression: an unknown `--param` listed only the plugin's keys (`alpha`, `fit_prior`,
/// `class_prior`), not the model's own, which are just as valid.
#[test]
fn unknown_param_lists_every_accepted_key() {
    let Err(ClassifierError::UnknownParam { name, valid }) = train_with(&[("topk", "5")], "multinomial", &[]) else {
        panic!("an unknown key must be refused");
    };
    assert_eq!(name, "topk");
    for key in [
        "alpha",
        "fit_prior",
        "class_prior",
        "min_count",
        "top_k",
        "min_confidence",
        "tag_min_share",
        "tag_min_confidence",
        "tag_min_score",
    ] {
        assert!(valid.iter().any(|k| k == key), "{key} missing from {valid:?}");
    }
}

/// The mini corpus trained with the article vote on (the default) or off, the lead counting once
/// (so the vote is measured alone): the same counts.
fn train_voting(vote: Option<bulletin_core::ArticleVote>) -> Tagger {
    let mut config = TrainConfig::default();
    config.settings.features.article_vote = vote;
    config.settings.features.lead_weight = 1;
    let mut t = Trainer::new(config, &Registry::default()).unwrap();
    t.add_records(&mini_corpus()).unwrap();
    Tagger::from_model(t.finish().unwrap()).unwrap()
}

#[test]
fn the_paragraph_vote_gives_a_mixed_article_the_theme_most_of_its_text_is_about() {
    // Two paragraphs about a project (few words the model knows) and a shorter one dense in
    // financing words: summed, the financing words win; the vote follows the characters.
    let text = "3个项目落地开工，厂房里机器轰鸣，工人们正忙着调试设备，车间主任说年底前就能试生产。\n\
                招商小分队又去了一趟南方，和几家老朋友吃了顿饭，聊到深夜才散。\n\
                质押贷款贴息，科创板上市募集资金，风险投资基金退出。";
    let off = train_voting(None);
    let on = train_voting(Some(bulletin_core::ArticleVote::default()));
    assert_eq!(off.model().plugin().counts(), on.model().plugin().counts(), "the vote changes no count");
    let paragraphs: Vec<String> =
        text.lines().map(|l| on.predict("", l.trim(), PieceShape::Passage, TagOptions::default()).theme_id().to_owned()).collect();
    assert_eq!(paragraphs, ["investment", "investment", "financing"]);
    assert_eq!(off.predict("", text, PieceShape::Article, TagOptions::default()).theme_id(), "financing");
    let voted = on.predict("", text, PieceShape::Article, TagOptions::default());
    assert_eq!(voted.theme_id(), "investment");
    // The secondary theme is still tagged, and the sparse-vector path decides the same.
    assert_eq!(voted.tag_ids().collect::<Vec<_>>(), ["investment", "financing"]);
    let explained = on.predict("", text, PieceShape::Article, TagOptions::default().with_explain(2));
    assert_eq!((explained.theme, &explained.tags), (voted.theme, &voted.tags));
    // What `bulletin calibrate` fits the article map on is the voted score.
    let (log_proba, _) = on.uncalibrated_as("", text, PieceShape::Article);
    assert_eq!(crate::argmax(&log_proba), voted.theme);
    assert_ne!(crate::argmax(&on.uncalibrated("", text).0), voted.theme);
}

#[test]
fn an_article_of_one_line_does_not_vote_and_is_calibrated_as_the_trainer_scored_it() {
    // The trainer scores one-line records as passages, so a voting model scores a one-line
    // article as a passage: the summed score through the passage map.
    let mut t = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
    // Calibration needs 20 records of each theme: the mini corpus' articles, each with a
    // numbered closing line.
    let mut corpus = Vec::new();
    for i in 0..12 {
        corpus.extend(mini_corpus().into_iter().map(|mut r| {
            r.text = format!("{}\n园区简讯第{i}期。", r.text);
            let labels = vec![r.labels.clone(); r.paragraphs().count()];
            r.with_paragraph_labels(labels)
        }));
    }
    t.add_records(&corpus).unwrap();
    let tagger = Tagger::from_model(t.finish().unwrap()).unwrap();
    let maps = tagger.model().calibration().expect("the test needs calibration maps");
    assert_ne!(maps.article, maps.passage, "the test needs two different maps");
    let (title, line) = ("高新区项目签约", "12个项目集中签约，银行发放知识产权质押贷款3000万元。");
    let article = tagger.predict(title, line, PieceShape::Article, TagOptions::default());
    let passage = tagger.predict(title, line, PieceShape::Passage, TagOptions::default());
    for (a, b) in article.scores.iter().zip(&passage.scores) {
        assert!((a - b).abs() < 1e-12, "{:?} vs {:?}", article.scores, passage.scores);
    }
    // Two lines vote and go through the article map.
    let two = tagger.predict(title, &format!("{line}\n园区简讯。"), PieceShape::Article, TagOptions::default());
    let two_passage = tagger.predict(title, &format!("{line}\n园区简讯。"), PieceShape::Passage, TagOptions::default());
    assert!(two.scores.iter().zip(&two_passage.scores).any(|(a, b)| (a.ln() - b.ln()).abs() > 1e-3), "{:?}", two.scores);
}
