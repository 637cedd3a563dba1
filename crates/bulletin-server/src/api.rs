//! The routes: the page and its assets, `/healthz` and the JSON API.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bulletin_classifier::jsonl::{ClassifyRecord, PieceRecord};
use bulletin_classifier::summary::ModelReport;
use bulletin_classifier::{ClassifierError, Registry, TagOptions, Tagged, Tagger};
use bulletin_core::{Granularity, Piece, PieceKind, Record, article_text};
use bulletin_segmenter::page::{PageOptions, read_page};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::store::model_name;
use crate::{Current, ServerError, Workbench, load_tagger};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// The most explanations asked per piece (`explain=K`).
const MAX_EXPLAIN: usize = 50;

/// An error answer: a status and the message, as `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with this status and message.
    #[must_use]
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A server-side failure: the message names what failed (a file, a model), never a request's data.
    fn internal(err: &ServerError) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, chain(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        let mut response = (self.status, json_headers(), body.to_string()).into_response();
        // An error may be answered before the request's body is read (413 stops reading it;
        // 401, 403 and 415 never start), and hyper then closes the connection: say so, or a
        // client that keeps it would send its next request into a socket the server is closing.
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// An error and its sources on one line, as the command line prints them (`{:#}` of anyhow).
fn chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

fn json_headers() -> [(header::HeaderName, HeaderValue); 2] {
    [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (StatusCode::OK, json_headers(), body).into_response(),
        Err(err) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot serialise the answer: {err}")).into_response(),
    }
}

/// The page, with the token in the asset links.
pub(crate) fn page(token: &str) -> String {
    INDEX_HTML.replace("__TOKEN__", token)
}

/// The router: every route behind [`crate::guard::guard`], panics turned into 500 answers.
pub(crate) fn router(workbench: Workbench) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/assets/app.css", get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route("/healthz", get(|| async { json(&serde_json::json!({ "status": "ok" })) }))
        .route("/api/classify", post(classify))
        .route("/api/corrections", post(corrections))
        .route("/api/update", post(update))
        .route("/api/undo", post(undo))
        .route("/api/model", get(model))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route") })
        .method_not_allowed_fallback(|| async { ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this route") })
        .layer(axum::middleware::from_fn_with_state(workbench.clone(), crate::guard::guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error while answering the request").into_response()
        }))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(workbench)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

async fn index(State(workbench): State<Workbench>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (StatusCode::OK, headers, workbench.inner.page.clone()).into_response()
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let headers =
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    (StatusCode::OK, headers, body).into_response()
}

/// The media type of a request, lowercased, without parameters.
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a body of at most the configured limit.
async fn read_body(workbench: &Workbench, body: Body) -> Result<Bytes, ApiError> {
    let limit = workbench.inner.config.body_limit;
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        // axum reports an oversized body through http-body-util's `LengthLimitError`, which it
        // does not re-export: it is recognised by its message.
        let too_large = chain(&err).contains("length limit exceeded");
        if too_large {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {limit} bytes (--body-limit)"))
        } else {
            ApiError::bad_request(format!("cannot read the request body: {err}"))
        }
    })
}

/// A JSON body: `application/json` only, parsed into `T`.
async fn read_json<T: serde::de::DeserializeOwned>(workbench: &Workbench, headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let media = media_type(headers);
    if media != "application/json" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected a JSON body (Content-Type: application/json), got `{media}`"),
        ));
    }
    let bytes = read_body(workbench, body).await?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

/// Runs CPU work off the async threads; a panic in it is a 500 answer.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error while answering the request")))
}

/// Query of `/api/classify`.
#[derive(Debug, Deserialize)]
struct ClassifyQuery {
    #[serde(default)]
    granularity: Option<String>,
    #[serde(default)]
    explain: Option<usize>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

#[derive(Serialize)]
struct ClassifyAnswer<'a> {
    source: &'a str,
    encoding: &'a str,
    pieces: Vec<ClassifyRecord<'a>>,
    notices: Vec<String>,
}

async fn classify(
    State(workbench): State<Workbench>,
    query: Result<Query<ClassifyQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(format!("invalid query: {}", e.body_text())))?;
    let media = media_type(&headers);
    let html = match media.as_str() {
        "application/octet-stream" | "text/plain" | "" => false,
        "text/html" => true,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("expected the page's bytes (application/octet-stream, text/plain or text/html), got `{other}`"),
            ));
        }
    };
    let html = match query.format.as_deref() {
        None | Some("auto") => html,
        Some("text") => false,
        Some("html") => true,
        Some(other) => return Err(ApiError::bad_request(format!("invalid format `{other}`: expected auto, text or html"))),
    };
    let granularity = match query.granularity.as_deref() {
        None | Some("article") => Granularity::Article,
        Some("paragraph") => Granularity::Paragraph,
        Some(other) => return Err(ApiError::bad_request(format!("invalid granularity `{other}`: expected article or paragraph"))),
    };
    let explain = query.explain.unwrap_or(0);
    if explain > MAX_EXPLAIN {
        return Err(ApiError::bad_request(format!("explain must be at most {MAX_EXPLAIN}, got {explain}")));
    }
    let encoding = match query.encoding.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(label) => Some(encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid --encoding: {}",
                bulletin_segmenter::SegmenterError::UnknownEncoding { label: label.to_owned() }
            ))
        })?),
        None => None,
    };
    let source = query.source.unwrap_or_else(|| "-".to_owned());
    let bytes = read_body(&workbench, body).await?;
    let current = workbench.current();
    let answer = blocking(move || {
        let tagger = &current.tagger;
        if explain > 0 {
            if let Err(ClassifierError::Unsupported { .. }) = tagger.model().plugin().explain(&[]) {
                return Err(ApiError::bad_request(format!(
                    "--explain: the `{}` classifier of this model cannot explain its decisions",
                    tagger.model().plugin().name()
                )));
            }
        }
        let mut options = PageOptions::default().with_granularity(granularity).with_html(html);
        options.encoding = encoding;
        let page = read_page(&bytes, &options)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{}: {}", e.context(&source), chain(e.cause()))))?;
        drop(bytes);
        let tag_options = TagOptions::default().with_explain(explain);
        let results: Vec<Tagged> = page.pieces.into_par_iter().map(|piece| tagger.tag_piece(piece, tag_options)).collect();
        let taxonomy = tagger.model().taxonomy();
        let answer = ClassifyAnswer {
            source: &source,
            encoding: page.encoding,
            pieces: results
                .iter()
                .map(|t| ClassifyRecord::new(PieceRecord::new(&source, page.encoding, &t.piece), &t.prediction, taxonomy))
                .collect(),
            notices: page.notices.iter().map(|n| format!("{source}: {n}")).collect(),
        };
        Ok(json(&answer))
    })
    .await?;
    Ok(answer)
}

/// A piece as the page sends it back with a correction: the fields of a classify piece object
/// that the record needs (others are ignored), and the article's paragraphs when it has them.
#[derive(Debug, Deserialize)]
struct PieceIn {
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    paragraph: Option<usize>,
    #[serde(default)]
    paragraphs: Option<Vec<ParagraphIn>>,
}

#[derive(Debug, Deserialize)]
struct ParagraphIn {
    text: String,
    #[serde(default)]
    section: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CorrectionIn {
    piece: PieceIn,
    labels: Vec<String>,
    #[serde(default)]
    paragraph_labels: Option<Vec<Vec<String>>>,
}

/// The corpus record of a correction: an article's body rebuilt from its paragraphs (section
/// lines marked `## `, as `bulletin suggest` writes drafts), a paragraph as a one-paragraph record.
fn correction_record(tagger: &Tagger, c: CorrectionIn) -> Result<Record, ApiError> {
    let taxonomy = tagger.model().taxonomy();
    if c.labels.is_empty() {
        return Err(ApiError::bad_request("labels must name at least one theme"));
    }
    taxonomy.resolve_labels(&c.labels).map_err(|e| ApiError::bad_request(e.to_string()))?;
    for labels in c.paragraph_labels.iter().flatten() {
        if labels.is_empty() {
            return Err(ApiError::bad_request("every entry of paragraph_labels must name at least one theme"));
        }
        taxonomy.resolve_labels(labels).map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    if c.piece.text.trim().is_empty() {
        return Err(ApiError::bad_request("the piece has no text"));
    }
    let title = c.piece.title.unwrap_or_default();
    let record = if c.piece.paragraph.is_some() {
        if c.paragraph_labels.is_some() {
            return Err(ApiError::bad_request("a paragraph takes labels only, not paragraph_labels"));
        }
        let text = c.piece.text.trim().to_owned();
        Record::new("", "", text, c.labels.clone()).with_paragraph_labels(vec![c.labels])
    } else {
        let text = match &c.piece.paragraphs {
            Some(paragraphs) if !paragraphs.is_empty() => {
                article_text(paragraphs.iter().map(|p| (p.section.as_deref(), p.text.as_str())), true)
            }
            _ => c.piece.text.clone(),
        };
        let record = Record::new("", title, text, c.labels);
        match c.paragraph_labels {
            Some(pl) => record.with_paragraph_labels(pl),
            None => record,
        }
    };
    if let Some(pl) = &record.paragraph_labels {
        let paragraphs = record.paragraphs().count();
        if pl.len() != paragraphs {
            return Err(ApiError::bad_request(format!(
                "paragraph_labels has {} entries but the piece has {paragraphs} paragraphs",
                pl.len()
            )));
        }
    }
    Ok(record)
}

async fn corrections(State(workbench): State<Workbench>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let correction: CorrectionIn = read_json(&workbench, &headers, body).await?;
    let current = workbench.current();
    let record = correction_record(&current.tagger, correction)?;
    let mut files = workbench.inner.files.lock().await;
    let (id, new) = files.corrections.append(record).map_err(|e| ApiError::internal(&e))?;
    let pending = pending(&current, files.corrections.records()).len();
    Ok(json(&serde_json::json!({ "id": id, "new": new, "pending": pending })))
}

/// Corrections not folded into the model yet.
fn pending<'r>(current: &Current, records: &'r [Record]) -> Vec<&'r Record> {
    let folded = current.tagger.model().corrections();
    records.iter().filter(|r| folded.binary_search(&r.id).is_err()).collect()
}

/// Body of `/api/update`: the pieces of the current page, to report which of them change.
#[derive(Debug, Default, Deserialize)]
struct UpdateIn {
    #[serde(default)]
    pieces: Vec<PagePieceIn>,
}

#[derive(Debug, Deserialize)]
struct PagePieceIn {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    paragraph: Option<usize>,
}

#[derive(Serialize)]
struct Change {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
    before: String,
    after: String,
}

/// A piece for re-tagging: articles and captions as the splitter gives them, a paragraph as a passage.
fn piece_of(kind: Option<&str>, title: Option<String>, text: String, paragraph: Option<usize>) -> Piece {
    let kind = if kind == Some("caption") { PieceKind::Caption } else { PieceKind::Article };
    let mut piece = Piece::new(kind, text, 0, 0);
    piece.title = title.filter(|t| !t.is_empty());
    piece.paragraph = paragraph;
    piece
}

fn theme_of(tagger: &Tagger, piece: &Piece) -> String {
    tagger.tag_piece(piece.clone(), TagOptions::default()).prediction.theme_id().to_owned()
}

async fn update(State(workbench): State<Workbench>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let input: UpdateIn = if media_type(&headers).is_empty() && headers.get(header::CONTENT_LENGTH).is_none_or(|l| l == "0") {
        UpdateIn::default()
    } else {
        read_json(&workbench, &headers, body).await?
    };
    let mut files = workbench.inner.files.lock().await;
    let current = workbench.current();
    let folded: Vec<Record> = pending(&current, files.corrections.records()).into_iter().cloned().collect();
    if folded.is_empty() {
        return Err(ApiError::new(StatusCode::CONFLICT, "no pending correction: the model already holds every correction"));
    }
    let weight = workbench.inner.config.correction_weight;
    let old = Arc::clone(&current.tagger);
    let (tagger, bytes, answer) = blocking(move || {
        let ids: Vec<String> = folded.iter().map(|r| r.id.clone()).collect();
        let model =
            bulletin_classifier::Model::from_bytes(&old.model().to_bytes().map_err(|e| internal_classifier(&e))?, &Registry::default())
                .map_err(|e| internal_classifier(&e))?;
        let model = model.fold_corrections(&folded, &ids, weight).map_err(|e| ApiError::bad_request(chain(&e)))?;
        let bytes = model.to_bytes().map_err(|e| internal_classifier(&e))?;
        let tagger = Tagger::from_model(model).map_err(|e| internal_classifier(&e))?;
        let corrections: Vec<Change> = folded
            .iter()
            .map(|r| {
                let piece = piece_of(None, Some(r.title.clone()), record_body(r), None);
                let title = if r.title.is_empty() { first_chars(&r.text, 30) } else { r.title.clone() };
                Change {
                    id: Some(r.id.clone()),
                    index: None,
                    title,
                    expected: r.labels.first().cloned(),
                    before: theme_of(&old, &piece),
                    after: theme_of(&tagger, &piece),
                }
            })
            .collect();
        let page: Vec<Change> = input
            .pieces
            .into_iter()
            .filter_map(|p| {
                let title = p.title.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| first_chars(&p.text, 30));
                let piece = piece_of(p.kind.as_deref(), p.title, p.text, p.paragraph);
                let (before, after) = (theme_of(&old, &piece), theme_of(&tagger, &piece));
                (before != after).then_some(Change { id: None, index: p.index, title, expected: None, before, after })
            })
            .collect();
        Ok((tagger, bytes, (corrections, page)))
    })
    .await?;
    let number = files.folder.push(&bytes).map_err(|e| ApiError::internal(&e))?;
    workbench.set_current(Current { tagger: Arc::new(tagger), number });
    let (corrections, page) = answer;
    let fixed = corrections.iter().filter(|c| c.expected.as_deref() == Some(c.after.as_str())).count();
    let changed = corrections.iter().filter(|c| c.before != c.after).count();
    Ok(json(&serde_json::json!({
        "model": model_name(number),
        "folded": corrections.len(),
        "weight": weight,
        "fixed": fixed,
        "changed": changed,
        "corrections": corrections,
        "page": page,
        "calibration_stale": true,
    })))
}

/// A record's body as the splitter gives an article: section lines without their `## `.
fn record_body(r: &Record) -> String {
    r.lines().map(|(line, _)| line.trim_start_matches('#').trim()).collect::<Vec<_>>().join("\n")
}

fn first_chars(text: &str, n: usize) -> String {
    let mut s: String = text.chars().take(n).collect();
    if text.chars().nth(n).is_some() {
        s.push('…');
    }
    s
}

fn internal_classifier(err: &ClassifierError) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, chain(err))
}

async fn undo(State(workbench): State<Workbench>, headers: HeaderMap) -> Result<Response, ApiError> {
    let media = media_type(&headers);
    if !media.is_empty() && media != "application/json" {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("expected no body or a JSON one, got `{media}`")));
    }
    let mut files = workbench.inner.files.lock().await;
    let Some(previous) = files.folder.previous() else {
        return Err(ApiError::new(StatusCode::CONFLICT, "nothing to undo: the current model is the first in the folder"));
    };
    let path = files.folder.dir().join(model_name(previous));
    let tagger = blocking(move || load_tagger(&path).map_err(|e| ApiError::internal(&e))).await?;
    files.folder.undo().map_err(|e| ApiError::internal(&e))?;
    let current = Current { tagger: Arc::new(tagger), number: previous };
    let pending = pending(&current, files.corrections.records()).len();
    workbench.set_current(current);
    Ok(json(&serde_json::json!({ "model": model_name(previous), "pending": pending })))
}

async fn model(State(workbench): State<Workbench>) -> Result<Response, ApiError> {
    let files = workbench.inner.files.lock().await;
    let current = workbench.current();
    let pending = pending(&current, files.corrections.records()).len();
    let name = files.folder.dir().join(model_name(current.number)).display().to_string();
    let report = ModelReport::new(current.tagger.model(), format!("model {name}"), bulletin_core::envelope::FORMAT_VERSION, 10);
    Ok(json(&serde_json::json!({
        "model": model_name(current.number),
        "pending": pending,
        "corrections": files.corrections.records().len(),
        "can_undo": files.folder.previous().is_some(),
        "correction_weight": workbench.inner.config.correction_weight,
        "stale": report.calibration.stale,
        "inspect": report,
    })))
}
