//! The workbench page in headless Chromium, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`), against `bulletin serve` on a free port: paste a page, check its pieces,
//! themes and colours, correct a piece by keyboard, update the model and undo, check the counts,
//! and save a screenshot under `target/`.
//!
//! Without Chromium the test says so loudly and passes, unless `BULLETIN_REQUIRE_BROWSER=1` (as
//! `.ci/run` sets it), which makes a missing browser a failure.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A child process killed when dropped (also when the test panics).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `bulletin serve` in `dir` on a free port; returns the process and the URL it printed.
fn serve(dir: &Path) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("http://127.0.0.1:") && line.contains("/?token="), "{line}");
    (Killed(child), line.trim().to_owned())
}

/// Polls `check` every 100 ms until it gives a value or 30 s pass.
async fn wait_for<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn script(client: &Client, code: &str) -> Value {
    client.execute(code, vec![]).await.unwrap()
}

async fn text_of(client: &Client, id: &str) -> String {
    script(client, &format!("return document.getElementById('{id}').textContent")).await.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
#[expect(clippy::print_stderr, reason = "a skipped browser test says so loudly")]
async fn the_page_colours_pieces_takes_a_correction_updates_and_undoes() {
    let required = std::env::var("BULLETIN_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (Some(driver), Some(chromium)) = (find(&["chromedriver"]), find(&["chromium", "chromium-browser"])) else {
        assert!(!required, "BULLETIN_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (apt-get install chromium chromium-driver)");
        eprintln!(
            "\n{}\n!! SKIPPED: the browser test of `bulletin serve` needs chromium and chromedriver\n!! (apt-get install chromium chromium-driver); set BULLETIN_REQUIRE_BROWSER=1 to make this a failure\n{}\n",
            "!".repeat(78),
            "!".repeat(78)
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(dir.path());
    let port = free_port();
    let _driver = Killed(Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let profile = tempfile::tempdir().unwrap();
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({"binary": chromium, "args": args}));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = wait_for("chromedriver", || {
        let (caps, connector) = (caps.clone(), connector.clone());
        async move { ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await.ok() }
    })
    .await;
    let outcome = drive(&client, &url).await;
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/workbench.png");
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(&shot, png);
    }
    let _ = client.close().await;
    outcome.unwrap();
    assert!(shot.is_file());
    // The server wrote only its corrections and model folder.
    let mut names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["bulletin-models", "corrections.jsonl"]);
}

/// The scenario; an error (rather than a panic) so the browser is closed and a screenshot taken.
async fn drive(client: &Client, url: &str) -> Result<(), String> {
    client.goto(url).await.map_err(|e| e.to_string())?;
    wait_for("the model status", || async { (!text_of(client, "model-status").await.contains("正在读取")).then_some(()) }).await;
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/samples/page-1.txt")).unwrap();
    client.execute("document.getElementById('paste').value = arguments[0];", vec![json!(page)]).await.map_err(|e| e.to_string())?;
    client.find(Locator::Id("paste-name")).await.map_err(|e| e.to_string())?.clear().await.map_err(|e| e.to_string())?;
    client.find(Locator::Id("paste-name")).await.map_err(|e| e.to_string())?.send_keys("page-1.txt").await.map_err(|e| e.to_string())?;
    client.find(Locator::Id("classify-paste")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    let pieces = wait_for("seven pieces", || async {
        let n = script(client, "return document.querySelectorAll('#pieces .piece').length").await;
        (n.as_u64() == Some(7)).then_some(())
    })
    .await;
    let () = pieces;
    let themes = script(client, "return [...document.querySelectorAll('#pieces .piece')].map(p => p.dataset.theme)").await;
    if themes != json!(["investment", "financing", "transfer", "other", "hightech", "other", "other"]) {
        return Err(format!("themes {themes}"));
    }
    // Colour bands: the left border has each theme's colour.
    let bands =
        script(client, "return [...document.querySelectorAll('#pieces .piece')].map(p => getComputedStyle(p).borderLeftColor)").await;
    let expected = ["rgb(179, 38, 30)", "rgb(30, 122, 52)", "rgb(123, 63, 168)", "rgb(92, 102, 112)", "rgb(26, 95, 180)"];
    if bands.as_array().map(|b| b.iter().take(5).map(|v| v.as_str().unwrap_or("")).collect::<Vec<_>>()) != Some(expected.to_vec()) {
        return Err(format!("colour bands {bands}"));
    }
    // Correct piece 3 (other) to hightech by keyboard: focus it, press 2.
    script(client, "document.querySelectorAll('#pieces .piece')[3].focus(); return null").await;
    let focused = client.active_element().await.map_err(|e| e.to_string())?;
    focused.send_keys("2").await.map_err(|e| e.to_string())?;
    wait_for("the correction", || async {
        let t = script(client, "return document.querySelectorAll('#pieces .piece')[3].textContent").await;
        t.as_str().is_some_and(|t| t.contains("已更正")).then_some(())
    })
    .await;
    wait_for("one pending correction", || async {
        text_of(client, "model-status").await.contains("待折入的更正 1 条").then_some(())
    })
    .await;
    // Counts follow the correction: hightech 2, other 2.
    let counts = script(
        client,
        "return Object.fromEntries([...document.querySelectorAll('#counts td')].map(t => [t.dataset.theme, t.textContent]))",
    )
    .await;
    if counts != json!({"investment": "1", "hightech": "2", "financing": "1", "transfer": "1", "other": "2"}) {
        return Err(format!("counts {counts}"));
    }
    client.find(Locator::Id("update")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for("the update", || async { text_of(client, "update-result").await.contains("已保存 model-1.bin").then_some(()) }).await;
    wait_for("no pending correction", || async {
        text_of(client, "model-status").await.contains("待折入的更正 0 条").then_some(())
    })
    .await;
    client.find(Locator::Id("undo")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for("the undo", || async { text_of(client, "update-result").await.contains("回到 model-0.bin").then_some(()) }).await;
    wait_for("the correction pending again", || async {
        text_of(client, "model-status").await.contains("待折入的更正 1 条").then_some(())
    })
    .await;
    // Review order: least confident first.
    client.find(Locator::Id("order")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    let confidences =
        script(client, "return [...document.querySelectorAll('#pieces .piece meter')].map(m => Number(m.getAttribute('value')))").await;
    let values: Vec<f64> = confidences.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    if values.len() != 7 || values.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("review order {confidences}"));
    }
    // Expand the first piece's paragraphs for the screenshot.
    client.find(Locator::Id("order")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    script(client, "document.querySelector('#pieces .piece [data-expand]').click(); window.scrollTo(0, 0); return null").await;
    Ok(())
}
