//! Checked hyper-parameters of the naive-Bayes backends, in linfa's `ParamGuard` style: an
//! unchecked [`NbParamsBuilder`] whose [`NbParamsBuilder::check`] yields valid [`NbParams`].
//!
//! | Name | Default | Purpose | Range |
//! |---|---|---|---|
//! | `alpha` | 0.3 | Lidstone smoothing added to every feature count | 1e-10 to 1000 |
//! | `fit_prior` | `true` | learn class priors from training frequencies (else uniform) | `true`/`false` |
//! | `class_prior` | none | fixed priors, one per theme in taxonomy order (overrides `fit_prior`) | 1e-12 to 1e12 each, normalised on use |
//!
//! The ranges keep the arithmetic meaningful: below 1e-10 (scikit-learn's floor too) a smoothed
//! probability can round to 0 and its logarithm to −∞ (`bernoulli` with `alpha=5e-324` scored
//! every theme alike); above 1000 the smoothing swamps any count a corpus gives a feature, and
//! `alpha=1e308` overflowed to infinity. Priors beyond 1e±12 of each other would leave one theme
//! all but impossible or overflow their sum.
//! | `norm` | `false` | complement only: weight normalisation of Rennie et al. (2003) | `true`/`false` |

use serde::{Deserialize, Serialize};

use crate::{ClassifierError, ParamMap};

/// The smallest `alpha` accepted.
pub const MIN_ALPHA: f64 = 1e-10;
/// The largest `alpha` accepted.
pub const MAX_ALPHA: f64 = 1e3;
/// The smallest and largest class prior accepted (before normalisation).
pub const PRIOR_RANGE: (f64, f64) = (1e-12, 1e12);

/// Valid naive-Bayes hyper-parameters (see the module docs for the table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NbParams {
    alpha: f64,
    fit_prior: bool,
    class_prior: Option<Vec<f64>>,
    norm: bool,
}

impl NbParams {
    /// Starts an unchecked builder with the defaults.
    #[must_use]
    pub fn builder() -> NbParamsBuilder {
        NbParamsBuilder(Self { alpha: 0.3, fit_prior: true, class_prior: None, norm: false })
    }
    /// Smoothing added to each feature count.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Whether priors are learnt from class frequencies.
    #[must_use]
    pub fn fit_prior(&self) -> bool {
        self.fit_prior
    }
    /// Fixed class priors, if any.
    #[must_use]
    pub fn class_prior(&self) -> Option<&[f64]> {
        self.class_prior.as_deref()
    }
    /// Complement NB weight normalisation.
    #[must_use]
    pub fn norm(&self) -> bool {
        self.norm
    }

    /// The parameters by name, for summaries.
    #[must_use]
    pub fn to_map(&self, with_norm: bool) -> ParamMap {
        let mut m = ParamMap::new();
        m.insert("alpha".into(), self.alpha.to_string());
        m.insert("fit_prior".into(), self.fit_prior.to_string());
        if let Some(p) = &self.class_prior {
            m.insert("class_prior".into(), p.iter().map(f64::to_string).collect::<Vec<_>>().join(","));
        }
        if with_norm {
            m.insert("norm".into(), self.norm.to_string());
        }
        m
    }

    /// Parses parameters by name. `keys` lists the names this plugin accepts.
    pub fn from_map(map: &ParamMap, keys: &[&str], n_themes: usize) -> Result<Self, ClassifierError> {
        let mut b = Self::builder();
        for (name, value) in map {
            if !keys.contains(&name.as_str()) {
                return Err(ClassifierError::UnknownParam { name: name.clone(), valid: keys.iter().map(|k| (*k).to_owned()).collect() });
            }
            let bad = |reason| ClassifierError::InvalidParam { name: name.clone(), value: value.clone(), reason };
            b = match name.as_str() {
                "alpha" => b.alpha(value.trim().parse().map_err(|_| bad("expected a number"))?),
                "fit_prior" => b.fit_prior(parse_bool(value).ok_or_else(|| bad("expected true or false"))?),
                "norm" => b.norm(parse_bool(value).ok_or_else(|| bad("expected true or false"))?),
                "class_prior" => {
                    let p: Result<Vec<f64>, _> = value.split(',').map(|v| v.trim().parse::<f64>()).collect();
                    let p = p.map_err(|_| bad("expected comma-separated numbers, one per theme"))?;
                    if p.len() != n_themes {
                        return Err(bad("expected one prior per theme, in taxonomy order"));
                    }
                    b.class_prior(Some(p))
                }
                _ => b,
            };
        }
        b.check()
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Unchecked naive-Bayes hyper-parameters; [`NbParamsBuilder::check`] validates them.
///
/// ```
/// use bulletin_classifier::NbParams;
///
/// let params = NbParams::builder().alpha(0.5).check().unwrap();
/// assert_eq!(params.alpha(), 0.5);
/// assert!(NbParams::builder().alpha(0.0).check().is_err());
/// assert!(NbParams::builder().alpha(f64::NAN).check().is_err());
/// assert!(NbParams::builder().alpha(1e308).check().is_err());
/// assert!(NbParams::builder().alpha(5e-324).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NbParamsBuilder(NbParams);

impl NbParamsBuilder {
    /// Sets the smoothing `alpha` (> 0).
    #[must_use]
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
    /// Learn priors from class frequencies (`true`) or use uniform priors.
    #[must_use]
    pub fn fit_prior(mut self, fit_prior: bool) -> Self {
        self.0.fit_prior = fit_prior;
        self
    }
    /// Fixed priors, one per theme in taxonomy order.
    #[must_use]
    pub fn class_prior(mut self, prior: Option<Vec<f64>>) -> Self {
        self.0.class_prior = prior;
        self
    }
    /// Complement NB weight normalisation.
    #[must_use]
    pub fn norm(mut self, norm: bool) -> Self {
        self.0.norm = norm;
        self
    }
    /// Validates: `alpha` between `1e-10` and `1e3`; every prior between `1e-12` and `1e12` (NaN
    /// is never in range).
    pub fn check(self) -> Result<NbParams, ClassifierError> {
        let p = self.0;
        if !(MIN_ALPHA..=MAX_ALPHA).contains(&p.alpha) {
            return Err(ClassifierError::InvalidParam {
                name: "alpha".into(),
                value: p.alpha.to_string(),
                reason: "must be a number from 1e-10 to 1000 (beyond, the smoothing makes every theme score alike)",
            });
        }
        if let Some(prior) = &p.class_prior {
            if prior.iter().any(|v| !(PRIOR_RANGE.0..=PRIOR_RANGE.1).contains(v)) {
                return Err(ClassifierError::InvalidParam {
                    name: "class_prior".into(),
                    value: prior.iter().map(f64::to_string).collect::<Vec<_>>().join(","),
                    reason: "every prior must be a number from 1e-12 to 1e12",
                });
            }
        }
        Ok(p)
    }

    /// Validates parameters read from a model file: finite and greater than 0, the rules before
    /// [`check`](Self::check) narrowed them, so that a model trained then still loads (and is
    /// judged by its scores).
    pub(crate) fn check_stored(self) -> Result<NbParams, ClassifierError> {
        let p = self.0;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(p.alpha) || p.class_prior.as_ref().is_some_and(|prior| !prior.iter().copied().all(positive)) {
            return Err(ClassifierError::Payload { reason: format!("invalid parameters in the model state: {:?}", p.to_map(true)) });
        }
        Ok(p)
    }
}
