//! Training: records in, model out, with feature extraction spread over all cores.

use bulletin_core::{ArticleVote, FeatureSettings, PipelineSettings, Record, Taxonomy};
use bulletin_segmenter::{Feature, Pipeline};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::calibration::{
    Calibration, CalibrationSource, CalibrationState, MIN_RECORDS_PER_THEME, PieceShape, Scored, TemperatureMap, Uncalibrated,
};
use crate::model::{Model, TagPolicy, TrainingSummary};
use crate::sketch::{RecordSketch, record_hash};
use crate::sparse::{SparseVec, add_scaled, count_ids, id_of, remap_new, sum_sparse};
use crate::vote::{Vote, remainder};
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
    /// Whether to fit calibration maps on out-of-fold scores.
    pub calibration: CalibrationMode,
    /// Folds of the out-of-fold scores (at least 2).
    pub calibration_folds: usize,
}

/// Whether [`Trainer::finish`] fits calibration maps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CalibrationMode {
    /// Fit them when every theme has at least [`MIN_RECORDS_PER_THEME`] records and the plugin
    /// can be scored out of fold; otherwise the model says why it has none.
    #[default]
    Auto,
    /// Never fit them: scores are the plugin's own probabilities.
    None,
}

/// Records whose out-of-fold scores fit the calibration (the ones with the smallest record
/// hashes, so the choice depends on the data only): bounds the memory of training on large
/// corpora, as their feature vectors are kept until `finish`.
pub const CALIBRATION_SAMPLE: usize = 20_000;

/// Seed of the calibration folds.
const CALIBRATION_SEED: u64 = 42;

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            taxonomy: Taxonomy::builtin(),
            settings: PipelineSettings::default(),
            classifier: DEFAULT_CLASSIFIER.to_owned(),
            params: ParamMap::new(),
            granularity: TrainGranularity::default(),
            calibration: CalibrationMode::default(),
            calibration_folds: 5,
        }
    }
}

/// The model's own `--param` keys, which every classifier accepts besides its plugin's.
const MODEL_PARAMS: [&str; 6] = ["min_count", "top_k", "min_confidence", "tag_min_share", "tag_min_confidence", "tag_min_score"];

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
    /// Digest of every record, stored in the model for `merge`.
    sketch: RecordSketch,
    /// The records kept for out-of-fold calibration.
    sample: Sample,
}

/// One record kept for calibration: the examples it contributed, as numbered in the vocabulary.
#[derive(Debug, Clone)]
struct Sampled {
    hash: u64,
    /// Hash of the record's `batch` (its writing batch or source), if it has one.
    batch: Option<u64>,
    /// Resolved labels, primary first.
    labels: Vec<usize>,
    /// The article's vector, and whether it was learnt (with `--granularity paragraph` it is
    /// the sum of the paragraphs', scored but never counted).
    article: Option<(SparseVec, bool)>,
    /// Paragraphs: vector, resolved labels, characters, whether learnt.
    paragraphs: Vec<(SparseVec, Vec<usize>, u32, bool)>,
    /// Characters of the title and of the lines that are not among `paragraphs`: the piece the
    /// article vote counts for what the article's vector holds beyond its paragraphs'.
    rest_chars: u32,
    /// Paragraph lines of the record (more than one: an article; else a passage).
    lines: usize,
    /// The features of the article's lead, as far as `article` holds them (its title and first
    /// paragraph, the first line that is not a `## ` heading), when the lead weight is above 1;
    /// else empty. The tagger counts them `lead_weight` times in an article's score.
    lead: SparseVec,
}

/// The bottom-[`CALIBRATION_SAMPLE`] records by hash.
#[derive(Debug, Default)]
struct Sample {
    items: Vec<Sampled>,
    /// Once the sample is full, records hashing at or above this are not kept.
    cutoff: Option<u64>,
}

impl Sample {
    fn wants(&self, hash: u64) -> bool {
        self.cutoff.is_none_or(|c| hash < c)
    }

    fn push(&mut self, item: Sampled) {
        self.items.push(item);
        if self.items.len() >= 2 * CALIBRATION_SAMPLE {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.items.sort_by_key(|s| s.hash);
        if self.items.len() >= CALIBRATION_SAMPLE {
            self.items.truncate(CALIBRATION_SAMPLE);
            self.cutoff = self.items.last().map(|s| s.hash);
        }
    }
}

/// What a work unit of [`Trainer::add_records`] produces: its new words, its numbered examples
/// with their themes, and per-record bookkeeping.
type UnitOutput = (Vocabulary, Vec<(SparseVec, usize)>, Vec<RecordInfo>);

/// Per-record bookkeeping of a work unit, for the digest and the calibration sample.
struct RecordInfo {
    /// Index of the record in the batch.
    record: usize,
    hash: u64,
    /// Index of the article's example in the unit's output, if it has one.
    article: Option<usize>,
    /// Paragraphs with an example: paragraph number, example index, characters.
    paragraphs: Vec<(usize, usize, u32)>,
    /// Characters of the title and of the lines without an example.
    rest_chars: u32,
    lines: usize,
    /// With a lead weight above 1 and a record the sample may keep: the unit's ids of the
    /// features of the lead (title and first paragraph) that the article's vector holds.
    lead: Option<Vec<u32>>,
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
        let plugin = registry.get(&config.classifier)?.create(&plugin_params, config.taxonomy.len()).map_err(|err| match err {
            // The plugin knows only its own keys: name the model's too, so the list is complete.
            ClassifierError::UnknownParam { name, mut valid } => {
                valid.extend(MODEL_PARAMS.iter().map(|k| (*k).to_owned()));
                ClassifierError::UnknownParam { name, valid }
            }
            err => err,
        })?;
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
            sketch: RecordSketch::default(),
            sample: Sample::default(),
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
    #[expect(clippy::too_many_lines, reason = "one pass over a batch: featurise in parallel, then number, count and sample in order")]
    pub fn add_records(&mut self, records: &[Record]) -> Result<BatchReport, ClassifierError> {
        let taxonomy = &self.config.taxonomy;
        let granularity = self.config.granularity;
        // Resolve every label up front so a bad one never leaves a half-counted batch.
        let mut resolved = Vec::with_capacity(records.len());
        let mut full_labels = Vec::with_capacity(records.len());
        for r in records {
            let labels = taxonomy.resolve_labels(&r.labels)?;
            let paragraph_labels: Vec<Vec<usize>> = match &r.paragraph_labels {
                Some(pl) => pl.iter().map(|l| taxonomy.resolve_labels(l)).collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            resolved.push((labels.first().copied(), paragraph_labels.iter().map(|l| l.first().copied()).collect::<Vec<_>>()));
            full_labels.push((labels, paragraph_labels));
        }
        let calibrating = self.config.calibration == CalibrationMode::Auto;
        // The lead is kept apart only when the tagger weights it, and only for records the sample
        // may keep (its cutoff only falls while the batch is sampled, so this is a superset).
        let leading = calibrating && self.config.settings.features.lead_weight > 1;
        let sample = &self.sample;
        let pipeline = &self.pipeline;
        // Units look features up in the global vocabulary (read-only while they run) and number
        // only the unseen ones locally, from `base` up: once the vocabulary has warmed up almost
        // every feature is known, so units allocate next to nothing and the serial merge below
        // touches only the new words.
        let global = &self.vocab;
        let base = id_of(global.len());
        // About two units per thread: enough to balance, few enough to keep the serial merge small.
        let unit = records.len().div_ceil(2 * rayon::current_num_threads()).max(MIN_UNIT);
        let featurise = || -> Vec<UnitOutput> {
            records
                .par_chunks(unit)
                .zip(resolved.par_chunks(unit))
                .enumerate()
                .map(|(u, (recs, labels))| {
                    let mut local = Vocabulary::new();
                    let mut id = |f: Feature<'_>| global.get_feature(f).unwrap_or_else(|| base + local.intern_feature(f));
                    let mut out = Vec::new();
                    let mut infos = Vec::with_capacity(recs.len());
                    let mut article_ids = Vec::new();
                    let mut paragraph_ids = Vec::new();
                    for (i, (r, (primary, para_labels))) in recs.iter().zip(labels).enumerate() {
                        let hash = record_hash(&r.title, &r.text);
                        let mut info = RecordInfo {
                            record: u * unit + i,
                            hash,
                            article: None,
                            paragraphs: Vec::new(),
                            rest_chars: chars(r.title.trim()),
                            lines: r.paragraphs().count(),
                            lead: None,
                        };
                        let article = primary.filter(|_| granularity != TrainGranularity::Paragraph);
                        let paragraphs = granularity != TrainGranularity::Article && !para_labels.is_empty();
                        if article.is_none() && !paragraphs {
                            infos.push(info);
                            continue;
                        }
                        // Each line is featurised once: its ids make its paragraph's example and add up
                        // to the article's (features are additive over lines, and trimming a line
                        // changes none of them). The article comes first, as its slot is reserved here.
                        let slot = out.len();
                        article_ids.clear();
                        let mut lead = (leading && primary.is_some() && sample.wants(hash)).then(Vec::new);
                        if let Some(theme) = article {
                            info.article = Some(slot);
                            out.push((SparseVec::new(), theme));
                            pipeline.for_each_feature_ref(&r.title, "", |f| article_ids.push(id(f)));
                            if let Some(lead) = &mut lead {
                                lead.extend_from_slice(&article_ids);
                            }
                        }
                        let mut labels = para_labels.iter();
                        let mut paragraph = 0;
                        for (line, is_paragraph) in r.lines() {
                            let theme = if paragraphs && is_paragraph { labels.next().copied().flatten() } else { None };
                            // The first paragraph: the first line that is not a heading, as the
                            // tagger's `FirstParagraph` finds it.
                            let first = is_paragraph && paragraph == 0;
                            if is_paragraph {
                                paragraph += 1;
                            }
                            match theme {
                                Some(theme) => {
                                    paragraph_ids.clear();
                                    pipeline.for_each_feature_ref("", line, |f| paragraph_ids.push(id(f)));
                                    if article.is_some() {
                                        article_ids.extend_from_slice(&paragraph_ids);
                                    }
                                    if let Some(lead) = lead.as_mut().filter(|_| first) {
                                        lead.extend_from_slice(&paragraph_ids);
                                    }
                                    info.paragraphs.push((paragraph - 1, out.len(), chars(line)));
                                    out.push((count_ids(&mut paragraph_ids), theme));
                                }
                                None if article.is_some() => {
                                    info.rest_chars = info.rest_chars.saturating_add(chars(line));
                                    let start = article_ids.len();
                                    pipeline.for_each_feature_ref("", line, |f| article_ids.push(id(f)));
                                    if let Some(lead) = lead.as_mut().filter(|_| first) {
                                        lead.extend_from_slice(&article_ids[start..]);
                                    }
                                }
                                None => {}
                            }
                        }
                        if article.is_some() {
                            out[slot].0 = count_ids(&mut article_ids);
                        }
                        info.lead = lead;
                        infos.push(info);
                    }
                    (local, out, infos)
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
        for (local, mut examples, infos) in units {
            let mapping: Vec<u32> = local.words().iter().map(|w| self.vocab.intern(w)).collect();
            if !mapping.is_empty() {
                for (x, _) in &mut examples {
                    remap_new(x, base, &mapping);
                }
            }
            for (_, t) in &examples {
                self.pieces[*t] += 1;
            }
            for info in infos {
                self.sketch.insert(info.hash);
                let (labels, paragraph_labels) = &full_labels[info.record];
                if calibrating && !labels.is_empty() && self.sample.wants(info.hash) {
                    let paragraphs: Vec<(SparseVec, Vec<usize>, u32, bool)> = info
                        .paragraphs
                        .iter()
                        .map(|&(p, e, chars)| (examples[e].0.clone(), paragraph_labels[p].clone(), chars, true))
                        .collect();
                    let article = match info.article {
                        Some(e) => Some((examples[e].0.clone(), true)),
                        None if !paragraphs.is_empty() => {
                            Some((sum_sparse(paragraphs.iter().flat_map(|p| p.0.iter().copied()).collect()), false))
                        }
                        None => None,
                    };
                    let batch = records[info.record].batch.as_deref().map(|b| xxhash_rust::xxh3::xxh3_64(b.as_bytes()));
                    // The lead's ids are numbered like the examples': count them, then renumber
                    // the unit's new words.
                    let lead = info.lead.map_or_else(SparseVec::new, |mut ids| {
                        let mut lead = count_ids(&mut ids);
                        if !mapping.is_empty() {
                            remap_new(&mut lead, base, &mapping);
                        }
                        lead
                    });
                    self.sample.push(Sampled {
                        hash: info.hash,
                        batch,
                        labels: labels.clone(),
                        article,
                        paragraphs,
                        rest_chars: info.rest_chars,
                        lines: info.lines,
                        lead,
                    });
                }
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
    pub fn finish_with_pipeline(mut self) -> (Result<Model, ClassifierError>, Pipeline) {
        // The last counts go in, then the calibration is fitted (it may re-derive the tagging
        // thresholds of the policy) before the parts are moved into the model.
        let calibration = (|| {
            update(self.plugin.as_mut(), std::mem::take(&mut self.pending))?;
            if self.pieces.iter().all(|&n| n == 0) {
                return Err(ClassifierError::NoTrainingData { reason: "no training example was read".into() });
            }
            self.calibrate()
        })();
        let Self { config, pipeline, vocab, plugin, selection, policy, pieces, records, sketch, .. } = self;
        let model = (|| {
            let calibration = calibration?;
            let summary = TrainingSummary {
                pieces_per_theme: pieces,
                records,
                granularity: config.granularity.as_str().to_owned(),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            };
            let mut model =
                Model::assemble(config.taxonomy, config.settings, pipeline.fingerprint(), vocab, plugin, selection, policy, summary)?;
            model.set_calibration(calibration);
            model.set_records(sketch);
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

impl Model {
    /// Folds reviewed corrections into the counts, each counted `weight` times, and returns the
    /// updated model: its counts, vocabulary and training summary are those of training on the
    /// model's data plus every record of `corrections` repeated `weight` times (the same
    /// featurisation as [`Trainer`], added with the exact count update of the native plugins and
    /// [`Model::merge`]). `ids` are recorded in [`Model::corrections`], so that a correction is
    /// never folded in twice. The calibration maps are kept, marked
    /// [`stale`](crate::calibration::Calibration::stale) until `bulletin calibrate` or a retrain.
    ///
    /// Fails with [`ClassifierError::Unsupported`] for a plugin without exact counts (the
    /// `linfa-*` backends), [`ClassifierError::InvalidParam`] for a weight of 0, and the
    /// trainer's errors for records with unknown labels.
    pub fn fold_corrections(self, corrections: &[Record], ids: &[String], weight: u32) -> Result<Self, ClassifierError> {
        if self.plugin().counts().is_none() {
            return Err(ClassifierError::Unsupported {
                plugin: self.plugin().name().to_owned(),
                operation: "folding corrections into its counts",
            });
        }
        if weight == 0 {
            return Err(ClassifierError::InvalidParam {
                name: "correction weight".into(),
                value: "0".into(),
                reason: "expected an integer ≥ 1",
            });
        }
        let granularity = match self.summary().granularity.as_str() {
            "article" => TrainGranularity::Article,
            "paragraph" => TrainGranularity::Paragraph,
            _ => TrainGranularity::Both,
        };
        let config = TrainConfig {
            taxonomy: self.taxonomy().clone(),
            settings: self.settings().clone(),
            classifier: self.plugin().name().to_owned(),
            params: self.params(),
            granularity,
            calibration: CalibrationMode::None,
            calibration_folds: 5,
        };
        let mut trainer = Trainer::new(config, &Registry::default())?;
        let repeat = usize::try_from(weight).unwrap_or(usize::MAX);
        let repeated: Vec<Record> = corrections.iter().flat_map(|r| std::iter::repeat_n(r.clone(), repeat)).collect();
        trainer.add_records(&repeated)?;
        let Trainer { config, pipeline, vocab, mut plugin, selection, pieces, records, pending, sketch, .. } = trainer;
        update(plugin.as_mut(), pending)?;
        let summary = TrainingSummary {
            pieces_per_theme: pieces,
            records,
            granularity: self.summary().granularity.clone(),
            tool_version: self.summary().tool_version.clone(),
        };
        let mut added =
            Model::assemble(config.taxonomy, config.settings, pipeline.fingerprint(), vocab, plugin, selection, self.policy(), summary)?;
        added.set_records(sketch);
        let calibration = match self.calibration_state().clone() {
            CalibrationState::Calibrated(mut c) => {
                c.stale = true;
                CalibrationState::Calibrated(c)
            }
            other => other,
        };
        let policy = self.policy();
        let mut merged = self.merge(added)?;
        merged.set_calibration(calibration);
        merged.set_policy(policy);
        merged.add_corrections(ids);
        Ok(merged)
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

impl Trainer {
    /// Fits the calibration maps on out-of-fold scores of the sampled records, and re-derives the
    /// tagging thresholds on the same scores unless they were set explicitly. The out-of-fold
    /// model of fold `k` is the whole model minus fold `k`'s examples: counts are additive, so
    /// no second pass over the data is needed.
    fn calibrate(&mut self) -> Result<CalibrationState, ClassifierError> {
        if self.config.calibration == CalibrationMode::None {
            return Ok(CalibrationState::Uncalibrated(Uncalibrated::Disabled));
        }
        let mut sample = std::mem::take(&mut self.sample);
        sample.trim();
        let n_themes = self.config.taxonomy.len();
        let mut per_theme = vec![0u64; n_themes];
        for s in &sample.items {
            per_theme[s.labels[0]] += 1;
        }
        if let Some((theme, &records)) = per_theme.iter().enumerate().find(|&(_, &n)| n < MIN_RECORDS_PER_THEME) {
            let theme = self.config.taxonomy.theme(theme).map(|t| t.id().to_owned()).unwrap_or_default();
            return Ok(CalibrationState::Uncalibrated(Uncalibrated::TooFewExamples { theme, records }));
        }
        let Some(oof) = self.out_of_fold(&sample.items)? else {
            return Ok(CalibrationState::Uncalibrated(Uncalibrated::UnsupportedPlugin { plugin: self.plugin.name().to_owned() }));
        };
        let article_points: Vec<Scored> = oof.iter().filter_map(|r| r.article.clone().filter(|_| r.shape == PieceShape::Article)).collect();
        let passage_points: Vec<Scored> = oof
            .iter()
            .flat_map(|r| r.article.iter().filter(|_| r.shape == PieceShape::Passage).chain(r.paragraphs.iter().map(|p| &p.0)))
            .cloned()
            .collect();
        let folds = u32::try_from(self.config.calibration_folds).unwrap_or(u32::MAX);
        let calibration = Calibration::fit(&article_points, &passage_points, CalibrationSource::CrossValidation { folds });
        let fallback = self.config.taxonomy.fallback();
        if !self.config.params.contains_key("tag_min_confidence") {
            if let Some(t) = best_tag_min_confidence(&oof, &calibration, self.policy.tag_min_share, fallback) {
                self.policy.tag_min_confidence = t;
            }
        }
        if !self.config.params.contains_key("tag_min_score") {
            if let Some(t) = best_tag_min_score(&oof, &calibration, fallback) {
                self.policy.tag_min_score = t;
            }
        }
        Ok(CalibrationState::Calibrated(calibration))
    }

    /// Scores every sampled record with the model trained without its fold; `None` when the
    /// plugin cannot be copied and unlearn.
    fn out_of_fold(&self, sample: &[Sampled]) -> Result<Option<Vec<OutOfFold>>, ClassifierError> {
        let k = self.config.calibration_folds.max(2);
        let folds = batch_folds(sample, k).unwrap_or_else(|| {
            let keys: Vec<(String, usize)> = sample.iter().map(|s| (format!("{:016x}", s.hash), s.labels[0])).collect();
            crate::cv::assign_folds(&keys, k, CALIBRATION_SEED)
        });
        let mut out: Vec<Option<OutOfFold>> = vec![None; sample.len()];
        for fold in 0..k {
            let members: Vec<usize> = (0..sample.len()).filter(|&i| folds[i] == fold).collect();
            if members.is_empty() {
                continue;
            }
            let Some(mut plugin) = self.plugin.clone_box() else { return Ok(None) };
            let learnt: Vec<Example<'_>> = members
                .iter()
                .flat_map(|&i| {
                    let s = &sample[i];
                    let article = s.article.iter().filter(|a| a.1).map(|a| Example { features: &a.0, theme: s.labels[0] });
                    let paragraphs =
                        s.paragraphs.iter().filter(|p| p.3 && !p.1.is_empty()).map(|p| Example { features: &p.0, theme: p.1[0] });
                    article.chain(paragraphs)
                })
                .collect();
            match plugin.unlearn(&learnt) {
                Ok(()) => {}
                Err(ClassifierError::Unsupported { .. }) => return Ok(None),
                Err(e) => return Err(e),
            }
            let mask = match plugin.counts() {
                Some(counts) => self.selection.select(counts, self.vocab.len()),
                None => crate::FeatureMask::all(self.vocab.len()),
            };
            plugin.finalize(&mask)?;
            let score = |x: &SparseVec, truth: usize| {
                let length = x.iter().map(|&(_, n)| u64::from(n)).sum();
                Scored::new(plugin.predict_log_proba(x), length, truth)
            };
            let (features, fallback) = (&self.config.settings.features, self.config.taxonomy.fallback());
            for &i in &members {
                let s = &sample[i];
                let shape = s.shape();
                out[i] = Some(OutOfFold {
                    labels: s.labels.clone(),
                    shape,
                    article: s.article.as_ref().map(|a| match shape {
                        PieceShape::Article => article_scored(plugin.as_ref(), s, &a.0, features, fallback),
                        PieceShape::Passage => score(&a.0, s.labels[0]),
                    }),
                    paragraphs: s.paragraphs.iter().filter(|p| !p.1.is_empty()).map(|p| (score(&p.0, p.1[0]), p.1.clone(), p.2)).collect(),
                });
            }
        }
        Ok(Some(out.into_iter().flatten().collect()))
    }
}

/// Folds that keep each writing batch whole, when every sampled record names its `batch` and
/// there are at least `k` batches: then each record is scored by a model that never saw its
/// batch's writers, sources or house style, as new bulletins will be, and the calibration does
/// not learn the confidence of text like the training text. Batches go, largest first (ties by
/// hash), to the fold with the fewest records, so folds stay within one batch of equal size.
fn batch_folds(sample: &[Sampled], k: usize) -> Option<Vec<usize>> {
    let mut sizes: FxHashMap<u64, usize> = FxHashMap::default();
    for s in sample {
        *sizes.entry(s.batch?).or_default() += 1;
    }
    if sizes.len() < k {
        return None;
    }
    let mut batches: Vec<(usize, u64)> = sizes.into_iter().map(|(batch, n)| (n, batch)).collect();
    batches.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut load = vec![0usize; k];
    let mut fold_of: FxHashMap<u64, usize> = FxHashMap::default();
    for (n, batch) in batches {
        let fold = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[fold] += n;
        fold_of.insert(batch, fold);
    }
    Some(sample.iter().map(|s| s.batch.map_or(0, |b| fold_of[&b])).collect())
}

impl Sampled {
    /// How the tagger reads the record: an article when it has more than one paragraph line,
    /// else a passage.
    fn shape(&self) -> PieceShape {
        if self.lines > 1 { PieceShape::Article } else { PieceShape::Passage }
    }
}

/// The out-of-fold score of an article (a record of [`PieceShape::Article`]) with its vector
/// `article`, as [`crate::Tagger`] scores it: its lead (title and first paragraph) counted
/// `lead_weight` times, its length the unweighted number of features, and its pieces' vote
/// added when the settings have one.
fn article_scored(plugin: &dyn Classifier, s: &Sampled, article: &SparseVec, features: &FeatureSettings, fallback: usize) -> Scored {
    let length = article.iter().map(|&(_, n)| u64::from(n)).sum();
    let weight = features.lead_weight.max(1);
    let log_proba = if weight > 1 && !s.lead.is_empty() {
        plugin.predict_log_proba(&add_scaled(article, &s.lead, weight - 1))
    } else {
        plugin.predict_log_proba(article)
    };
    let scored = Scored::new(log_proba, length, s.labels[0]);
    match features.active_vote() {
        // The vote's pieces are unweighted, as the tagger's: the remainder of the plain vector.
        Some(v) => voted(plugin, s, article, scored, v, fallback),
        None => scored,
    }
}

/// An out-of-fold article score with its pieces' vote added, as [`crate::Tagger`] adds it: the
/// paragraphs vote one by one, and the title with any line that is no example as one more piece
/// (the remainder of the article's vector).
fn voted(plugin: &dyn Classifier, s: &Sampled, article: &SparseVec, scored: Scored, v: ArticleVote, fallback: usize) -> Scored {
    let mut vote = Vote::new(scored.log_proba.len());
    for p in s.paragraphs.iter().filter(|p| !p.0.is_empty()) {
        vote.add(&plugin.predict_log_proba(&p.0), p.2 as usize);
    }
    let rest = remainder(article, s.paragraphs.iter().map(|p| &p.0));
    if !rest.is_empty() {
        vote.add(&plugin.predict_log_proba(&rest), s.rest_chars as usize);
    }
    Scored::new(vote.apply(scored.log_proba, v, fallback), scored.length, scored.truth)
}

/// Characters of a line, as the article vote weighs it.
fn chars(line: &str) -> u32 {
    u32::try_from(line.chars().count()).unwrap_or(u32::MAX)
}

/// One sampled record scored out of fold.
#[derive(Debug, Clone)]
struct OutOfFold {
    labels: Vec<usize>,
    shape: PieceShape,
    article: Option<Scored>,
    /// Paragraph scores, labels and characters.
    paragraphs: Vec<(Scored, Vec<usize>, u32)>,
}

/// Calibrated probabilities of an out-of-fold score.
fn calibrated(s: &Scored, map: &TemperatureMap) -> Vec<f64> {
    let mut l = s.log_proba.clone();
    map.apply(&mut l, s.length);
    l.into_iter().map(f64::exp).collect()
}

/// F1 of secondary tags from true/false positives and false negatives; `None` when there is
/// nothing to find and nothing found.
fn f1(tp: u64, fp: u64, fn_: u64) -> Option<f64> {
    (tp + fp + fn_ > 0).then(|| 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64)
}

/// The `tag_min_confidence` (paragraph confidence counted towards an article's secondary tags)
/// with the best F1 of secondary article tags on out-of-fold scores; ties go to the higher
/// threshold. `None` without multi-paragraph articles.
fn best_tag_min_confidence(oof: &[OutOfFold], calibration: &Calibration, min_share: f64, fallback: usize) -> Option<f64> {
    // (predicted theme, record, calibrated paragraph probabilities and characters)
    type Article<'a> = (usize, &'a OutOfFold, Vec<(Vec<f64>, u32)>);
    let articles: Vec<Article<'_>> = oof
        .iter()
        .filter(|r| r.shape == PieceShape::Article && !r.paragraphs.is_empty())
        .filter_map(|r| {
            let top = crate::argmax(&calibrated(r.article.as_ref()?, &calibration.article));
            let paragraphs = r.paragraphs.iter().map(|(s, _, chars)| (calibrated(s, &calibration.passage), *chars)).collect();
            Some((top, r, paragraphs))
        })
        .collect();
    let grid = (6..=19).map(|i| f64::from(i) * 0.05);
    best_threshold(grid, |threshold| {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (top, record, paragraphs) in &articles {
            if *top == fallback {
                continue;
            }
            let n = paragraphs.first().map_or(0, |p| p.0.len());
            let mut chars = vec![0u64; n];
            let total: u64 = paragraphs.iter().map(|p| u64::from(p.1)).sum();
            for (probs, c) in paragraphs {
                let best = crate::argmax(probs);
                if probs[best] >= threshold {
                    chars[best] += u64::from(*c);
                }
            }
            let predicted: Vec<usize> =
                (0..n).filter(|&t| t != *top && t != fallback && total > 0 && chars[t] as f64 / total as f64 >= min_share).collect();
            let truth: Vec<usize> = record.labels.iter().copied().filter(|&t| t != *top && t != fallback).collect();
            tp += predicted.iter().filter(|t| truth.contains(t)).count() as u64;
            fp += predicted.iter().filter(|t| !truth.contains(t)).count() as u64;
            fn_ += truth.iter().filter(|t| !predicted.contains(t)).count() as u64;
        }
        f1(tp, fp, fn_)
    })
}

/// The `tag_min_score` (score a second theme needs to tag a single passage) with the best F1 of
/// secondary paragraph tags on out-of-fold scores; ties go to the higher threshold.
fn best_tag_min_score(oof: &[OutOfFold], calibration: &Calibration, fallback: usize) -> Option<f64> {
    let passages: Vec<(Vec<f64>, &Vec<usize>)> =
        oof.iter().flat_map(|r| r.paragraphs.iter().map(|(s, labels, _)| (calibrated(s, &calibration.passage), labels))).collect();
    if !passages.iter().any(|(_, labels)| labels.len() > 1) {
        return None;
    }
    let grid = (3..=12).map(|i| f64::from(i) * 0.05);
    best_threshold(grid, |threshold| {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (probs, labels) in &passages {
            let top = crate::argmax(probs);
            if top == fallback {
                continue;
            }
            let predicted: Vec<usize> = (0..probs.len()).filter(|&t| t != top && t != fallback && probs[t] >= threshold).collect();
            let truth: Vec<usize> = labels.iter().copied().filter(|&t| t != top && t != fallback).collect();
            tp += predicted.iter().filter(|t| truth.contains(t)).count() as u64;
            fp += predicted.iter().filter(|t| !truth.contains(t)).count() as u64;
            fn_ += truth.iter().filter(|t| !predicted.contains(t)).count() as u64;
        }
        f1(tp, fp, fn_)
    })
}

/// The grid value with the highest score (later values win ties); `None` when no value scores.
fn best_threshold(grid: impl Iterator<Item = f64>, score: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    let mut best: Option<(f64, f64)> = None;
    for t in grid {
        if let Some(s) = score(t) {
            if best.is_none_or(|(b, _)| s >= b) {
                best = Some((s, (t * 100.0).round() / 100.0));
            }
        }
    }
    best.map(|(_, t)| t)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sampled(hash: u64, batch: Option<u64>) -> Sampled {
        Sampled { hash, batch, labels: vec![0], article: None, paragraphs: Vec::new(), rest_chars: 0, lines: 1, lead: SparseVec::new() }
    }

    #[test]
    fn out_of_fold_articles_get_the_vote_the_tagger_gives() {
        // The trainer votes with the paragraphs' vectors and the remainder of the article's (its
        // title here); the tagger with the title and each line. Without section headings the two
        // are the same pieces, so the calibration is fitted on the scores it is applied to. The
        // lead counts once here: its weight has a test of its own, below.
        let mut config = TrainConfig::default();
        config.settings.features.lead_weight = 1;
        let mut trainer = Trainer::new(config, &Registry::default()).unwrap();
        trainer.add_records(&crate::tests::mini_corpus()).unwrap();
        let tagger = crate::Tagger::from_model(trainer.finish().unwrap()).unwrap();
        let model = tagger.model();
        let vote = model.settings().features.article_vote.expect("new models vote");
        let title = "开发区项目签约与融资对接";
        let lines = ["12个项目集中签约，总投资86亿元。", "银行发放知识产权质押贷款3000万元，财政贴息。", "检查组排查消防隐患。"];
        let text = lines.join("\n");
        let mut ids = Vec::new();
        let (article, length) = model.vectorize(tagger.pipeline(), title, &text, &mut ids);
        let paragraphs = lines.iter().map(|l| (model.vectorize(tagger.pipeline(), "", l, &mut ids).0, vec![0], chars(l), true)).collect();
        let s = Sampled {
            hash: 0,
            batch: None,
            labels: vec![0],
            article: None,
            paragraphs,
            rest_chars: chars(title),
            lines: lines.len(),
            lead: SparseVec::new(),
        };
        let plain = Scored::new(model.predict_log_proba(&article), length, 0);
        let oof = voted(model.plugin(), &s, &article, plain.clone(), vote, model.taxonomy().fallback());
        let (scored, scored_length) = tagger.uncalibrated_as(title, &text, PieceShape::Article);
        assert_eq!(oof.length, scored_length);
        for (a, b) in oof.log_proba.iter().zip(&scored) {
            assert!((a - b).abs() < 1e-9, "{:?} vs {scored:?}", oof.log_proba);
        }
        assert!(oof.log_proba.iter().zip(&plain.log_proba).any(|(a, b)| (a - b).abs() > 1e-3), "the vote moved nothing");
    }

    /// A sampled record with its ids renumbered from the trainer's vocabulary `words` to
    /// the finished model's.
    fn sampled_in(model: &Model, words: &[Box<str>], s: &Sampled) -> Sampled {
        let renumber = |x: &SparseVec| {
            let pairs = x.iter().map(|&(f, n)| (model.vocabulary().get(&words[f as usize]).expect("a trained word"), n)).collect();
            sum_sparse(pairs)
        };
        Sampled {
            article: s.article.as_ref().map(|(x, learnt)| (renumber(x), *learnt)),
            paragraphs: s.paragraphs.iter().map(|(x, labels, chars, learnt)| (renumber(x), labels.clone(), *chars, *learnt)).collect(),
            lead: renumber(&s.lead),
            ..s.clone()
        }
    }

    #[test]
    fn out_of_fold_articles_carry_the_lead_weight_the_tagger_gives() {
        // Two articles added to the corpus, as the trainer samples them: one whose lines are all
        // paragraph examples (so the trainer's vote has the tagger's pieces), and one that opens
        // with a section heading and whose first paragraph is no example (its features reach the
        // article's vector on their own), scored without a vote (whose pieces would differ).
        let title = "开发区项目签约与融资对接";
        let cases = [
            (
                Some(ArticleVote::default()),
                "12个项目集中签约，总投资86亿元。\n银行发放知识产权质押贷款3000万元，财政贴息。\n检查组排查消防隐患。",
                vec![vec!["investment"], vec!["financing"], vec!["other"]],
            ),
            (
                None,
                "## 签约\n12个项目集中签约，总投资86亿元。\n## 融资\n银行发放知识产权质押贷款3000万元，财政贴息。\n检查组排查消防隐患。",
                vec![vec![], vec!["financing"], vec!["other"]],
            ),
        ];
        for (vote, text, paragraph_labels) in cases {
            let json = serde_json::json!({"title": title, "text": text, "labels": ["investment"], "paragraph_labels": paragraph_labels});
            let record = Record::from_json(&json.to_string()).unwrap();
            let mut config = TrainConfig::default();
            config.settings.features.lead_weight = 3;
            config.settings.features.article_vote = vote;
            let mut trainer = Trainer::new(config, &Registry::default()).unwrap();
            let mut corpus = crate::tests::mini_corpus();
            corpus.push(record);
            trainer.add_records(&corpus).unwrap();
            let hash = record_hash(title, text);
            let s = trainer.sample.items.iter().find(|s| s.hash == hash).expect("the article is sampled").clone();
            assert!(!s.lead.is_empty() && s.lines == 3);
            let words = trainer.vocab.words().to_vec();
            let tagger = crate::Tagger::from_model(trainer.finish().unwrap()).unwrap();
            let model = tagger.model();
            let s = sampled_in(model, &words, &s);
            let article = &s.article.as_ref().expect("an article example").0;
            let fallback = model.taxonomy().fallback();
            let oof = article_scored(model.plugin(), &s, article, &model.settings().features, fallback);
            let (scored, scored_length) = tagger.uncalibrated_as(title, text, PieceShape::Article);
            assert_eq!(oof.length, scored_length, "the length is the unweighted feature count");
            for (a, b) in oof.log_proba.iter().zip(&scored) {
                assert!((a - b).abs() < 1e-9, "{:?} vs {scored:?}", oof.log_proba);
            }
            // Without its lead weight the score is another one: the test sees the lead.
            let mut unweighted = model.settings().features.clone();
            unweighted.lead_weight = 1;
            let plain = article_scored(model.plugin(), &s, article, &unweighted, fallback);
            assert!(plain.log_proba.iter().zip(&scored).any(|(a, b)| (a - b).abs() > 1e-6), "the lead weight moved nothing");
        }
    }

    #[test]
    fn batch_folds_keep_batches_whole_and_balanced() {
        // 7 batches of 30, 25, 20, 20, 15, 10 and 5 records, interleaved.
        let sizes = [30u64, 25, 20, 20, 15, 10, 5];
        let mut sample = Vec::new();
        for round in 0..30 {
            for (b, &n) in sizes.iter().enumerate() {
                if round < n {
                    sample.push(sampled(round * 10 + b as u64, Some(b as u64)));
                }
            }
        }
        let folds = batch_folds(&sample, 3).expect("7 batches make 3 folds");
        for b in 0..sizes.len() as u64 {
            let of_batch: Vec<usize> = sample.iter().zip(&folds).filter(|(s, _)| s.batch == Some(b)).map(|(_, &f)| f).collect();
            assert!(of_batch.windows(2).all(|w| w[0] == w[1]), "batch {b} split over folds {of_batch:?}");
        }
        let mut load = [0usize; 3];
        for &f in &folds {
            load[f] += 1;
        }
        // Largest first into the smallest fold: 30+10+5 | 25+15 | 20+20.
        assert_eq!(load, [45, 40, 40]);
        assert_eq!(load.iter().sum::<usize>(), sample.len());
        assert_eq!(folds, batch_folds(&sample, 3).unwrap(), "deterministic");
    }

    #[test]
    fn batch_folds_need_a_batch_on_every_record_and_enough_batches() {
        let two_batches: Vec<Sampled> = (0..40).map(|i| sampled(i, Some(i % 2))).collect();
        assert!(batch_folds(&two_batches, 5).is_none());
        let mut one_missing: Vec<Sampled> = (0..40).map(|i| sampled(i, Some(i % 8))).collect();
        assert!(batch_folds(&one_missing, 5).is_some());
        one_missing[17].batch = None;
        assert!(batch_folds(&one_missing, 5).is_none());
    }
}
