//! Throughput of scoring with the shipped model, on the frozen test articles (about 170 KB).
//!
//! `cargo bench -p bulletin-classifier --bench score -- --warm-up-time 1 --measurement-time 3`
//!
//! Every function in the `score` group runs over the same articles, so their throughputs compare
//! directly: `featurise` is the text pipeline alone (normalise, segment, features, nothing
//! looked up), `predict_linear` adds the feature-by-feature scoring of a linear plugin (what
//! `bulletin classify` does), and `predict_vector` the general path (a sorted sparse vector per
//! paragraph and article, scored by the plugin, plus an explanation), which explanations and
//! non-linear plugins use. `tag_page` splits and tags a sample page.

use std::hint::black_box;
use std::sync::LazyLock;

use bulletin_classifier::{PieceShape, TagOptions, Tagger};
use bulletin_core::Record;
use criterion::{Criterion, Throughput, criterion_main};

static TAGGER: LazyLock<Tagger> =
    LazyLock::new(|| Tagger::from_bytes(bulletin_classifier::DEFAULT_MODEL).expect("the shipped model loads"));

const ARTICLES: &str = include_str!("../../../data/test/articles.jsonl");
const PAGE: &str = include_str!("../../../data/samples/page-1.txt");

fn benches(c: &mut Criterion) {
    let articles: Vec<Record> =
        ARTICLES.lines().filter(|l| !l.trim().is_empty()).map(|l| Record::from_json(l).expect("test articles parse")).collect();
    let bytes: usize = articles.iter().map(|r| r.title.len() + r.text.len()).sum();
    let tagger = &*TAGGER;

    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("featurise", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &articles {
                tagger.pipeline().for_each_feature_ref(black_box(&r.title), black_box(&r.text), |_| n += 1);
            }
            n
        });
    });
    g.bench_function("predict_linear", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|r| tagger.predict(black_box(&r.title), black_box(&r.text), PieceShape::Article, TagOptions::default()).theme)
                .sum::<usize>()
        });
    });
    let explain = TagOptions::default().with_explain(1);
    g.bench_function("predict_vector", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|r| tagger.predict(black_box(&r.title), black_box(&r.text), PieceShape::Article, explain).theme)
                .sum::<usize>()
        });
    });
    g.finish();

    let mut g = c.benchmark_group("page");
    g.throughput(Throughput::Bytes(PAGE.len() as u64));
    g.bench_function("tag_page", |b| b.iter(|| tagger.tag_page(black_box(PAGE)).len()));
    g.finish();
}

// `criterion_group!` generates an undocumented `pub fn`; a private module keeps it out of `missing_docs`.
mod group {
    criterion::criterion_group!(score, super::benches);
}
criterion_main!(group::score);
