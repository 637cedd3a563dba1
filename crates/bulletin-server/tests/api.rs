//! The JSON API end to end: every route and error status, the token, `Host` and `Origin`
//! checks, body limits, names that look like paths, parallel classification, and a correction
//! folded into the model exactly once, across a restart.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bulletin_classifier::{Model, Registry, TrainConfig, Trainer};
use bulletin_core::Record;
use bulletin_server::{ServerConfig, Workbench};
use serde_json::Value;
use tower::ServiceExt;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const HOST: &str = "127.0.0.1:8770";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn page_1() -> Vec<u8> {
    std::fs::read(root().join("data/samples/page-1.txt")).unwrap()
}

/// A workbench on the embedded model, in a fresh temporary folder.
fn workbench(configure: impl FnOnce(ServerConfig) -> ServerConfig) -> (tempfile::TempDir, Workbench) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::new()
        .with_model_dir(dir.path().join("models"))
        .with_corrections(dir.path().join("corrections.jsonl"))
        .with_token(TOKEN);
    let workbench = Workbench::open(configure(config)).unwrap();
    (dir, workbench)
}

/// A request to `router`; returns the status and the body as JSON (`Value::Null` when it is not).
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A request builder with the loopback Host and the token header.
fn req(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(uri).header("host", HOST).header("x-bulletin-token", TOKEN)
}

fn json_req(uri: &str, body: &Value) -> Request<Body> {
    req("POST", uri).header("content-type", "application/json").body(Body::from(body.to_string())).unwrap()
}

fn classify_req(uri: &str, bytes: Vec<u8>) -> Request<Body> {
    req("POST", uri).header("content-type", "application/octet-stream").body(Body::from(bytes)).unwrap()
}

fn error_of(value: &Value) -> &str {
    value["error"].as_str().unwrap_or_else(|| panic!("no error message in {value}"))
}

#[tokio::test]
async fn healthz_answers_without_token_but_only_for_loopback_hosts() {
    let (_dir, wb) = workbench(|c| c);
    let router = wb.router();
    let ok = Request::builder().uri("/healthz").header("host", "localhost:8770").body(Body::empty()).unwrap();
    assert_eq!(send(&router, ok).await, (StatusCode::OK, serde_json::json!({"status": "ok"})));
    let rebound = Request::builder().uri("/healthz").header("host", "evil.example:8770").body(Body::empty()).unwrap();
    assert_eq!(send(&router, rebound).await.0, StatusCode::FORBIDDEN);
    let no_host = Request::builder().uri("/healthz").body(Body::empty()).unwrap();
    let (status, body) = send(&router, no_host).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("Host"));
}

#[tokio::test]
async fn every_other_route_needs_the_token_by_header_or_query() {
    let (_dir, wb) = workbench(|c| c);
    let router = wb.router();
    for (method, uri) in [
        ("GET", "/"),
        ("GET", "/assets/app.js"),
        ("GET", "/assets/app.css"),
        ("GET", "/api/model"),
        ("POST", "/api/classify"),
        ("POST", "/api/corrections"),
        ("POST", "/api/update"),
        ("POST", "/api/undo"),
        ("GET", "/nowhere"),
    ] {
        let none = Request::builder().method(method).uri(uri).header("host", HOST).body(Body::empty()).unwrap();
        let (status, body) = send(&router, none).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert!(error_of(&body).contains("missing token"));
        let wrong = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST)
            .header("x-bulletin-token", "0123456789abcdef0123456789abcdee")
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&router, wrong).await.0, StatusCode::UNAUTHORIZED, "{method} {uri}");
        let prefix = Request::builder().method(method).uri(format!("{uri}?token=0123")).header("host", HOST).body(Body::empty()).unwrap();
        assert_eq!(send(&router, prefix).await.0, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    let by_query = Request::builder().uri(format!("/api/model?token={TOKEN}")).header("host", HOST).body(Body::empty()).unwrap();
    assert_eq!(send(&router, by_query).await.0, StatusCode::OK);
    let (status, body) = send(&router, req("GET", "/api/model").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["model"].as_str(), body["pending"].as_u64(), body["can_undo"].as_bool()), (Some("model-0.bin"), Some(0), Some(false)));
    assert_eq!(body["inspect"]["classifier"], "multinomial");
    // The page carries the token to its assets, and security headers.
    let response = router.clone().oneshot(req("GET", "/").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let html = String::from_utf8(html.to_vec()).unwrap();
    assert!(html.contains(&format!("/assets/app.js?token={TOKEN}")) && html.contains("lang=\"zh"), "{html}");
}

#[tokio::test]
async fn cross_origin_and_rebinding_requests_are_refused() {
    let (_dir, wb) = workbench(|c| c);
    let router = wb.router();
    let foreign = req("POST", "/api/classify").header("origin", "http://evil.example").body(Body::from(page_1())).unwrap();
    let (status, body) = send(&router, foreign).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(error_of(&body).contains("cross-origin"));
    let other_port = req("POST", "/api/undo").header("origin", "http://127.0.0.1:9999").body(Body::empty()).unwrap();
    assert_eq!(send(&router, other_port).await.0, StatusCode::FORBIDDEN);
    let cross_site = req("POST", "/api/undo").header("sec-fetch-site", "cross-site").body(Body::empty()).unwrap();
    assert_eq!(send(&router, cross_site).await.0, StatusCode::FORBIDDEN);
    let same = req("POST", "/api/classify").header("origin", format!("http://{HOST}")).body(Body::from(page_1())).unwrap();
    assert_eq!(send(&router, same).await.0, StatusCode::OK);
    // DNS rebinding: the right token under a foreign host name.
    let rebound = Request::builder()
        .uri("/api/model")
        .header("host", "attacker.example:8770")
        .header("x-bulletin-token", TOKEN)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, rebound).await.0, StatusCode::FORBIDDEN);
    // --allow-remote serves other host names (the token still counts).
    let (_dir, remote) = workbench(|c| c.with_allow_remote(true));
    let named = Request::builder()
        .uri("/api/model")
        .header("host", "bulletin.lan:8770")
        .header("x-bulletin-token", TOKEN)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&remote.router(), named).await.0, StatusCode::OK);
}

#[tokio::test]
async fn classify_returns_the_piece_objects_of_classify_jsonl() {
    let (_dir, wb) = workbench(|c| c);
    let router = wb.router();
    let (status, body) = send(&router, classify_req("/api/classify?source=page-1.txt&explain=3", page_1())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["source"].as_str(), body["encoding"].as_str()), (Some("page-1.txt"), Some("UTF-8")));
    let pieces = body["pieces"].as_array().unwrap();
    let themes: Vec<&str> = pieces.iter().map(|p| p["theme"].as_str().unwrap()).collect();
    assert_eq!(themes, ["investment", "financing", "transfer", "other", "hightech", "other", "other"]);
    let first = &pieces[0];
    for field in
        ["source", "id", "encoding", "index", "kind", "title", "byline", "credit", "text", "start", "end", "article_index", "paragraph"]
    {
        assert!(first.get(field).is_some(), "{field} missing in {first}");
    }
    assert_eq!(first["why"].as_array().unwrap().len(), 3);
    // The same page in GBK, at paragraph granularity.
    let gbk = encoding_rs::GBK.encode(std::str::from_utf8(&page_1()).unwrap()).0.into_owned();
    let (status, body) = send(&router, classify_req("/api/classify?granularity=paragraph", gbk)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["encoding"], "GBK");
    assert!(body["pieces"].as_array().unwrap().iter().all(|p| p["paragraph"].is_u64()));
    // HTML by media type.
    let html = "<html><body><h1>一项专利换来900万元贷款</h1><p>银行为科技企业发放知识产权质押贷款900万元。</p></body></html>";
    let request = req("POST", "/api/classify").header("content-type", "text/html").body(Body::from(html)).unwrap();
    let (status, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pieces"][0]["theme"], "financing");
}

#[tokio::test]
async fn classify_errors_are_json_4xx_with_the_command_line_message() {
    let (_dir, wb) = workbench(|c| c.with_body_limit(64 << 10));
    let router = wb.router();
    let (status, body) = send(&router, classify_req("/api/classify?source=bad.txt", b"# a\0b".to_vec())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cli = format!("bad.txt: cannot decode: {}", bulletin_segmenter::SegmenterError::BinaryInput { offset: 3 });
    assert_eq!(error_of(&body), cli);
    let mojibake = encoding_rs::WINDOWS_1252.encode("Ã©Ã¨Ã  grÃ¢ce Ã  lâ€™Ã©tÃ© Ã©tÃ©").0.into_owned();
    let (status, body) = send(&router, classify_req("/api/classify", mojibake)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for (uri, what) in [
        ("/api/classify?granularity=sentence", "invalid granularity `sentence`"),
        ("/api/classify?explain=51", "explain must be at most 50"),
        ("/api/classify?explain=-1", "invalid query"),
        ("/api/classify?encoding=klingon", "unknown encoding label `klingon`"),
        ("/api/classify?format=pdf", "invalid format `pdf`"),
    ] {
        let (status, body) = send(&router, classify_req(uri, page_1())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(error_of(&body).contains(what), "{uri}: {body}");
    }
    let wrong_type = req("POST", "/api/classify").header("content-type", "application/json").body(Body::from("{}")).unwrap();
    assert_eq!(send(&router, wrong_type).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = send(&router, classify_req("/api/classify", vec![b'a'; (64 << 10) + 1])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(&body).contains("larger than 65536 bytes"));
    // The unread rest of the body leaves the connection unusable: the answer closes it.
    let too_large = router.clone().oneshot(classify_req("/api/classify", vec![b'a'; (64 << 10) + 1])).await.unwrap();
    assert_eq!(too_large.headers().get("connection").map(axum::http::HeaderValue::as_bytes), Some(&b"close"[..]));
    // So does an error answered before the body is read at all: a wrong media type, a wrong token.
    let unread = [
        req("POST", "/api/corrections").header("content-type", "application/xml").body(Body::from(vec![b'a'; 60 << 10])).unwrap(),
        Request::builder()
            .method("POST")
            .uri("/api/classify")
            .header("host", HOST)
            .header("x-bulletin-token", "0123456789abcdef0123456789abcdee")
            .header("content-type", "text/plain")
            .body(Body::from(vec![b'a'; 60 << 10]))
            .unwrap(),
    ];
    for request in unread {
        let answer = router.clone().oneshot(request).await.unwrap();
        assert!(answer.status().is_client_error(), "{}", answer.status());
        assert_eq!(answer.headers().get("connection").map(axum::http::HeaderValue::as_bytes), Some(&b"close"[..]), "{}", answer.status());
    }
    let (status, body) = send(&router, req("GET", "/api/classify").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"].is_string());
    assert_eq!(send(&router, req("GET", "/api/nothing").body(Body::empty()).unwrap()).await.0, StatusCode::NOT_FOUND);
    // An empty page is no error: no pieces, and the note says why.
    let (status, body) = send(&router, classify_req("/api/classify", b"  \n".to_vec())).await;
    assert_eq!((status, body["pieces"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_408() {
    // A body that never ends keeps the handler waiting for it, so only the timeout can answer,
    // whatever the machine's speed. (A zero timeout with a real page raced the tagging: tokio's
    // timer fires at its next millisecond tick, by which time a fast tagging had answered 200.)
    let (_dir, wb) = workbench(|c| c.with_timeout(std::time::Duration::from_millis(100)));
    let request = req("POST", "/api/classify").header("content-type", "text/plain").body(Body::new(Endless)).unwrap();
    let (status, body) = send(&wb.router(), request).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(error_of(&body).contains("took longer than"));
}

/// A request body whose next frame never comes.
struct Endless;

impl http_body::Body for Endless {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

/// A correction of the first article of page 1 (a financing piece) to `transfer`, with its
/// paragraphs under a section heading.
fn correction() -> Value {
    serde_json::json!({
        "piece": {
            "source": "page-1.txt", "index": 1, "kind": "article", "title": "一项专利换来900万元贷款",
            "text": "镇江高新区一家企业凭借专利获得贷款。\n合作机制\n园区与银行建立合作机制。",
            "paragraphs": [
                {"text": "镇江高新区一家企业凭借专利获得贷款。", "section": null},
                {"text": "园区与银行建立合作机制。", "section": "合作机制"}
            ]
        },
        "labels": ["transfer"],
        "paragraph_labels": [["transfer"], ["financing"]]
    })
}

#[tokio::test]
async fn corrections_are_corpus_records_appended_once() {
    let (dir, wb) = workbench(|c| c.with_body_limit(4096));
    let router = wb.router();
    let (status, first) = send(&router, json_req("/api/corrections", &correction())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["new"].as_bool(), first["pending"].as_u64()), (Some(true), Some(1)));
    let (_, again) = send(&router, json_req("/api/corrections", &correction())).await;
    assert_eq!((again["id"].clone(), again["new"].as_bool()), (first["id"].clone(), Some(false)));
    let file = std::fs::read_to_string(dir.path().join("corrections.jsonl")).unwrap();
    assert_eq!(file.lines().count(), 1);
    let record = Record::from_json(file.lines().next().unwrap()).unwrap();
    assert_eq!(record.id, first["id"].as_str().unwrap());
    assert_eq!(record.text, "镇江高新区一家企业凭借专利获得贷款。\n## 合作机制\n园区与银行建立合作机制。");
    assert_eq!(record.paragraphs().count(), record.paragraph_labels.as_ref().unwrap().len());
    // A paragraph is a one-paragraph record.
    let paragraph =
        serde_json::json!({"piece": {"text": "园区与银行建立合作机制。", "paragraph": 1, "section": "合作机制"}, "labels": ["financing"]});
    let (status, _) = send(&router, json_req("/api/corrections", &paragraph)).await;
    assert_eq!(status, StatusCode::OK);
    let last = std::fs::read_to_string(dir.path().join("corrections.jsonl")).unwrap();
    let last = Record::from_json(last.lines().last().unwrap()).unwrap();
    assert_eq!((last.text.as_str(), last.paragraph_labels.clone()), ("园区与银行建立合作机制。", Some(vec![vec!["financing".to_owned()]])));

    let mut bad_labels = correction();
    bad_labels["labels"] = serde_json::json!(["investment", "astrology"]);
    let mut short = correction();
    short["paragraph_labels"] = serde_json::json!([["transfer"]]);
    let mut empty = correction();
    empty["labels"] = serde_json::json!([]);
    let mut blank = correction();
    blank["piece"] = serde_json::json!({"text": "  "});
    for (body, what) in [
        (bad_labels, "unknown theme `astrology` (valid themes: investment, hightech, financing, transfer, other)"),
        (short, "paragraph_labels has 1 entries but the piece has 2 paragraphs"),
        (empty, "at least one theme"),
        (blank, "no text"),
        (serde_json::json!({"labels": ["other"]}), "missing field `piece`"),
        (serde_json::json!({"piece": {"text": 5}, "labels": ["other"]}), "invalid type"),
    ] {
        let (status, answer) = send(&router, json_req("/api/corrections", &body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(error_of(&answer).contains(what), "{answer}");
    }
    let not_json = req("POST", "/api/corrections").header("content-type", "application/json").body(Body::from("{nope")).unwrap();
    assert_eq!(send(&router, not_json).await.0, StatusCode::BAD_REQUEST);
    let plain = req("POST", "/api/corrections").header("content-type", "text/plain").body(Body::from(correction().to_string())).unwrap();
    assert_eq!(send(&router, plain).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = correction();
    huge["piece"]["text"] = Value::String("高".repeat(4096));
    assert_eq!(send(&router, json_req("/api/corrections", &huge)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(std::fs::read_to_string(dir.path().join("corrections.jsonl")).unwrap().lines().count(), 2);
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn names_that_look_like_paths_never_reach_the_file_system() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    let config = ServerConfig::new().with_model_dir(dir.join("models")).with_corrections(dir.join("corrections.jsonl")).with_token(TOKEN);
    let router = Workbench::open(config).unwrap().router();
    let evil = ["../escaped", "../../escaped", "/tmp/escaped", "models/../../escaped", "..\\escaped", "model-9.bin", "CURRENT"];
    for name in evil {
        let uri = format!("/api/classify?source={}", name.replace('/', "%2F").replace('\\', "%5C"));
        assert_eq!(send(&router, classify_req(&uri, page_1())).await.0, StatusCode::OK);
        let body = serde_json::json!({
            "piece": {"source": name, "id": name, "title": name, "text": format!("{name} 园区与银行建立合作机制。"), "section": name},
            "labels": ["financing"], "id": name, "model": name, "path": name,
        });
        assert_eq!(send(&router, json_req("/api/corrections", &body)).await.0, StatusCode::OK);
        let update =
            serde_json::json!({"pieces": [{"index": 0, "title": name, "text": name, "kind": name, "source": name}], "model": name});
        let (status, answer) = send(&router, json_req("/api/update", &update)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let undo =
            req("POST", &format!("/api/undo?model={name}")).header("content-type", "application/json").body(Body::from("{}")).unwrap();
        assert_eq!(send(&router, undo).await.0, StatusCode::OK);
    }
    let mut expected = vec!["work/corrections.jsonl".to_owned(), "work/models/CURRENT".to_owned()];
    expected.extend((0..=evil.len()).map(|n| format!("work/models/model-{n}.bin")));
    expected.sort();
    assert_eq!(files_under(outer.path()), expected);
}

/// Records of `data/train/train-a.jsonl`: the training data of the base model of the update tests.
static BASE_RECORDS: LazyLock<Vec<Record>> = LazyLock::new(|| {
    std::fs::read_to_string(root().join("data/train/train-a.jsonl")).unwrap().lines().map(|l| Record::from_json(l).unwrap()).collect()
});

fn train(records: &[Record]) -> Model {
    let mut trainer = Trainer::new(TrainConfig::default(), &Registry::default()).unwrap();
    trainer.add_records(records).unwrap();
    trainer.finish().unwrap()
}

fn assert_same_counts(a: &Model, b: &Model) {
    assert_eq!(a.vocabulary().words(), b.vocabulary().words(), "vocabularies differ");
    assert!(a.plugin().counts().unwrap() == b.plugin().counts().unwrap(), "counts differ");
    assert_eq!(a.summary().pieces_per_theme, b.summary().pieces_per_theme);
    assert_eq!(a.summary().records, b.summary().records);
    assert_eq!(a.selected_features(), b.selected_features());
}

#[tokio::test]
async fn an_update_folds_weighted_corrections_exactly_once_and_undo_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let base_path = dir.path().join("base.bin");
    train(&BASE_RECORDS).save(&base_path).unwrap();
    let weight = 3;
    let config = || {
        ServerConfig::new()
            .with_model(Some(base_path.clone()))
            .with_model_dir(dir.path().join("models"))
            .with_corrections(dir.path().join("corrections.jsonl"))
            .with_correction_weight(weight)
            .with_token(TOKEN)
    };
    let router = Workbench::open(config()).unwrap().router();
    let (status, body) = send(&router, json_req("/api/update", &serde_json::json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = send(&router, req("POST", "/api/undo").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (_, added) = send(&router, json_req("/api/corrections", &correction())).await;
    let id = added["id"].as_str().unwrap().to_owned();
    let (_, page) = send(&router, classify_req("/api/classify", page_1())).await;
    let (status, summary) = send(&router, json_req("/api/update", &serde_json::json!({"pieces": page["pieces"]}))).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(
        (summary["model"].as_str(), summary["folded"].as_u64(), summary["weight"].as_u64()),
        (Some("model-1.bin"), Some(1), Some(3))
    );
    assert_eq!(summary["corrections"][0]["expected"], "transfer");
    assert!(summary["page"].is_array());

    // The counts are those of training on the data plus the correction `weight` times.
    let saved = Model::load(&dir.path().join("models/model-1.bin"), &Registry::default()).unwrap();
    let line = std::fs::read_to_string(dir.path().join("corrections.jsonl")).unwrap();
    let corrected = Record::from_json(line.trim()).unwrap();
    let mut data = BASE_RECORDS.clone();
    data.extend(std::iter::repeat_n(corrected, weight as usize));
    assert_same_counts(&saved, &train(&data));
    assert_eq!(saved.corrections(), std::slice::from_ref(&id));
    let (_, model) = send(&router, req("GET", "/api/model").body(Body::empty()).unwrap()).await;
    assert_eq!((model["pending"].as_u64(), model["stale"].as_bool(), model["can_undo"].as_bool()), (Some(0), Some(true), Some(true)));
    assert_eq!(model["inspect"]["corrections"], 1);

    // A restarted server holds the same model and does not fold the correction again.
    drop(router);
    let router = Workbench::open(config()).unwrap().router();
    let (_, model) = send(&router, req("GET", "/api/model").body(Body::empty()).unwrap()).await;
    assert_eq!((model["model"].as_str(), model["pending"].as_u64()), (Some("model-1.bin"), Some(0)));
    assert_eq!(send(&router, json_req("/api/update", &serde_json::json!({}))).await.0, StatusCode::CONFLICT);

    // Undo: back to the base, the correction pending again; a new update never overwrites.
    let (status, undone) = send(&router, req("POST", "/api/undo").body(Body::empty()).unwrap()).await;
    assert_eq!((status, undone["model"].as_str(), undone["pending"].as_u64()), (StatusCode::OK, Some("model-0.bin"), Some(1)));
    let (status, again) = send(&router, req("POST", "/api/update").body(Body::empty()).unwrap()).await;
    assert_eq!((status, again["model"].as_str()), (StatusCode::OK, Some("model-2.bin")));
    let twice = Model::load(&dir.path().join("models/model-2.bin"), &Registry::default()).unwrap();
    assert_same_counts(&twice, &saved);
    // Another starting model cannot reuse the folder.
    let other = Workbench::open(config().with_model(None));
    assert!(other.unwrap_err().to_string().contains("was started from another model"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_classify_calls_over_a_socket_get_identical_answers() {
    let (_dir, wb) = workbench(|c| c);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(wb.serve(listener, async {
        let _ = stopped.await;
    }));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Body>();
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            let request = Request::post(format!("http://{addr}/api/classify?explain=2"))
                .header("x-bulletin-token", TOKEN)
                .header("content-type", "text/plain")
                .body(Body::from(page_1()))
                .unwrap();
            let response = client.request(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            axum::body::to_bytes(Body::new(response.into_body()), usize::MAX).await.unwrap()
        })
    });
    let answers: Vec<_> = futures_join(calls.collect()).await;
    assert_eq!(answers.len(), 50);
    assert!(answers.iter().all(|a| a == &answers[0]));
    let first: Value = serde_json::from_slice(&answers[0]).unwrap();
    assert_eq!(first["pieces"].as_array().unwrap().len(), 7);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
