//! The checks every request passes before its handler: `Host` (DNS rebinding), the token,
//! `Origin` on state-changing requests, and the request timeout.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::Workbench;
use crate::api::ApiError;

/// The header that carries the token.
pub const TOKEN_HEADER: &str = "x-bulletin-token";

/// Runs the checks, then the handler under the request timeout.
pub async fn guard(State(workbench): State<Workbench>, request: Request, next: Next) -> Response {
    if let Err(err) = check(&workbench, request.method(), request.uri(), request.headers()) {
        return err.into_response();
    }
    match tokio::time::timeout(workbench.inner.config.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request took longer than {} s and was stopped", workbench.inner.config.timeout.as_secs_f64()),
        )
        .into_response(),
    }
}

fn check(workbench: &Workbench, method: &Method, uri: &axum::http::Uri, headers: &HeaderMap) -> Result<(), ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| !h.is_empty());
    let Some(host) = host else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the request has no Host header"));
    };
    if !workbench.inner.config.allow_remote && !is_loopback_host(host) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("host `{host}` is not a loopback address (start the server with --allow-remote to serve other hosts)"),
        ));
    }
    if uri.path() == "/healthz" {
        return Ok(());
    }
    let given = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| uri.query().and_then(query_token));
    let Some(given) = given else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "missing token: open the URL that `bulletin serve` printed"));
    };
    if !bool::from(given.as_bytes().ct_eq(workbench.inner.token.as_bytes())) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong token: open the URL that `bulletin serve` printed"));
    }
    if method != Method::GET && method != Method::HEAD {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let same = origin.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&format!("http://{host}")));
            if !same {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!("cross-origin request refused (origin {})", String::from_utf8_lossy(origin.as_bytes())),
                ));
            }
        }
        // Browsers mark requests sent by other sites; a request without Origin (curl, scripts) is
        // judged by its token alone.
        if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "cross-site request refused"));
        }
    }
    Ok(())
}

/// The `token` parameter of a query string (percent-decoding is not needed: tokens are hex).
fn query_token(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(str::to_owned)
}

/// Whether a `Host` header value names this machine: `localhost`, `127.0.0.0/8` or `[::1]`,
/// with or without a port.
#[must_use]
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, after)) if after.is_empty() || after.strip_prefix(':').is_some_and(is_port) => inside,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in ["localhost", "LOCALHOST:8770", "127.0.0.1", "127.0.0.1:8770", "127.9.8.7:1", "[::1]", "[::1]:8770"] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8770", "localhost.evil.example", "10.0.0.1:8770", "[::2]:1", "127.0.0.1:x", "::1", ""] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn the_token_is_read_from_the_query() {
        assert_eq!(query_token("granularity=article&token=abc").as_deref(), Some("abc"));
        assert_eq!(query_token("xtoken=abc"), None);
    }
}
