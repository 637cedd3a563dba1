//! `bulletin serve`: the local web workbench of `bulletin-server`, on a tokio runtime, until
//! Ctrl-C (or SIGTERM).

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use bulletin_server::{ServerConfig, Workbench};

use crate::cli::ServeArgs;
use crate::exit::ExitCode;
use crate::{output, report};

/// Validated `serve` options.
#[derive(Debug)]
pub struct ServeConfig {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Open the page in the default browser.
    pub open: bool,
    /// The workbench's settings.
    pub server: ServerConfig,
}

impl ServeConfig {
    /// Validates the parsed arguments.
    pub fn new(args: ServeArgs) -> Result<Self> {
        let addr = args
            .addr
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| anyhow!("invalid --addr `{}`: expected HOST:PORT, e.g. 127.0.0.1:8770", args.addr))?;
        let server = ServerConfig::new()
            .with_model(args.model)
            .with_model_dir(args.model_dir)
            .with_corrections(args.corrections)
            .with_allow_remote(args.allow_remote)
            .with_body_limit(usize::try_from(args.body_limit).unwrap_or(usize::MAX))
            .with_timeout(Duration::from_secs(args.timeout))
            .with_correction_weight(args.correction_weight);
        Ok(Self { addr, open: args.open, server })
    }
}

/// Runs `serve`.
pub fn run(config: ServeConfig) -> Result<ExitCode> {
    // What can refuse to start is checked before the model folder is made: a server that does not
    // start leaves nothing behind (a folder seeded with the embedded model would then refuse a
    // later `--model`).
    config.server.check_addr(config.addr)?;
    let listener = std::net::TcpListener::bind(config.addr).with_context(|| format!("cannot listen on {}", config.addr))?;
    listener.set_nonblocking(true).context("cannot set up the listening socket")?;
    let workbench = Workbench::open(config.server).context("cannot start the workbench")?;
    if workbench.skipped_correction_lines() > 0 {
        report::warn(format_args!(
            "{}: {} line(s) are not training records and are ignored",
            workbench.config().corrections.display(),
            workbench.skipped_correction_lines()
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the server's threads")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).context("cannot listen")?;
        let local = listener.local_addr().context("cannot read the listening address")?;
        if !local.ip().is_loopback() {
            report::warn(format_args!(
                "listening on {local}, reachable from other machines: the token in the URL is the only protection; \
                 anyone who learns the URL can read pages and change the model"
            ));
        }
        let url = workbench.url(local);
        let mut out = output::stdout();
        writeln!(out, "{url}")?;
        out.flush()?;
        report::info(format_args!(
            "bulletin serve: model folder {}, corrections {}; Ctrl-C stops",
            workbench.config().model_dir.display(),
            workbench.config().corrections.display()
        ));
        if config.open {
            open_browser(&url);
        }
        workbench.serve(listener, shutdown_signal()).await.context("the server failed")?;
        report::info("bulletin serve: stopped");
        Ok(ExitCode::Success)
    })
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Opens `url` in the default browser, or says how to.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command.arg(url).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    if let Err(err) = command.spawn() {
        report::warn(format_args!("cannot open a browser ({err}): open the URL above yourself"));
    }
}
