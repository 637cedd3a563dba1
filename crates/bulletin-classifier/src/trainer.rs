//! Training: records in, model out, with feature extraction spread over all cores.

use bulletin_core::{PipelineSettings, Record, Taxonomy};
use bulletin_segmenter::{Feature, Pipeline};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{Model, TagPolicy, TrainingSummary};
use crate::sparse::{SparseVec, count_ids, id_of, remap_new};
use crate::{Classifier, ClassifierError, DEFAULT_CLASSIFIER, Example, ParamMap, Registry, Selection, Vocabulary};

/// Which pieces of a labelled record become training examples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainGranularity {
    /// Each article (title and text) with its primary label.
    Article,
    /// Each paragraph with its own primary paragraph label (records without `paragraph_labels`
    /// contribute nothing).
    Paragraph,
    /// Both of the above (the default: articles teach the vocabulary of whole stories,
    /// paragraphs teach which passages belong to which theme).
    #[default]
    Both,
}

impl TrainGranularity {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Paragraph => "paragraph",
            Self::Both => "both",
        }
    }
}

/// Everything that defines a training run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrainConfig {
    /// The themes.
    pub taxonomy: Taxonomy,
    /// The text pipeline.
    pub settings: PipelineSettings,
    /// Registry name of the classifier plugin.
    pub classifier: String,
    /// Hyper-parameters: the plugin's, plus the model-level `min_count`, `top_k`,
    /// `min_confidence`, `tag_min_share`, `tag_min_confidence`, `tag_min_score`.
    pub params: ParamMap,
    /// Which pieces become examples.
    pub granularity: TrainGranularity,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            taxonomy: Taxonomy::builtin(),
            settings: PipelineSettings::default(),
            classifier: DEFAULT_CLASSIFIER.to_owned(),
            params: ParamMap::new(),
            granularity: TrainGranularity::default(),
        }
    }
}

fn split_params(params: &ParamMap) -> Result<(ParamMap, Selection, TagPolicy), ClassifierError> {
    let mut plugin = ParamMap::new();
    let mut selection = Selection::default();
    let mut policy = TagPolicy::default();
    for (name, value) in params {
        let bad = |reason| ClassifierError::InvalidParam { name: name.clone(), value: value.clone(), reason };
        let unit = || -> Result<f64, ClassifierError> {
            let v: f64 = value.trim().parse().map_err(|_| bad("expected a number between 0 and 1"))?;
            if (0.0..=1.0).contains(&v) { Ok(v) } else { Err(bad("expected a number between 0 and 1")) }
        };
        match name.as_str() {
            "min_count" => {
                selection.min_count = value.trim().parse().ok().filter(|&v| v >= 1).ok_or_else(|| bad("expected an integer ≥ 1"))?;
            }
            "top_k" => selection.top_k = value.trim().parse().map_err(|_| bad("expected an integer ≥ 0 (0 keeps every feature)"))?,
            "min_confidence" => policy.min_confidence = unit()?,
            "tag_min_share" => policy.tag_min_share = unit()?,
            "tag_min_confidence" => policy.tag_min_confidence = unit()?,
            "tag_min_score" => policy.tag_min_score = unit()?,
            _ => {
                plugin.insert(name.clone(), value.clone());
            }
        }
    }
    Ok((plugin, selection, policy))
}

/// What one call to [`Trainer::add_records`] contributed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Records used.
    pub records: u64,
    /// Training examples (articles and paragraphs) produced.
    pub examples: u64,
}

/// Trains a [`Model`] from labelled [`Record`]s, batch by batch.
///
/// Memory grows with the vocabulary, not with the corpus: each batch is turned into counts and
/// dropped. Feature extraction runs on all cores (rayon); the result does not depend on the
/// number of threads or on batch boundaries.
///
/// ```no_run
/// use bulletin_classifier::{TrainConfig, Trainer, Registry};
/// use bulletin_core::Record;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let records: Vec<Record> = std::fs::read_to_string("data/train/train-a.jsonl")?
///     .lines().map(Record::from_json).collect::<Result<_, _>>()?;
/// let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default())?;
/// trainer.add_records(&records)?;
/// let model = trainer.finish()?;
/// model.save("model.bin".as_ref())?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    pipeline: Pipeline,
    vocab: Vocabulary,
    plugin: Box<dyn Classifier>,
    selection: Selection,
    policy: TagPolicy,
    pieces: Vec<u64>,
    records: u64,
    /// The last batch's examples, numbered in the vocabulary, one list per work unit: their counts
    /// go to the plugin while the next batch is featurised (or in `finish`).
    pending: Vec<Vec<(SparseVec, usize)>>,
}

/// Fewest records per parallel work unit: each unit builds a local vocabulary that is merged into
/// the global one in order, so units must be large enough to amortise that merge.
const MIN_UNIT: usize = 32;

impl Trainer {
    /// Builds the pipeline (about 80 ms for jieba's dictionary) and a fresh plugin.
    pub fn new(config: TrainConfig, registry: &Registry) -> Result<Self, ClassifierError> {
        let pipeline = Pipeline::new(&config.settings)?;
        Self::with_pipeline(config, pipeline, registry)
    }

    /// Like [`Trainer::new`], reusing an already built pipeline (its settings must be `config.settings`).
    pub fn with_pipeline(config: TrainConfig, pipeline: Pipeline, registry: &Registry) -> Result<Self, ClassifierError> {
        let (plugin_params, selection, policy) = split_params(&config.params)?;
        let plugin = registry.get(&config.classifier)?.create(&plugin_params, config.taxonomy.len())?;
        let n = config.taxonomy.len();
        Ok(Self {
            config,
            pipeline,
            vocab: Vocabulary::new(),
            plugin,
            selection,
            policy,
            pieces: vec![0; n],
            records: 0,
            pending: Vec::new(),
        })
    }

    /// The pipeline in use.
    #[must_use]
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Adds a batch of records. Labels must be valid theme ids (checked first: an unknown label
    /// fails the whole batch with [`bulletin_core::CoreError::UnknownTheme`]).
    ///
    /// The batch's features are counted into the plugin while the next batch is featurised (or
    /// by [`finish`](Self::finish)), so the serial part of training overlaps the parallel one; an
    /// error of the plugin's update is therefore reported by the next call or by `finish`.
    pub fn add_records(&mut self, records: &[Record]) -> Result<BatchReport, ClassifierError> {
        let taxonomy = &self.config.taxonomy;
        let granularity = self.config.granularity;
        // Resolve every label up front so a bad one never leaves a half-counted batch.
        let mut resolved = Vec::with_capacity(records.len());
        for r in records {
            let primary = taxonomy.resolve_labels(&r.labels)?.first().copied();
            let paragraphs: Vec<Option<usize>> = match &r.paragraph_labels {
                Some(pl) => pl.iter().map(|l| taxonomy.resolve_labels(l).map(|v| v.first().copied())).collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            resolved.push((primary, paragraphs));
        }
        let pipeline = &self.pipeline;
        // Units look features up in the global vocabulary (read-only while they run) and number
        // only the unseen ones locally, from `base` up: once the vocabulary has warmed up almost
        // every feature is known, so units allocate next to nothing and the serial merge below
        // touches only the new words.
        let global = &self.vocab;
        let base = id_of(global.len());
        // About two units per thread: enough to balance, few enough to keep the serial merge small.
        let unit = records.len().div_ceil(2 * rayon::current_num_threads()).max(MIN_UNIT);
        let featurise = || -> Vec<(Vocabulary, Vec<(SparseVec, usize)>)> {
            records
                .par_chunks(unit)
                .zip(resolved.par_chunks(unit))
                .map(|(recs, labels)| {
                    let mut local = Vocabulary::new();
                    let mut id = |f: Feature<'_>| global.get_feature(f).unwrap_or_else(|| base + local.intern_feature(f));
                    let mut out = Vec::new();
                    let mut article_ids = Vec::new();
                    let mut paragraph_ids = Vec::new();
                    for (r, (primary, para_labels)) in recs.iter().zip(labels) {
                        let article = primary.filter(|_| granularity != TrainGranularity::Paragraph);
                        let paragraphs = granularity != TrainGranularity::Article && !para_labels.is_empty();
                        if article.is_none() && !paragraphs {
                            continue;
                        }
                        // Each line is featurised once: its ids make its paragraph's example and add up
                        // to the article's (features are additive over lines, and trimming a line
                        // changes none of them). The article comes first, as its slot is reserved here.
                        let slot = out.len();
                        article_ids.clear();
                        if let Some(theme) = article {
                            out.push((SparseVec::new(), theme));
                            pipeline.for_each_feature_ref(&r.title, "", |f| article_ids.push(id(f)));
                        }
                        let mut labels = para_labels.iter();
                        for (line, is_paragraph) in r.lines() {
                            let theme = if paragraphs && is_paragraph { labels.next().copied().flatten() } else { None };
                            match theme {
                                Some(theme) => {
                                    paragraph_ids.clear();
                                    pipeline.for_each_feature_ref("", line, |f| paragraph_ids.push(id(f)));
                                    if article.is_some() {
                                        article_ids.extend_from_slice(&paragraph_ids);
                                    }
                                    out.push((count_ids(&mut paragraph_ids), theme));
                                }
                                None if article.is_some() => {
                                    pipeline.for_each_feature_ref("", line, |f| article_ids.push(id(f)));
                                }
                                None => {}
                            }
                        }
                        if article.is_some() {
                            out[slot].0 = count_ids(&mut article_ids);
                        }
                    }
                    (local, out)
                })
                .collect()
        };
        // The previous batch's counts go to the plugin on one thread while the others featurise
        // this batch: the plugin and the vocabulary are distinct fields, and counting never reads
        // the vocabulary, so the two cannot interfere.
        let previous = std::mem::take(&mut self.pending);
        let plugin = &mut self.plugin;
        let (units, counted) = rayon::join(featurise, || update(plugin.as_mut(), previous));
        counted?;
        let mut report = BatchReport { records: records.len() as u64, examples: 0 };
        for (local, mut examples) in units {
            let mapping: Vec<u32> = local.words().iter().map(|w| self.vocab.intern(w)).collect();
            if !mapping.is_empty() {
                for (x, _) in &mut examples {
                    remap_new(x, base, &mapping);
                }
            }
            for (_, t) in &examples {
                self.pieces[*t] += 1;
            }
            report.examples += examples.len() as u64;
            self.pending.push(examples);
        }
        self.records += report.records;
        Ok(report)
    }

    /// Training pieces per theme so far.
    #[must_use]
    pub fn pieces_per_theme(&self) -> &[u64] {
        &self.pieces
    }

    /// Finalises the model: canonical vocabulary, feature selection, derived weights; then a
    /// sanity check of its scores (finite, not the same for every theme), which refuses a
    /// degenerate model with [`ClassifierError::Degenerate`].
    pub fn finish(self) -> Result<Model, ClassifierError> {
        self.finish_with_pipeline().0
    }

    /// [`finish`](Self::finish), also giving back the pipeline, to train again with
    /// [`Trainer::with_pipeline`] or to featurise pieces for the model without building it anew
    /// (tens of milliseconds each time).
    pub fn finish_with_pipeline(self) -> (Result<Model, ClassifierError>, Pipeline) {
        let Self { config, pipeline, vocab, mut plugin, selection, policy, pieces, records, pending } = self;
        let model = (|| {
            update(plugin.as_mut(), pending)?;
            if pieces.iter().all(|&n| n == 0) {
                return Err(ClassifierError::NoTrainingData { reason: "no training example was read".into() });
            }
            let summary = TrainingSummary {
                pieces_per_theme: pieces,
                records,
                granularity: config.granularity.as_str().to_owned(),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            };
            let model =
                Model::assemble(config.taxonomy, config.settings, pipeline.fingerprint(), vocab, plugin, selection, policy, summary)?;
            if model.selected_features() == 0 {
                return Err(ClassifierError::NoTrainingData {
                    reason: "feature selection kept no feature (lower min_count or raise top_k)".into(),
                });
            }
            check_scores(&model)?;
            Ok(model)
        })();
        (model, pipeline)
    }
}

/// Selected features probed by [`check_scores`], most frequent first.
const PROBES: usize = 256;

/// The sanity check of a trained model: the scores of an empty piece and of one-feature pieces
/// (its most frequent selected features) must be finite, and not the same for every theme on
/// every probe — a model that cannot tell the themes apart is refused rather than saved.
fn check_scores(model: &Model) -> Result<(), ClassifierError> {
    let n = model.vocabulary().len();
    let mut features: Vec<(u64, u32)> = match model.plugin().counts() {
        Some(counts) => (0..n.min(counts.n_features())).map(|f| (counts.token_row(f).iter().sum(), id_of(f))).collect(),
        None => (0..n).map(|f| (0, id_of(f))).collect(),
    };
    features.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let probes = std::iter::once(Vec::new()).chain(features.iter().take(PROBES).map(|&(_, f)| vec![(f, 1)]));
    let mut tells_apart = false;
    for x in probes {
        let scores = model.predict_log_proba(&x);
        if let Some(bad) = scores.iter().find(|s| !s.is_finite()) {
            return Err(ClassifierError::Degenerate { reason: format!("a score is {bad} (check alpha and class_prior)") });
        }
        let (min, max) = scores.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        tells_apart |= max - min > 1e-9;
    }
    if !tells_apart {
        return Err(ClassifierError::Degenerate { reason: "every theme scores the same on every piece tried".into() });
    }
    Ok(())
}

/// Hands `units` (lists of numbered examples, in order) to the plugin, one update per unit, and
/// frees them on the calling thread (off the serial path when it runs beside featurisation).
fn update(plugin: &mut dyn Classifier, units: Vec<Vec<(SparseVec, usize)>>) -> Result<(), ClassifierError> {
    for examples in units {
        let batch: Vec<Example<'_>> = examples.iter().map(|(features, theme)| Example { features, theme: *theme }).collect();
        plugin.update(&batch)?;
    }
    Ok(())
}
