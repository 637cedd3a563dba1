//! A third-party classifier plugin: a nearest-centroid classifier on L1-normalised feature
//! counts, registered next to the built-ins and used to train and apply a model.
//!
//! `cargo run -p bulletin-classifier --example custom_plugin`

use std::any::Any;

use bulletin_classifier::{
    Classifier, ClassifierError, Example, FeatureMask, ParamMap, PieceShape, PluginFactory, Registry, TagOptions, Tagger, TrainConfig,
    Trainer,
};
use bulletin_core::Record;

/// Per-theme sums of L1-normalised feature vectors; predicts by cosine-like similarity.
#[derive(Debug, Clone, Default)]
struct Centroid {
    sums: Vec<Vec<f64>>,
    mask: Vec<bool>,
}

impl Classifier for Centroid {
    fn name(&self) -> &'static str {
        "centroid"
    }
    fn n_themes(&self) -> usize {
        self.sums.len()
    }
    fn fit(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        for s in &mut self.sums {
            s.clear();
        }
        self.update(batch)
    }
    fn update(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        for ex in batch {
            let total: f64 = ex.features.iter().map(|&(_, n)| f64::from(n)).sum();
            let Some(row) = self.sums.get_mut(ex.theme) else {
                return Err(ClassifierError::OutOfRange { what: "theme", index: ex.theme, len: self.sums.len() });
            };
            for &(f, n) in ex.features {
                let f = f as usize;
                if row.len() <= f {
                    row.resize(f + 1, 0.0);
                }
                row[f] += f64::from(n) / total;
            }
        }
        Ok(())
    }
    fn remap(&mut self, mapping: &[u32], n_features: usize) -> Result<(), ClassifierError> {
        for row in &mut self.sums {
            let mut new = vec![0.0; n_features];
            for (old, v) in row.iter().enumerate() {
                new[mapping[old] as usize] = *v;
            }
            *row = new;
        }
        Ok(())
    }
    fn finalize(&mut self, mask: &FeatureMask) -> Result<(), ClassifierError> {
        self.mask = (0..mask.len()).map(|i| mask.contains(u32::try_from(i).unwrap_or(u32::MAX))).collect();
        Ok(())
    }
    fn joint_log_likelihood(&self, x: &[(u32, u32)]) -> Vec<f64> {
        self.sums
            .iter()
            .map(|row| {
                let norm: f64 = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
                let dot: f64 = x
                    .iter()
                    .filter(|(f, _)| self.mask.get(*f as usize).copied().unwrap_or(false))
                    .map(|&(f, n)| row.get(f as usize).copied().unwrap_or(0.0) * f64::from(n))
                    .sum();
                // Similarities become log-scores; the trait's log-sum-exp normalises them.
                10.0 * dot / norm
            })
            .collect()
    }
    fn save_state(&self) -> Result<Vec<u8>, ClassifierError> {
        let mut out = Vec::new();
        for row in &self.sums {
            out.extend_from_slice(&(row.len() as u64).to_le_bytes());
            for v in row {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        Ok(out)
    }
    fn params(&self) -> ParamMap {
        ParamMap::new()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct CentroidFactory;

impl PluginFactory for CentroidFactory {
    fn name(&self) -> &'static str {
        "centroid"
    }
    fn description(&self) -> &'static str {
        "nearest centroid on L1-normalised counts (example plugin)"
    }
    fn create(&self, params: &ParamMap, n_themes: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        if let Some(name) = params.keys().next() {
            return Err(ClassifierError::UnknownParam { name: name.clone(), valid: Vec::new() });
        }
        Ok(Box::new(Centroid { sums: vec![Vec::new(); n_themes], mask: Vec::new() }))
    }
    fn restore(&self, state: &[u8], n_features: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        let bad = || ClassifierError::Payload { reason: "truncated centroid state".into() };
        let mut sums = Vec::new();
        let mut rest = state;
        while !rest.is_empty() {
            let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
            let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
            if len > n_features {
                return Err(bad());
            }
            let bytes = tail.get(..len * 8).ok_or_else(bad)?;
            sums.push(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect());
            rest = &tail[len * 8..];
        }
        Ok(Box::new(Centroid { sums, mask: Vec::new() }))
    }
}

#[expect(clippy::print_stdout, reason = "an example that shows its result")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut registry = Registry::default();
    registry.register(CentroidFactory);

    let lines = [
        r#"{"title":"项目集中签约","text":"12个项目签约落地，总投资86亿元，招商引资开门红。","labels":["investment"]}"#,
        r#"{"title":"高企认定培训","text":"辅导企业申报高新技术企业，归集研发费用。","labels":["hightech"]}"#,
        r#"{"title":"知识产权质押贷款","text":"银行发放知识产权质押贷款，财政贴息。","labels":["financing"]}"#,
        r#"{"title":"校企联合实验室","text":"高校成果在中试基地转化，技术合同成交额增长。","labels":["transfer"]}"#,
        r#"{"title":"安全生产检查","text":"检查组排查车间消防隐患。","labels":["other"]}"#,
    ];
    let records = lines.iter().map(|l| Record::from_json(l)).collect::<Result<Vec<_>, _>>()?;
    let mut config = TrainConfig::default();
    config.classifier = "centroid".into();
    let mut trainer = Trainer::new(config, &registry)?;
    trainer.add_records(&records)?;
    let bytes = trainer.finish()?.to_bytes()?;

    // Loading needs the same registry, so the plugin's state can be restored.
    let model = bulletin_classifier::Model::from_bytes(&bytes, &registry)?;
    let tagger = Tagger::from_model(model)?;
    let p = tagger.predict("", "银行推出知识产权质押贷款产品", PieceShape::Passage, TagOptions::default());
    let theme = tagger.model().taxonomy().theme(p.theme).map_or("?", |t| t.id());
    println!("centroid plugin says: {theme} ({:.2})", p.confidence);
    Ok(())
}
