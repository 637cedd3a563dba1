//! Runs the workbench inside a program of your own, on a free loopback port, until Ctrl-C:
//!
//! ```text
//! cargo run -p bulletin-server --example embed [MODEL_DIR]
//! ```
//!
//! It keeps its models in `MODEL_DIR` (default: a new temporary folder) and its corrections
//! beside them, prints the page's URL, checks `/healthz` through its own router, and serves.

use axum::body::Body;
use axum::http::Request;
use bulletin_server::{ServerConfig, Workbench};
use tower::ServiceExt;

#[expect(clippy::print_stdout, reason = "an example that prints the URL to open")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let dir = std::env::args().nth(1).map_or_else(|| temp.path().to_owned(), std::path::PathBuf::from);
    let config = ServerConfig::new().with_model_dir(dir.join("models")).with_corrections(dir.join("corrections.jsonl"));
    let workbench = Workbench::open(config)?;
    tokio::runtime::Runtime::new()?.block_on(async move {
        // The router answers without a socket, as in the crate's tests.
        let health = Request::get("/healthz").header("host", "localhost").body(Body::empty())?;
        assert!(workbench.router().oneshot(health).await?.status().is_success());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", workbench.url(listener.local_addr()?));
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        workbench.serve(listener, stop).await?;
        Ok(())
    })
}
