//! The plugin registry: classifier name → factory.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

#[cfg(feature = "linfa")]
use crate::backends::linfa::{LinfaFactory, LinfaKind};
use crate::backends::native::{NativeFactory, NbKind};
use crate::{Classifier, ClassifierError, ParamMap};

/// Creates and restores one kind of classifier plugin.
///
/// Implement this (and [`Classifier`]) in your own crate and [`Registry::register`] it to train
/// and load models with your own classifier; see `examples/custom_plugin.rs`.
pub trait PluginFactory: Send + Sync {
    /// The name models and the command line use (`multinomial`).
    fn name(&self) -> &str;
    /// A one-line description for `bulletin classifiers`.
    fn description(&self) -> &str;
    /// The accepted `--param` keys with their defaults, one line.
    fn params_help(&self) -> &str {
        ""
    }
    /// A fresh, untrained plugin for `n_themes` themes.
    fn create(&self, params: &ParamMap, n_themes: usize) -> Result<Box<dyn Classifier>, ClassifierError>;
    /// A plugin restored from the bytes of [`Classifier::save_state`], for a model whose
    /// vocabulary has `n_features` features. The bytes come from a file: a plugin must check
    /// that they are consistent (and refer to no feature id ≥ `n_features`) instead of trusting
    /// them, and fail with [`ClassifierError::Payload`].
    fn restore(&self, state: &[u8], n_features: usize) -> Result<Box<dyn Classifier>, ClassifierError>;
}

/// Classifier plugins by name. [`Registry::default`] holds the built-ins: `multinomial` (the
/// default), `complement`, `bernoulli` and, with the `linfa` cargo feature (on by default),
/// `linfa-multinomial` and `linfa-bernoulli`.
///
/// ```
/// use bulletin_classifier::Registry;
///
/// let registry = Registry::default();
/// assert!(registry.get("complement").is_ok());
/// assert_eq!(registry.names().next(), Some("bernoulli"));
/// let err = registry.get("svm").err().unwrap();
/// assert!(err.to_string().contains("available: bernoulli, complement"));
/// ```
#[derive(Clone)]
pub struct Registry {
    factories: BTreeMap<String, Arc<dyn PluginFactory>>,
}

/// The name of the default classifier.
pub const DEFAULT_CLASSIFIER: &str = "multinomial";

impl Registry {
    /// A registry with no plugins at all.
    #[must_use]
    pub fn empty() -> Self {
        Self { factories: BTreeMap::new() }
    }

    /// Adds (or replaces) a plugin under its name.
    pub fn register(&mut self, factory: impl PluginFactory + 'static) {
        self.factories.insert(factory.name().to_owned(), Arc::new(factory));
    }

    /// The factory registered under `name`.
    pub fn get(&self, name: &str) -> Result<&dyn PluginFactory, ClassifierError> {
        self.factories
            .get(name)
            .map(AsRef::as_ref)
            .ok_or_else(|| ClassifierError::UnknownPlugin { name: name.to_owned(), available: self.names().map(str::to_owned).collect() })
    }

    /// Registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    /// Registered factories, sorted by name.
    pub fn factories(&self) -> impl Iterator<Item = &dyn PluginFactory> {
        self.factories.values().map(AsRef::as_ref)
    }
}

impl Default for Registry {
    fn default() -> Self {
        let mut r = Self::empty();
        r.register(NativeFactory(NbKind::Multinomial));
        r.register(NativeFactory(NbKind::Complement));
        r.register(NativeFactory(NbKind::Bernoulli));
        #[cfg(feature = "linfa")]
        {
            r.register(LinfaFactory(LinfaKind::Multinomial));
            r.register(LinfaFactory(LinfaKind::Bernoulli));
        }
        r
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
