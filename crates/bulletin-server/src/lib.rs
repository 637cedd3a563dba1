//! The local web workbench of `bulletin serve`: a JSON API over the classifier and an embedded
//! page that uses it, so that editors can see each piece of a bulletin coloured by its theme,
//! check the doubtful ones, correct a wrong theme once and have the model learn from it.
//!
//! # Design
//!
//! - **One state, one router.** [`Workbench`] holds the current [`Tagger`] (behind a lock that
//!   readers hold only to clone an `Arc`), the model folder and the corrections file;
//!   [`Workbench::router`] builds the axum `Router` that both the `bulletin serve` command and
//!   the tests use (the tests call it without a socket).
//! - **The library paths of the command line.** Pages are read with
//!   [`bulletin_segmenter::page::read_page`], tagged with [`Tagger::tag_piece`] and written as
//!   [`bulletin_classifier::jsonl::ClassifyRecord`]s, the objects of `classify --format jsonl`;
//!   corrections are corpus [`Record`](bulletin_core::Record)s, their bodies rebuilt with
//!   [`bulletin_core::article_text`] as `bulletin suggest` writes drafts; updates are
//!   [`Model::fold_corrections`](bulletin_classifier::Model::fold_corrections), the exact count
//!   update of the native plugins.
//! - **A token and loopback.** Every route but `/healthz` needs the per-run token (query
//!   parameter `token` or header `X-Bulletin-Token`, compared in constant time). The `Host`
//!   header must name a loopback host (DNS rebinding) unless remote access was allowed, and a
//!   state-changing request with an `Origin` must come from the page's own origin. Bodies are
//!   capped, requests time out, and a panic becomes a 500 answer, never a stopped server.
//! - **Files.** The server writes only the corrections file (appends of one complete line,
//!   flushed and synced) and the model folder: `model-0.bin` is the model the folder was started
//!   from, each update saves `model-<n+1>.bin` atomically and never over an earlier file, and
//!   `CURRENT` names the model in use, so a restart continues where the last run stopped. A
//!   model lists the ids of the corrections folded into it, so none is folded in twice.
//!
//! # Example
//!
//! Embed the workbench in a program of your own and ask it something:
//!
//! ```
//! use bulletin_server::{ServerConfig, Workbench};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let config = ServerConfig::new()
//!     .with_model_dir(dir.path().join("models"))
//!     .with_corrections(dir.path().join("corrections.jsonl"));
//! let workbench = Workbench::open(config)?;
//! let runtime = tokio::runtime::Runtime::new()?;
//! runtime.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let url = workbench.url(listener.local_addr()?);
//!     assert!(url.contains("?token="));
//!     let server = tokio::spawn(workbench.serve(listener, std::future::pending()));
//!     server.abort();
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! `examples/embed.rs` runs a workbench on a free port until Ctrl-C
//! (`cargo run -p bulletin-server --example embed`).
#![deny(missing_docs)]

mod api;
mod guard;
pub mod store;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bulletin_classifier::{ClassifierError, DEFAULT_MODEL, Registry, Tagger};
use bulletin_core::envelope;
use tokio::sync::Mutex;

use crate::store::{Corrections, ModelFolder};

pub use crate::api::ApiError;

/// The default address: loopback, port 8770.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8770";
/// The default request body limit: 20 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 20 << 20;
/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How many times a correction counts by default when folded into the model (measured:
/// `bench/corrections.sh`, `bench/RESULTS.md`).
pub const DEFAULT_CORRECTION_WEIGHT: u32 = 8;

/// Why the workbench could not start or save.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A model did not load.
    #[error("cannot load {name}")]
    Model {
        /// The model's name for messages.
        name: String,
        /// Why.
        #[source]
        source: ClassifierError,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A model or pointer file could not be saved.
    #[error("cannot save {}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: bulletin_core::CoreError,
    },
    /// The model folder was started from another model.
    #[error(
        "the model folder {} was started from another model than {base} (its model-0.bin differs); use another --model-dir",
        dir.display()
    )]
    ForeignModelFolder {
        /// The folder.
        dir: PathBuf,
        /// The model asked for.
        base: String,
    },
    /// A non-loopback address without remote access allowed.
    #[error("{addr} is not a loopback address: binding to it needs --allow-remote (the token is then the only protection)")]
    NotLoopback {
        /// The address.
        addr: SocketAddr,
    },
}

/// How the workbench is set up: the flags of `bulletin serve`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The model the model folder starts from; `None` for the embedded default model.
    pub model: Option<PathBuf>,
    /// The model folder.
    pub model_dir: PathBuf,
    /// The corrections file.
    pub corrections: PathBuf,
    /// Whether non-loopback `Host` headers (and addresses) are accepted.
    pub allow_remote: bool,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// How long a request may take.
    pub timeout: Duration,
    /// How many times each correction counts when folded in.
    pub correction_weight: u32,
    /// The token; `None` draws a random one.
    pub token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerConfig {
    /// Checks that a workbench with these settings may listen on `addr`: a loopback address, or
    /// any with [`allow_remote`](Self::allow_remote). Check it before [`Workbench::open`], which
    /// creates the model folder, so that a server that cannot start leaves nothing behind.
    pub fn check_addr(&self, addr: SocketAddr) -> Result<(), ServerError> {
        if addr.ip().is_loopback() || self.allow_remote { Ok(()) } else { Err(ServerError::NotLoopback { addr }) }
    }

    /// The defaults: embedded model, `./bulletin-models/`, `./corrections.jsonl`, loopback only,
    /// [`DEFAULT_BODY_LIMIT`], [`DEFAULT_TIMEOUT`], [`DEFAULT_CORRECTION_WEIGHT`], a random token.
    #[must_use]
    pub fn new() -> Self {
        Self {
            model: None,
            model_dir: PathBuf::from("bulletin-models"),
            corrections: PathBuf::from("corrections.jsonl"),
            allow_remote: false,
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
            correction_weight: DEFAULT_CORRECTION_WEIGHT,
            token: None,
        }
    }
    /// Starts the model folder from this model file.
    #[must_use]
    pub fn with_model(mut self, model: Option<PathBuf>) -> Self {
        self.model = model;
        self
    }
    /// Uses this model folder.
    #[must_use]
    pub fn with_model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = dir.into();
        self
    }
    /// Uses this corrections file.
    #[must_use]
    pub fn with_corrections(mut self, path: impl Into<PathBuf>) -> Self {
        self.corrections = path.into();
        self
    }
    /// Accepts remote hosts.
    #[must_use]
    pub fn with_allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }
    /// Caps request bodies at `bytes`.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
    /// Times requests out after `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Counts each correction `weight` times.
    #[must_use]
    pub fn with_correction_weight(mut self, weight: u32) -> Self {
        self.correction_weight = weight;
        self
    }
    /// Uses a fixed token instead of a random one (tests, scripts).
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

/// The model in use and what the folder knows about it.
#[derive(Debug)]
pub(crate) struct Current {
    pub(crate) tagger: Arc<Tagger>,
    /// Its number in the folder.
    pub(crate) number: u32,
}

/// What changes the model: the folder and the corrections, behind one lock so that updates,
/// undos and appends never interleave.
#[derive(Debug)]
pub(crate) struct Files {
    pub(crate) folder: ModelFolder,
    pub(crate) corrections: Corrections,
}

/// The workbench: its configuration, model and files. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Workbench {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: ServerConfig,
    pub(crate) token: String,
    pub(crate) current: RwLock<Arc<Current>>,
    pub(crate) files: Mutex<Files>,
    /// The page, with the token in its asset links.
    pub(crate) page: String,
    /// Lines of the corrections file that were not records, at start-up.
    pub(crate) skipped_lines: usize,
}

impl Workbench {
    /// Opens the model folder (starting it from the configured model when new), loads the
    /// current model and the corrections, and draws the token.
    pub fn open(config: ServerConfig) -> Result<Self, ServerError> {
        let (base, base_name): (Cow<'static, [u8]>, String) = match &config.model {
            Some(path) => {
                let name = format!("model {}", path.display());
                let bytes =
                    envelope::read_file(path).map_err(|e| ServerError::Model { name: name.clone(), source: ClassifierError::Core(e) })?;
                (bytes.into(), name)
            }
            None => (DEFAULT_MODEL.into(), "the embedded default model".to_owned()),
        };
        let folder = ModelFolder::open(&config.model_dir, &base, &base_name)?;
        drop(base);
        let tagger = load_tagger(&folder.current_path())?;
        let (corrections, skipped_lines) = Corrections::open(&config.corrections)?;
        let token = config.token.clone().unwrap_or_else(random_token);
        let page = api::page(&token);
        let current = Current { tagger: Arc::new(tagger), number: folder.current() };
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                token,
                current: RwLock::new(Arc::new(current)),
                files: Mutex::new(Files { folder, corrections }),
                page,
                skipped_lines,
            }),
        })
    }

    /// The per-run token.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Lines of the corrections file skipped at start-up because they were not records.
    #[must_use]
    pub fn skipped_correction_lines(&self) -> usize {
        self.inner.skipped_lines
    }

    /// The page's URL on `addr`, with the token.
    #[must_use]
    pub fn url(&self, addr: SocketAddr) -> String {
        let host = if addr.ip().is_unspecified() { SocketAddr::new([127, 0, 0, 1].into(), addr.port()) } else { addr };
        format!("http://{host}/?token={}", self.inner.token)
    }

    /// Checks that the workbench may listen on `addr`: loopback, or remote access allowed (see
    /// [`ServerConfig::check_addr`]).
    pub fn check_addr(&self, addr: SocketAddr) -> Result<(), ServerError> {
        self.inner.config.check_addr(addr)
    }

    /// The axum router of the page and the API (see the README for the routes).
    pub fn router(&self) -> axum::Router {
        api::router(self.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then lets requests in flight finish (each
    /// is bounded by the request timeout).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router()).with_graceful_shutdown(shutdown).await
    }

    /// The current model.
    pub(crate) fn current(&self) -> Arc<Current> {
        match self.inner.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub(crate) fn set_current(&self, current: Current) {
        let mut guard = match self.inner.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(current);
    }
}

/// Loads a model file of the folder into a tagger.
pub(crate) fn load_tagger(path: &Path) -> Result<Tagger, ServerError> {
    let name = format!("model {}", path.display());
    let bytes = envelope::read_file(path).map_err(|e| ServerError::Model { name: name.clone(), source: ClassifierError::Core(e) })?;
    Tagger::from_bytes_with(&bytes, &Registry::default()).map_err(|source| ServerError::Model { name, source })
}

/// 128 random bits as 32 hex digits.
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS random source does not fail on the systems Rust supports; should it, a token from
    // the clock and the process id still differs from run to run.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(std::process::id()).rotate_left(64)).to_le_bytes();
    }
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
