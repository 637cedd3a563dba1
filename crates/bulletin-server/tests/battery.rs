//! A battery of bad input over a real socket: malformed HTTP, hostile headers, garbage bodies for
//! every route, odd queries. Every answer must be a 4xx (never a 5xx, which is what a panic
//! becomes), and the server must still be serving at the end.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use bulletin_server::{ServerConfig, Workbench};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "feedfacefeedfacefeedfacefeedface";
/// The battery's body limit; two of its bodies are larger.
const LIMIT: usize = 64 << 10;

/// Whether a client error is the connection closing under a request still being written.
fn closed_while_sending(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset);
        }
        cause = error.source();
    }
    false
}

/// A small deterministic generator (xorshift), so the battery is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// Sends raw bytes and returns the status code of the answer, if the server answered one.
async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(bytes).await.ok()?;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok())
}

fn bodies(rng: &mut Rng) -> Vec<(String, &'static str, Vec<u8>)> {
    let mut out: Vec<(String, &'static str, Vec<u8>)> = Vec::new();
    for n in [1, 7, 100, 4096, 70_000] {
        out.push(("/api/classify".into(), "application/octet-stream", rng.bytes(n)));
    }
    let deep = "<div>".repeat(100_000);
    out.push(("/api/classify".into(), "text/html", deep.into_bytes()));
    out.push(("/api/classify?format=html".into(), "application/octet-stream", b"<html><meta charset=\"utf-7\"><p>\xff\xfe".to_vec()));
    out.push(("/api/classify".into(), "text/plain", vec![0xFF, 0xFE, 0x00, 0xD8, 0x00, 0xDC, 0x41]));
    out.push(("/api/classify".into(), "text/plain", vec![0xEF, 0xBB, 0xBF, 0xC3, 0x28]));
    out.push(("/api/classify?encoding=utf-16le".into(), "text/plain", vec![0x00, 0xD8, 0x41]));
    out.push(("/api/classify?encoding=gbk&granularity=paragraph".into(), "text/plain", vec![0x81; 33]));
    out.push(("/api/classify?explain=18446744073709551616".into(), "text/plain", "# 标题\n正文。".into()));
    out.push(("/api/classify?granularity=%ZZ&&&=".into(), "text/plain", "# 标题\n正文。".into()));
    out.push(("/api/classify?granularity=article&granularity=paragraph".into(), "text/plain", "# 标题\n正文。".into()));
    for route in ["/api/corrections", "/api/update", "/api/undo"] {
        for body in [
            b"".to_vec(),
            b"null".to_vec(),
            b"[]".to_vec(),
            b"\"piece\"".to_vec(),
            b"{\"piece\":null,\"labels\":null}".to_vec(),
            b"{\"piece\":{\"text\":\"\\ud800\"},\"labels\":[\"other\"]}".to_vec(),
            b"{\"piece\":{\"text\":\"x\",\"paragraphs\":[{\"text\":1}]},\"labels\":[\"other\"]}".to_vec(),
            b"{\"piece\":{\"text\":\"x\",\"paragraph\":-1},\"labels\":[\"other\"]}".to_vec(),
            b"{\"piece\":{\"text\":\"x\"},\"labels\":[\"\"],\"paragraph_labels\":[[]]}".to_vec(),
            b"{\"pieces\":[{\"text\":null}]}".to_vec(),
            b"{\"pieces\":{}}".to_vec(),
            "[".repeat(10_000).into_bytes(),
            rng.bytes(300),
        ] {
            out.push((route.into(), "application/json", body));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(clippy::print_stderr, reason = "the battery reports its figures")]
async fn bad_input_gets_4xx_answers_and_never_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::new()
        .with_model_dir(dir.path().join("models"))
        .with_corrections(dir.path().join("corrections.jsonl"))
        .with_body_limit(LIMIT)
        .with_token(TOKEN);
    let workbench = Workbench::open(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(workbench.serve(listener, std::future::pending()));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Body>();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut requests, mut server_errors) = (0, Vec::new());

    for (uri, media, body) in bodies(&mut rng) {
        let oversized = body.len() > LIMIT;
        let request = Request::post(format!("http://{addr}{uri}"))
            .header("x-bulletin-token", TOKEN)
            .header("content-type", media)
            .body(Body::from(body))
            .unwrap();
        requests += 1;
        let status = match client.request(request).await {
            Ok(response) => response.status(),
            // The server answers 413 as soon as it sees the length and closes the connection; a
            // client still writing the body then meets a closed socket before it reads the answer.
            // That is a refusal too, but only for bodies over the limit.
            Err(error) if oversized && closed_while_sending(&error) => continue,
            Err(error) => panic!("{uri} ({media}): {error:?}"),
        };
        if !status.is_client_error() && !status.is_success() {
            server_errors.push(format!("{uri} ({media}): {status}"));
        }
    }
    let token = format!("x-bulletin-token: {TOKEN}\r\n");
    let raw_requests: Vec<Vec<u8>> = vec![
        b"\r\n\r\n".to_vec(),
        b"GARBAGE\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n".to_vec(),
        format!("GET /api/model HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n", token.repeat(50)).into_bytes(),
        format!("GET /api/model HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n", "a".repeat(200_000)).into_bytes(),
        format!("POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Content-Length: 99999999999\r\n\r\nabc").into_bytes(),
        format!("POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Content-Length: -1\r\n\r\n").into_bytes(),
        format!("POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n")
            .into_bytes(),
        format!("POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n")
            .into_bytes(),
        format!(
            "POST /api/corrections HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{{"
        )
        .into_bytes(),
        format!("GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}\r\n").into_bytes(),
        format!("GET /assets/../../Cargo.toml HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}\r\n").into_bytes(),
        b"GET /api/model?token=%00%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n".to_vec(),
        rng.bytes(2000),
    ];
    for bytes in raw_requests {
        requests += 1;
        if let Some(code) = raw(addr, &bytes).await {
            if code >= 500 {
                server_errors.push(format!("raw request {:?}…: {code}", String::from_utf8_lossy(&bytes[..bytes.len().min(40)])));
            }
        }
    }
    assert!(server_errors.is_empty(), "{server_errors:#?}");
    // Still serving, and the model folder untouched by the garbage.
    let healthz = Request::get(format!("http://{addr}/healthz")).body(Body::empty()).unwrap();
    assert_eq!(client.request(healthz).await.unwrap().status(), 200);
    assert!(!server.is_finished());
    eprintln!("bad-input battery: {requests} requests, 0 answers of 5xx (a panic answers 500), server still serving");
    server.abort();
}
