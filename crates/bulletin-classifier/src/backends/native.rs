//! The native sparse naive-Bayes backends: multinomial, complement and Bernoulli.
//!
//! All three keep the same exact integer [`Counts`] and differ only in the weights they derive
//! from them in [`Classifier::finalize`], so every one supports update, merge and explain.

use std::any::Any;

use serde::{Deserialize, Serialize};

use crate::{Classifier, ClassifierError, Contributions, Counts, Example, FeatureMask, LinearWeights, NbParams, ParamMap, PluginFactory};

/// Which naive-Bayes event model a [`NativeNb`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NbKind {
    /// Multinomial NB with Lidstone smoothing (scikit-learn's `MultinomialNB`).
    Multinomial,
    /// Complement NB (Rennie et al., 2003; scikit-learn's `ComplementNB`).
    Complement,
    /// Bernoulli NB on feature presence (scikit-learn's `BernoulliNB` with `binarize=0`).
    Bernoulli,
}

impl NbKind {
    fn name(self) -> &'static str {
        match self {
            Self::Multinomial => "multinomial",
            Self::Complement => "complement",
            Self::Bernoulli => "bernoulli",
        }
    }
    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Complement => &["alpha", "fit_prior", "class_prior", "norm"],
            _ => &["alpha", "fit_prior", "class_prior"],
        }
    }
}

/// A native naive-Bayes model over sparse counts.
#[derive(Debug, Clone)]
pub struct NativeNb {
    kind: NbKind,
    params: NbParams,
    counts: Counts,
    /// Derived per-theme weights, feature-major; empty until finalised.
    weights: Vec<f64>,
    /// Derived per-theme base term (log prior, plus absent-feature terms for Bernoulli).
    base: Vec<f64>,
    mask: FeatureMask,
}

#[derive(Serialize, Deserialize)]
struct State {
    kind: NbKind,
    params: NbParams,
    counts: Counts,
}

impl NativeNb {
    /// A fresh, untrained model.
    #[must_use]
    pub fn new(kind: NbKind, params: NbParams, n_themes: usize) -> Self {
        let counts = Counts::new(n_themes);
        let mut nb = Self { kind, params, counts, weights: Vec::new(), base: Vec::new(), mask: FeatureMask::all(0) };
        nb.derive();
        nb
    }

    fn log_prior(&self) -> Vec<f64> {
        let c = self.counts.n_themes();
        if let Some(prior) = self.params.class_prior() {
            let total: f64 = prior.iter().sum();
            return prior.iter().map(|p| (p / total).ln()).collect();
        }
        if !self.params.fit_prior() {
            return vec![-(c as f64).ln(); c];
        }
        let total: u64 = self.counts.docs().iter().sum();
        if total == 0 {
            return vec![-(c as f64).ln(); c];
        }
        // A theme without a single training piece would get ln 0 = -inf; half a piece keeps every
        // probability finite while leaving the theme all but impossible.
        self.counts.docs().iter().map(|&d| (d as f64).max(0.5).ln() - (total as f64).ln()).collect()
    }

    /// Derives weights from the counts for the features in `self.mask`.
    fn derive(&mut self) {
        let c = self.counts.n_themes();
        let nf = self.counts.n_features();
        let alpha = self.params.alpha();
        let selected: Vec<usize> = self.mask.ids().map(|i| i as usize).filter(|&i| i < nf).collect();
        let n_sel = selected.len() as f64;
        let mut weights = vec![0.0; nf * c];
        let mut base = self.log_prior();
        match self.kind {
            NbKind::Multinomial => {
                let mut totals = vec![0u64; c];
                for &f in &selected {
                    for (t, n) in totals.iter_mut().zip(self.counts.token_row(f)) {
                        *t += n;
                    }
                }
                let denom: Vec<f64> = totals.iter().map(|&t| (t as f64 + alpha * n_sel).ln()).collect();
                for &f in &selected {
                    for (k, &n) in self.counts.token_row(f).iter().enumerate() {
                        weights[f * c + k] = (n as f64 + alpha).ln() - denom[k];
                    }
                }
            }
            NbKind::Complement => {
                // comp[f][k] = Σ_j N[f][j] + α − N[f][k]; logged = ln(comp / Σ_f comp).
                let mut comp_total = vec![0.0f64; c];
                for &f in &selected {
                    let row = self.counts.token_row(f);
                    let all: u64 = row.iter().sum();
                    for (k, &n) in row.iter().enumerate() {
                        comp_total[k] += (all - n) as f64 + alpha;
                    }
                }
                let mut logged_sum = vec![0.0f64; c];
                for &f in &selected {
                    let row = self.counts.token_row(f);
                    let all: u64 = row.iter().sum();
                    for (k, &n) in row.iter().enumerate() {
                        let logged = ((all - n) as f64 + alpha).ln() - comp_total[k].ln();
                        weights[f * c + k] = logged;
                        logged_sum[k] += logged;
                    }
                }
                for &f in &selected {
                    for k in 0..c {
                        let w = &mut weights[f * c + k];
                        *w = if self.params.norm() { *w / logged_sum[k] } else { -*w };
                    }
                }
                // Rennie et al. ignore the prior for more than one class, as scikit-learn does.
                base = vec![0.0; c];
            }
            NbKind::Bernoulli => {
                let docs = self.counts.docs();
                for &f in &selected {
                    for (k, &n) in self.counts.presence_row(f).iter().enumerate() {
                        let p = (n as f64 + alpha) / (docs[k] as f64 + 2.0 * alpha);
                        let (lp, lq) = (p.ln(), (1.0 - p).ln());
                        weights[f * c + k] = lp - lq;
                        base[k] += lq;
                    }
                }
            }
        }
        self.weights = weights;
        self.base = base;
    }

    fn weight_row(&self, f: u32) -> Option<&[f64]> {
        let c = self.counts.n_themes();
        let i = f as usize;
        (i < self.counts.n_features() && self.mask.contains(f)).then(|| &self.weights[i * c..(i + 1) * c])
    }

    fn value(&self, n: u32) -> f64 {
        match self.kind {
            NbKind::Bernoulli => 1.0,
            _ => f64::from(n),
        }
    }

    /// Restores a model from [`Classifier::save_state`] bytes.
    pub fn restore(state: &[u8], expected: NbKind, n_features: usize) -> Result<Self, ClassifierError> {
        let s: State = postcard::from_bytes(state).map_err(|e| ClassifierError::Payload { reason: e.to_string() })?;
        s.counts.validate(n_features)?;
        NbParams::builder()
            .alpha(s.params.alpha())
            .fit_prior(s.params.fit_prior())
            .class_prior(s.params.class_prior().map(<[f64]>::to_vec))
            .norm(s.params.norm())
            .check_stored()?;
        if s.kind != expected {
            return Err(ClassifierError::Payload { reason: format!("state of a {} model given to {}", s.kind.name(), expected.name()) });
        }
        let n = s.counts.n_features();
        let mut nb =
            Self { kind: s.kind, params: s.params, counts: s.counts, weights: Vec::new(), base: Vec::new(), mask: FeatureMask::all(n) };
        nb.derive();
        Ok(nb)
    }
}

impl Classifier for NativeNb {
    fn name(&self) -> &str {
        self.kind.name()
    }
    fn n_themes(&self) -> usize {
        self.counts.n_themes()
    }
    fn fit(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        self.counts = Counts::new(self.counts.n_themes());
        self.update(batch)?;
        self.derive();
        Ok(())
    }
    fn update(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        // Deriving weights costs a pass over the whole vocabulary, so an update only adds counts:
        // call `finalize` once the last batch is in (as `Trainer` does).
        self.counts.add(batch)?;
        self.mask = FeatureMask::all(self.counts.n_features());
        Ok(())
    }
    fn remap(&mut self, mapping: &[u32], n_features: usize) -> Result<(), ClassifierError> {
        self.counts.remap(mapping, n_features);
        self.mask = FeatureMask::all(n_features);
        Ok(())
    }
    fn finalize(&mut self, mask: &FeatureMask) -> Result<(), ClassifierError> {
        self.counts.pad(mask.len());
        self.mask = mask.clone();
        self.derive();
        Ok(())
    }
    fn joint_log_likelihood(&self, x: &[(u32, u32)]) -> Vec<f64> {
        let mut jll = self.base.clone();
        for &(f, n) in x {
            if let Some(row) = self.weight_row(f) {
                let v = self.value(n);
                for (j, w) in jll.iter_mut().zip(row) {
                    *j += v * w;
                }
            }
        }
        jll
    }
    fn linear(&self) -> Option<LinearWeights<'_>> {
        // `derive` leaves the rows of unselected features at zero, as the contract asks.
        (self.kind != NbKind::Bernoulli).then_some(LinearWeights { base: &self.base, weights: &self.weights })
    }
    fn explain(&self, x: &[(u32, u32)]) -> Result<Contributions, ClassifierError> {
        let features =
            x.iter().filter_map(|&(f, n)| self.weight_row(f).map(|row| (f, row.iter().map(|w| self.value(n) * w).collect()))).collect();
        Ok(Contributions { base: self.base.clone(), features })
    }
    fn merge(&mut self, other: &dyn Classifier) -> Result<(), ClassifierError> {
        let Some(other) = other.as_any().downcast_ref::<Self>() else {
            return Err(ClassifierError::MergeMismatch {
                what: "classifiers",
                left: self.name().to_owned(),
                right: other.name().to_owned(),
            });
        };
        if other.kind != self.kind || other.params != self.params {
            return Err(ClassifierError::MergeMismatch {
                what: "hyper-parameters",
                left: format!("{:?}", self.params.to_map(true)),
                right: format!("{:?}", other.params.to_map(true)),
            });
        }
        self.counts.merge(&other.counts)?;
        self.mask = FeatureMask::all(self.counts.n_features());
        self.derive();
        Ok(())
    }
    fn unlearn(&mut self, batch: &[Example<'_>]) -> Result<(), ClassifierError> {
        self.counts.subtract(batch)?;
        self.mask = FeatureMask::all(self.counts.n_features());
        Ok(())
    }
    fn clone_box(&self) -> Option<Box<dyn Classifier>> {
        Some(Box::new(self.clone()))
    }
    fn counts(&self) -> Option<&Counts> {
        Some(&self.counts)
    }
    fn save_state(&self) -> Result<Vec<u8>, ClassifierError> {
        let state = State { kind: self.kind, params: self.params.clone(), counts: self.counts.clone() };
        postcard::to_stdvec(&state).map_err(|e| ClassifierError::Payload { reason: e.to_string() })
    }
    fn params(&self) -> ParamMap {
        self.params.to_map(self.kind == NbKind::Complement)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The factory of one native backend.
#[derive(Debug, Clone, Copy)]
pub struct NativeFactory(pub NbKind);

impl PluginFactory for NativeFactory {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn description(&self) -> &str {
        match self.0 {
            NbKind::Multinomial => "sparse multinomial naive Bayes with Lidstone smoothing (default)",
            NbKind::Complement => "complement naive Bayes (Rennie et al. 2003), robust to imbalanced themes",
            NbKind::Bernoulli => "Bernoulli naive Bayes on feature presence, for short pieces such as captions",
        }
    }
    fn params_help(&self) -> &str {
        match self.0 {
            NbKind::Complement => "alpha=0.3 fit_prior=true class_prior=p1,..,pn norm=false",
            _ => "alpha=0.3 fit_prior=true class_prior=p1,..,pn",
        }
    }
    fn create(&self, params: &ParamMap, n_themes: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        let p = NbParams::from_map(params, self.0.keys(), n_themes)?;
        Ok(Box::new(NativeNb::new(self.0, p, n_themes)))
    }
    fn restore(&self, state: &[u8], n_features: usize) -> Result<Box<dyn Classifier>, ClassifierError> {
        Ok(Box::new(NativeNb::restore(state, self.0, n_features)?))
    }
}
