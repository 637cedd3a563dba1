//! Throughput of the text stages on realistic zone news, about 1 MB per input.
//!
//! `cargo bench -p bulletin-segmenter -- --warm-up-time 1 --measurement-time 3`
//!
//! The `segment` group compares bare jieba-rs (`Jieba::cut`, HMM on, same dictionary and domain
//! lexicon) with the full pipeline (normalise + segment + features) on the same articles.

use std::hint::black_box;
use std::sync::LazyLock;

use bulletin_segmenter::{DOMAIN_LEXICON, Pipeline, decode, parse_lexicon, split_page};
use criterion::{Criterion, Throughput, criterion_main};
use jieba_rs::Jieba;

/// About 3 KB of zone news: headings, bylines, a caption, sections, numbers, full-width punctuation.
const PAGE: &str = "# 桂林高新区: 招商引资“早春行动”喜讯传
陈丹 王铭思

本报讯 3月5日，桂林高新区举行一季度重大项目集中签约仪式，12个项目现场签约，总投资86.5亿元，涵盖电子信息、生物医药、新材料等领域。

## 驻点招商见实效
今年以来，高新区组建6支驻点招商小分队，赴长三角、粤港澳大湾区开展以商招商和产业链招商，新增在谈项目23个，其中亿元以上项目15个。
“我们将强化要素保障，推动签约项目早落地、早投产、早见效。”高新区管委会负责人说。 李明 张晓

图片来源:桂林高新区
签约仪式现场。

# 苏州高新区: 科技型企业融资再添新渠道
本报讯(记者 周婷) 近日，苏州高新区发放首笔知识产权质押贷款1000万元，帮助一家专精特新企业缓解资金压力。
区内科技型中小企业可申请贴息，最高贴息比例达50%。今年一季度，全区新增科技贷款42.6亿元，同比增长18.3%，惠及企业320家。
高新区设立2亿元风险补偿资金池，联合12家银行推出“科创贷”“人才贷”等产品，推动投贷联动，引导天使投资、创业投资投早投小投硬科技。

# 西安高新区: 高新技术企业数量突破一万家
2023年，西安高新区新认定高新技术企业1200家，有效高新技术企业总数突破1万家，同比增长22.8%。
高新区实施科技型企业梯度培育计划，建立“科技型中小企业—高新技术企业—瞪羚企业—独角兽企业”培育链条，全年新增瞪羚企业86家、专精特新“小巨人”企业21家。
规上工业企业研发投入增长15.6%，研发费用加计扣除政策惠及企业2800余家，减免税额超过30亿元。

# 武汉东湖高新区: 科技成果转化跑出加速度
东湖高新区技术合同成交额达到1200亿元，同比增长9.8个百分点。
高新区与武汉大学、华中科技大学共建概念验证中心和中试基地，打通从实验室到生产线的“最后一公里”，今年已促成产学研合作项目156项。
技术转移机构为企业提供技术合同登记、技术经纪、知识产权运营等一站式服务，全年完成科技成果转化项目420项，新增孵化器和众创空间18家。

# 深圳高新区: 新质生产力加快成势
2024年1-2月，深圳高新区规上工业总产值同比增长11.7%，战略性新兴产业增加值占比超过六成。
高新区聚焦人工智能、低空经济、商业航天等未来产业，实施“揭榜挂帅”项目32项，推动链主企业带动上下游协同创新，智改数转覆盖企业1500余家。
";

/// A traditional-script paragraph for the t2s path.
const TRADITIONAL: &str = "本報訊 3月5日，桂林高新區舉行一季度重大項目集中簽約儀式，12個項目現場簽約，總投資86.5億元。\
高新區組建6支駐點招商小分隊，赴長三角開展以商招商和產業鏈招商，新增在談項目23個。\
區內科技型中小企業可申請貼息，高新區設立風險補償資金池，推動投貸聯動。\n";

const TARGET: usize = 1 << 20;

fn repeat_to_target(text: &str) -> String {
    text.repeat(TARGET / text.len() + 1)
}

static PIPELINE: LazyLock<Pipeline> = LazyLock::new(Pipeline::default_pipeline);
/// The default pipeline without traditional-to-simplified conversion: on simplified text the
/// difference to `PIPELINE` is the cost of the "does this hold traditional characters?" check.
static NO_T2S: LazyLock<Pipeline> = LazyLock::new(|| {
    let mut settings = bulletin_core::PipelineSettings::default();
    settings.normalize.traditional_to_simplified = false;
    Pipeline::new(&settings).expect("settings build")
});
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for entry in parse_lexicon(DOMAIN_LEXICON).expect("domain lexicon") {
        jieba.add_word(&entry.word, usize::try_from(entry.freq).ok(), entry.tag.as_deref());
    }
    jieba
});

fn benches(c: &mut Criterion) {
    let page = repeat_to_target(PAGE);
    let (gbk, _, _) = encoding_rs::GBK.encode(&page);
    let articles: Vec<String> = split_page(&page).into_iter().map(|p| p.text).collect();
    let article_bytes: usize = articles.iter().map(String::len).sum();
    let traditional = repeat_to_target(TRADITIONAL);
    LazyLock::force(&PIPELINE);
    LazyLock::force(&JIEBA);
    LazyLock::force(&NO_T2S);

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("utf8", |b| b.iter(|| decode(black_box(page.as_bytes()), None).map(|d| d.text.len())));
    g.throughput(Throughput::Bytes(gbk.len() as u64));
    g.bench_function("gbk", |b| b.iter(|| decode(black_box(&gbk), None).map(|d| d.text.len())));
    g.finish();

    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("page", |b| b.iter(|| split_page(black_box(&page)).len()));
    g.finish();

    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(article_bytes as u64));
    g.bench_function("simplified", |b| b.iter(|| articles.iter().map(|a| PIPELINE.normalize(black_box(a)).len()).sum::<usize>()));
    g.bench_function("simplified_without_t2s_check", |b| {
        b.iter(|| articles.iter().map(|a| NO_T2S.normalize(black_box(a)).len()).sum::<usize>());
    });
    g.throughput(Throughput::Bytes(traditional.len() as u64));
    g.bench_function("traditional", |b| b.iter(|| PIPELINE.normalize(black_box(&traditional)).len()));
    g.finish();

    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(article_bytes as u64));
    g.bench_function("bare_jieba_cut", |b| b.iter(|| articles.iter().map(|a| JIEBA.cut(black_box(a), true).len()).sum::<usize>()));
    g.bench_function("analyze", |b| b.iter(|| articles.iter().map(|a| PIPELINE.analyze(black_box(a)).tokens.len()).sum::<usize>()));
    g.bench_function("for_each_feature", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for a in &articles {
                PIPELINE.for_each_feature("", black_box(a), |f| n += black_box(f).len());
            }
            n
        });
    });
    g.bench_function("for_each_feature_ref", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for a in &articles {
                PIPELINE.for_each_feature_ref("", black_box(a), |f| {
                    black_box(f);
                    n += 1;
                });
            }
            n
        });
    });
    g.finish();
}

// `criterion_group!` generates an undocumented `pub fn`; a private module keeps it out of `missing_docs`.
mod group {
    criterion::criterion_group!(pipeline, super::benches);
}
criterion_main!(group::pipeline);
