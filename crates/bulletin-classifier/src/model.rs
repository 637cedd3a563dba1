//! A trained model: taxonomy, pipeline settings, vocabulary, plugin state and summary, and the
//! versioned file that holds them.

use std::fmt::Write as _;
use std::path::Path;

use bulletin_core::{PIPELINE_VERSION, PipelineSettings, Taxonomy, Theme, envelope};
use bulletin_segmenter::Pipeline;
use serde::{Deserialize, Serialize};

use crate::calibration::{Calibration, CalibrationState, PieceShape, Uncalibrated};
use crate::scorer::LinearScorer;
use crate::sketch::RecordSketch;
use crate::{Classifier, ClassifierError, FeatureMask, ParamMap, Registry, Selection, SparseVec, Vocabulary};

/// How a model turns scores into a reported theme and tags.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_confidence` | 0 | abstain (report the fallback theme) when the top score is below this | 0–1 |
/// | `tag_min_share` | 0.2 | an article is also tagged with a theme when paragraphs won by it cover this share of its text | 0–1 |
/// | `tag_min_confidence` | 0.6 | …counting only paragraphs whose own confidence reaches this | 0–1 |
/// | `tag_min_score` | 0.35 | a single paragraph (or a one-paragraph piece) is also tagged with every theme scoring at least this | 0–1 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TagPolicy {
    /// Abstain below this top score.
    pub min_confidence: f64,
    /// Share of an article's characters that paragraphs of a secondary theme must cover.
    pub tag_min_share: f64,
    /// Confidence a paragraph needs to count towards that share.
    pub tag_min_confidence: f64,
    /// Score a secondary theme needs to tag a one-paragraph piece.
    pub tag_min_score: f64,
}

impl Default for TagPolicy {
    fn default() -> Self {
        Self { min_confidence: 0.0, tag_min_share: 0.2, tag_min_confidence: 0.6, tag_min_score: 0.35 }
    }
}

/// What a model was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training pieces per theme, in taxonomy order.
    pub pieces_per_theme: Vec<u64>,
    /// Records read.
    pub records: u64,
    /// Training granularity (`article`, `paragraph` or `both`).
    pub granularity: String,
    /// Version of bulletin that trained the model.
    pub tool_version: String,
}

/// A trained theme model. Build one with [`crate::Trainer`], load one with [`Model::from_bytes`]
/// or [`Model::load`], apply it with [`crate::Tagger`].
#[derive(Debug)]
pub struct Model {
    taxonomy: Taxonomy,
    settings: PipelineSettings,
    pipeline_version: u32,
    fingerprint: [u8; 32],
    vocab: Vocabulary,
    plugin: Box<dyn Classifier>,
    selection: Selection,
    policy: TagPolicy,
    summary: TrainingSummary,
    mask: FeatureMask,
    /// Packed tables of the selected features, when the plugin is linear.
    scorer: Option<LinearScorer>,
    calibration: CalibrationState,
    records: RecordSketch,
    corrections: Vec<String>,
}

// Versioned wire structures: kept apart from the public types so the file format changes only
// when FORMAT_VERSION does. The pipeline settings travel as JSON (self-describing, stable field
// names) inside the compact postcard payload.
#[derive(Serialize, Deserialize)]
struct WireV1 {
    taxonomy: WireTaxonomy,
    pipeline_version: u32,
    settings_json: String,
    fingerprint: [u8; 32],
    plugin: String,
    state: Vec<u8>,
    selection: Selection,
    policy: TagPolicy,
    vocab: Vec<String>,
    summary: TrainingSummary,
}

/// Format version 2: version 1 plus the calibration maps, the digest of the training records
/// (for `merge`) and the ids of corrections folded into the counts.
#[derive(Serialize, Deserialize)]
struct WireV2 {
    taxonomy: WireTaxonomy,
    pipeline_version: u32,
    settings_json: String,
    fingerprint: [u8; 32],
    plugin: String,
    state: Vec<u8>,
    selection: Selection,
    policy: TagPolicy,
    vocab: Vec<String>,
    summary: TrainingSummary,
    calibration: CalibrationState,
    records: RecordSketch,
    corrections: Vec<String>,
}

impl From<WireV1> for WireV2 {
    fn from(v1: WireV1) -> Self {
        let WireV1 { taxonomy, pipeline_version, settings_json, fingerprint, plugin, state, selection, policy, vocab, summary } = v1;
        Self {
            taxonomy,
            pipeline_version,
            settings_json,
            fingerprint,
            plugin,
            state,
            selection,
            policy,
            vocab,
            summary,
            calibration: CalibrationState::Uncalibrated(Uncalibrated::LegacyFormat),
            records: RecordSketch::default(),
            corrections: Vec::new(),
        }
    }
}

/// Format version 3: version 2 plus the theme offsets of the two calibration maps (article,
/// passage; empty without calibration). The maps' own layout is the one of format 2.
#[derive(Serialize, Deserialize)]
struct WireV3 {
    base: WireV2,
    theme_offsets: [Vec<f64>; 2],
}

impl From<WireV3> for WireV2 {
    fn from(v3: WireV3) -> Self {
        let WireV3 { mut base, theme_offsets: [article, passage] } = v3;
        if let CalibrationState::Calibrated(calibration) = &mut base.calibration {
            calibration.article.theme_offsets = article;
            calibration.passage.theme_offsets = passage;
        }
        base
    }
}

#[derive(Serialize, Deserialize)]
struct WireTaxonomy {
    name: String,
    version: u32,
    fallback: String,
    themes: Vec<[String; 4]>,
}

/// Decodes a model payload that must be the whole value: bytes left after it (a newer layout in
/// an older version's envelope, or garbage appended before the checksum was recomputed) are
/// refused rather than ignored.
fn whole<'a, T: Deserialize<'a>>(payload: &'a [u8]) -> Result<T, ClassifierError> {
    let (value, rest) = postcard::take_from_bytes(payload).map_err(|e| ClassifierError::Payload { reason: e.to_string() })?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(ClassifierError::Payload { reason: format!("{} bytes after the end of the model", rest.len()) })
    }
}

/// A decoded model payload whose plugin is not restored yet (see [`Model::decode`]).
pub(crate) struct Decoded {
    wire: WireV2,
    settings: PipelineSettings,
}

impl Decoded {
    /// The pipeline settings the model was trained with.
    pub(crate) fn settings(&self) -> &PipelineSettings {
        &self.settings
    }

    /// Restores the plugin through `registry` and finalises the model.
    pub(crate) fn into_model(self, registry: &Registry) -> Result<Model, ClassifierError> {
        let Self { wire, settings } = self;
        let themes = wire.taxonomy.themes.into_iter().map(|[id, zh, en, def]| Theme::new(id, zh, en, def)).collect();
        let taxonomy = Taxonomy::new(wire.taxonomy.name, wire.taxonomy.version, themes, &wire.taxonomy.fallback)?;
        let plugin = registry.get(&wire.plugin)?.restore(&wire.state, wire.vocab.len())?;
        if plugin.n_themes() != taxonomy.len() {
            return Err(ClassifierError::Payload {
                reason: format!("plugin state has {} themes, taxonomy {}", plugin.n_themes(), taxonomy.len()),
            });
        }
        if !wire.records.is_valid() {
            return Err(ClassifierError::Payload { reason: "record digest is not a sorted set of at most 4096 hashes".into() });
        }
        if let CalibrationState::Calibrated(c) = &wire.calibration {
            if let Some(reason) = [&c.article, &c.passage].into_iter().find_map(|map| map.defect(taxonomy.len())) {
                return Err(ClassifierError::Payload { reason: format!("calibration map: {reason}") });
            }
        }
        let vocab = Vocabulary::from_words(wire.vocab.into_iter().map(String::into_boxed_str).collect());
        let mut model = Model {
            taxonomy,
            settings,
            pipeline_version: wire.pipeline_version,
            fingerprint: wire.fingerprint,
            vocab,
            plugin,
            selection: wire.selection,
            policy: wire.policy,
            summary: wire.summary,
            mask: FeatureMask::all(0),
            scorer: None,
            calibration: wire.calibration,
            records: wire.records,
            corrections: wire.corrections,
        };
        model.finalize()?;
        Ok(model)
    }
}

impl Model {
    /// Assembles a model from its parts, canonicalising the vocabulary and finalising the plugin.
    #[expect(clippy::too_many_arguments, reason = "internal constructor used by Trainer and merge")]
    pub(crate) fn assemble(
        taxonomy: Taxonomy,
        settings: PipelineSettings,
        fingerprint: [u8; 32],
        mut vocab: Vocabulary,
        mut plugin: Box<dyn Classifier>,
        selection: Selection,
        policy: TagPolicy,
        summary: TrainingSummary,
    ) -> Result<Self, ClassifierError> {
        let mapping = vocab.canonicalize();
        plugin.remap(&mapping, vocab.len())?;
        let mut model = Self {
            taxonomy,
            settings,
            pipeline_version: PIPELINE_VERSION,
            fingerprint,
            vocab,
            plugin,
            selection,
            policy,
            summary,
            mask: FeatureMask::all(0),
            scorer: None,
            calibration: CalibrationState::Uncalibrated(Uncalibrated::Disabled),
            records: RecordSketch::default(),
            corrections: Vec::new(),
        };
        model.finalize()?;
        Ok(model)
    }

    fn finalize(&mut self) -> Result<(), ClassifierError> {
        self.mask = match self.plugin.counts() {
            Some(counts) => self.selection.select(counts, self.vocab.len()),
            None => FeatureMask::all(self.vocab.len()),
        };
        self.plugin.finalize(&self.mask)?;
        let n_themes = self.taxonomy.len();
        self.scorer =
            self.plugin.linear().and_then(|linear| LinearScorer::new(&self.vocab, &self.mask, self.plugin.counts(), linear, n_themes));
        Ok(())
    }

    /// The packed scoring tables, when the plugin is linear.
    pub(crate) fn scorer(&self) -> Option<&LinearScorer> {
        self.scorer.as_ref()
    }

    /// The themes.
    #[must_use]
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }
    /// The text-pipeline settings the model was trained with.
    #[must_use]
    pub fn settings(&self) -> &PipelineSettings {
        &self.settings
    }
    /// The pipeline fingerprint stored in the model.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }
    /// The feature vocabulary (sorted).
    #[must_use]
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }
    /// The classifier plugin.
    #[must_use]
    pub fn plugin(&self) -> &dyn Classifier {
        self.plugin.as_ref()
    }
    /// Feature selection settings.
    #[must_use]
    pub fn selection(&self) -> Selection {
        self.selection
    }
    /// Features the model uses after selection.
    #[must_use]
    pub fn selected_features(&self) -> usize {
        self.mask.count()
    }
    /// Abstain and tagging policy.
    #[must_use]
    pub fn policy(&self) -> TagPolicy {
        self.policy
    }
    /// Replaces the abstain and tagging policy (e.g. thresholds tuned after training).
    pub fn set_policy(&mut self, policy: TagPolicy) {
        self.policy = policy;
    }
    /// What the model was trained on.
    #[must_use]
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }
    /// The calibration maps, or why the model has none.
    #[must_use]
    pub fn calibration_state(&self) -> &CalibrationState {
        &self.calibration
    }
    /// The calibration maps, when the model has them.
    #[must_use]
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.calibration()
    }
    /// Replaces the calibration (as `bulletin calibrate` does); the counts are untouched.
    pub fn set_calibration(&mut self, state: CalibrationState) {
        self.calibration = state;
    }
    /// Calibrates normalised log-probabilities of a piece of `length` features and shape
    /// `shape` in place (unchanged when the model is uncalibrated).
    pub fn calibrate_log_proba(&self, log_proba: &mut Vec<f64>, length: u64, shape: PieceShape) {
        if let Some(c) = self.calibration() {
            c.map(shape).apply(log_proba, length);
        }
    }
    /// The digest of the training records (empty for version-1 files).
    #[must_use]
    pub fn records(&self) -> &RecordSketch {
        &self.records
    }
    /// Sets the digest of the training records.
    pub(crate) fn set_records(&mut self, records: RecordSketch) {
        self.records = records;
    }
    /// Records that both models were trained on, as far as their digests can tell (see
    /// [`crate::sketch`] for the limits): `merge` should refuse or warn when this is not 0.
    #[must_use]
    pub fn shared_records(&self, other: &Self) -> usize {
        self.records.shared(&other.records)
    }
    /// Ids of corrections folded into the counts.
    #[must_use]
    pub fn corrections(&self) -> &[String] {
        &self.corrections
    }
    /// Records correction ids as folded into the counts (kept sorted and distinct).
    pub(crate) fn add_corrections(&mut self, ids: &[String]) {
        self.corrections.extend_from_slice(ids);
        self.corrections.sort();
        self.corrections.dedup();
    }
    /// Hyper-parameters of the plugin plus the model-level ones, by name.
    #[must_use]
    pub fn params(&self) -> ParamMap {
        let mut p = self.plugin.params();
        p.insert("min_count".into(), self.selection.min_count.to_string());
        p.insert("top_k".into(), self.selection.top_k.to_string());
        p.insert("min_confidence".into(), self.policy.min_confidence.to_string());
        p.insert("tag_min_share".into(), self.policy.tag_min_share.to_string());
        p.insert("tag_min_confidence".into(), self.policy.tag_min_confidence.to_string());
        p.insert("tag_min_score".into(), self.policy.tag_min_score.to_string());
        p
    }

    /// Checks that `pipeline` reproduces the features this model was trained on.
    pub fn check_pipeline(&self, pipeline: &Pipeline) -> Result<(), ClassifierError> {
        let build = pipeline.fingerprint();
        if self.pipeline_version != PIPELINE_VERSION || build != self.fingerprint {
            return Err(ClassifierError::PipelineMismatch {
                model_version: self.pipeline_version,
                build_version: PIPELINE_VERSION,
                model_fingerprint: short_hex(&self.fingerprint),
                build_fingerprint: short_hex(&build),
            });
        }
        Ok(())
    }

    /// Per-theme log-probabilities of a sparse vector over this model's vocabulary.
    #[must_use]
    pub fn predict_log_proba(&self, x: &[(u32, u32)]) -> Vec<f64> {
        self.plugin.predict_log_proba(x)
    }

    /// The `k` most indicative features of `theme`: highest log-ratio of the feature's smoothed
    /// frequency in the theme to its frequency elsewhere, among selected features seen at least
    /// three times.
    #[must_use]
    pub fn top_features(&self, theme: usize, k: usize) -> Vec<(String, f64)> {
        let Some(counts) = self.plugin.counts() else { return Vec::new() };
        if theme >= counts.n_themes() {
            return Vec::new();
        }
        let ids: Vec<u32> = self.mask.ids().filter(|&f| (f as usize) < counts.n_features()).collect();
        let (mut in_total, mut out_total) = (0u64, 0u64);
        for &f in &ids {
            let row = counts.token_row(f as usize);
            in_total += row[theme];
            out_total += row.iter().sum::<u64>() - row[theme];
        }
        let v = ids.len() as f64;
        let mut scored: Vec<(f64, u32)> = ids
            .iter()
            .filter_map(|&f| {
                let row = counts.token_row(f as usize);
                let (inside, all) = (row[theme], row.iter().sum::<u64>());
                (all >= 3 && inside > 0).then(|| {
                    let p_in = (inside as f64 + 0.5) / (in_total as f64 + 0.5 * v);
                    let p_out = ((all - inside) as f64 + 0.5) / (out_total as f64 + 0.5 * v);
                    ((p_in / p_out).ln(), f)
                })
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(k).map(|(s, f)| (self.vocab.word(f).unwrap_or_default().to_owned(), s)).collect()
    }

    /// Serialises the model into the versioned file format (see [`bulletin_core::envelope`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ClassifierError> {
        let wire = WireV2 {
            taxonomy: WireTaxonomy {
                name: self.taxonomy.name().to_owned(),
                version: self.taxonomy.version(),
                fallback: self.taxonomy.theme(self.taxonomy.fallback()).map(|t| t.id().to_owned()).unwrap_or_default(),
                themes: self
                    .taxonomy
                    .themes()
                    .iter()
                    .map(|t| [t.id().to_owned(), t.name_zh().to_owned(), t.name_en().to_owned(), t.definition().to_owned()])
                    .collect(),
            },
            pipeline_version: self.pipeline_version,
            settings_json: settings_json(&self.settings),
            fingerprint: self.fingerprint,
            plugin: self.plugin.name().to_owned(),
            state: self.plugin.save_state()?,
            selection: self.selection,
            policy: self.policy,
            vocab: self.vocab.words().iter().map(ToString::to_string).collect(),
            summary: self.summary.clone(),
            calibration: self.calibration.clone(),
            records: self.records.clone(),
            corrections: self.corrections.clone(),
        };
        let theme_offsets = match &self.calibration {
            CalibrationState::Calibrated(c) => [c.article.theme_offsets.clone(), c.passage.theme_offsets.clone()],
            CalibrationState::Uncalibrated(_) => [Vec::new(), Vec::new()],
        };
        let wire = WireV3 { base: wire, theme_offsets };
        let payload = postcard::to_stdvec(&wire).map_err(|e| ClassifierError::Payload { reason: e.to_string() })?;
        Ok(envelope::seal(&payload))
    }

    /// Reads a model from its file bytes, restoring the plugin through `registry`.
    ///
    /// This checks the envelope (magic, version, length, checksum) and decodes the payload; it
    /// does not build the text pipeline. [`crate::Tagger::from_model`] checks that the pipeline
    /// reproduces.
    pub fn from_bytes(bytes: &[u8], registry: &Registry) -> Result<Self, ClassifierError> {
        Self::decode(bytes)?.into_model(registry)
    }

    /// The first half of [`Model::from_bytes`]: checks the envelope and decodes the payload,
    /// which is enough to know the pipeline settings; [`Decoded::into_model`] does the rest
    /// (restoring the plugin, feature selection, weights). [`crate::Tagger::from_bytes`] builds
    /// the text pipeline on another thread meanwhile.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, ClassifierError> {
        let opened = envelope::open(bytes)?;
        let wire: WireV2 = match opened.version {
            1 => whole::<WireV1>(opened.payload)?.into(),
            2 => whole(opened.payload)?,
            _ => whole::<WireV3>(opened.payload)?.into(),
        };
        let settings: PipelineSettings = serde_json::from_str(&wire.settings_json)
            .map_err(|e| ClassifierError::Payload { reason: format!("pipeline settings: {e}") })?;
        Ok(Decoded { wire, settings })
    }

    /// Reads a model file: its header first, then exactly the payload it announces
    /// ([`envelope::read_file`]), so a huge or endless foreign file is refused after 20 bytes.
    pub fn load(path: &Path, registry: &Registry) -> Result<Self, ClassifierError> {
        Self::from_bytes(&envelope::read_file(path)?, registry)
    }

    /// Writes the model atomically with [`bulletin_core::outfile::write_atomic`]: a temporary
    /// file beside `path`, synced, renamed over it, and the directory synced. An interrupted save
    /// leaves any previous file at `path` intact; a `path` that is not a regular file (a
    /// directory, `/dev/null`) is refused, a symbolic link is followed and its target replaced,
    /// and an existing file keeps its permissions. To also refuse writing over the training
    /// data, check the path first with [`bulletin_core::outfile::OutFile::new`] and write
    /// [`Model::to_bytes`] with [`OutFile::write`](bulletin_core::outfile::OutFile::write).
    pub fn save(&self, path: &Path) -> Result<(), ClassifierError> {
        Ok(bulletin_core::outfile::write_atomic(path, &self.to_bytes()?)?)
    }

    /// Merges two models trained with the same plugin, parameters, taxonomy and pipeline on
    /// different data. Counts add up, so the result equals the model trained on both data sets;
    /// the calibration is dropped ([`Uncalibrated::Merged`]): refit it on held-out data. Check
    /// [`Model::shared_records`] first: records in both shards would count twice.
    pub fn merge(self, other: Self) -> Result<Self, ClassifierError> {
        let mismatch = |what, left: String, right: String| Err(ClassifierError::MergeMismatch { what, left, right });
        if self.plugin.name() != other.plugin.name() {
            return mismatch("classifiers", self.plugin.name().into(), other.plugin.name().into());
        }
        if self.taxonomy != other.taxonomy {
            return mismatch(
                "taxonomies",
                self.taxonomy.ids().collect::<Vec<_>>().join(","),
                other.taxonomy.ids().collect::<Vec<_>>().join(","),
            );
        }
        if self.fingerprint != other.fingerprint || self.pipeline_version != other.pipeline_version {
            return mismatch("text pipelines", short_hex(&self.fingerprint), short_hex(&other.fingerprint));
        }
        if self.params() != other.params() {
            return mismatch("parameters", format!("{:?}", self.params()), format!("{:?}", other.params()));
        }
        if self.summary.granularity != other.summary.granularity {
            return mismatch("training granularities", self.summary.granularity.clone(), other.summary.granularity.clone());
        }
        // Union vocabulary: ours first, then the other's new words; `assemble` sorts it again.
        // Each part is dropped as soon as it is used, as the inputs may be large: the scoring
        // tables are rebuilt by `assemble`, the other's vocabulary is needed only for the mapping.
        let Self {
            taxonomy,
            settings,
            fingerprint,
            mut vocab,
            plugin: mut left,
            selection,
            policy,
            mut summary,
            mut records,
            mut corrections,
            ..
        } = self;
        let Self {
            vocab: other_vocab,
            plugin: mut right,
            summary: other_summary,
            records: other_records,
            corrections: other_corrections,
            ..
        } = other;
        records.merge(&other_records);
        corrections.extend(other_corrections);
        corrections.sort();
        corrections.dedup();
        let ours = vocab.len();
        let mapping: Vec<u32> = other_vocab.words().iter().map(|w| vocab.intern(w)).collect();
        drop(other_vocab);
        let n = vocab.len();
        left.remap(&(0..crate::sparse::id_of(ours)).collect::<Vec<_>>(), n)?;
        right.remap(&mapping, n)?;
        drop(mapping);
        left.merge(right.as_ref())?;
        drop(right);
        for (a, b) in summary.pieces_per_theme.iter_mut().zip(&other_summary.pieces_per_theme) {
            *a = a.saturating_add(*b);
        }
        summary.records = summary.records.saturating_add(other_summary.records);
        let mut merged = Self::assemble(taxonomy, settings, fingerprint, vocab, left, selection, policy, summary)?;
        // Each shard's maps were fitted to that shard's out-of-fold scores, not to the union's.
        merged.calibration = CalibrationState::Uncalibrated(Uncalibrated::Merged);
        merged.records = records;
        merged.corrections = corrections;
        Ok(merged)
    }

    /// Maps a piece's features (strings) to a sparse vector over this vocabulary, unknown
    /// features dropped, and counts every feature the pipeline emitted (the piece's length as
    /// calibration measures it).
    pub(crate) fn vectorize(&self, pipeline: &Pipeline, title: &str, text: &str, ids: &mut Vec<u32>) -> (SparseVec, u64) {
        ids.clear();
        let mut emitted = 0u64;
        pipeline.for_each_feature_ref(title, text, |f| {
            emitted += 1;
            if let Some(id) = self.vocab.get_feature(f) {
                ids.push(id);
            }
        });
        (crate::sparse::count_ids(ids), emitted)
    }
}

/// Canonical JSON of the settings (field order is the struct's, so it is deterministic).
pub(crate) fn settings_json(settings: &PipelineSettings) -> String {
    serde_json::to_string(settings).unwrap_or_default()
}

/// The first 16 hex digits of a fingerprint.
#[must_use]
pub fn short_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(16);
    for b in bytes.iter().take(8) {
        let _ = write!(s, "{b:02x}");
    }
    s
}
