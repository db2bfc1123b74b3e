//! The request id: every request has one (the client's `x-request-id` if it is a short safe
//! token, else a new UUID), every response echoes it, and every log line of the request
//! carries it (a `request` span), so an error a user quotes can be found in the logs.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest id taken from a client.
const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: String;
}

/// A client's id is kept only if it is 1 to 64 letters, digits, `-`, `_` or `.`: it goes into
/// logs and bodies, so nothing that could forge a log line or carry markup.
pub fn is_safe(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_LEN).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Drops a client's `x-request-id` that is not safe, so a new one is made for the request.
pub async fn drop_unsafe(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let unsafe_id = headers.get_all(&X_REQUEST_ID).iter().count() > 1
        || headers.get(&X_REQUEST_ID).is_some_and(|v| !is_safe(v));
    if unsafe_id {
        headers.remove(&X_REQUEST_ID);
    }
    request
}

/// Runs the rest of the request inside a `request` span with its id, and makes the id
/// [`current`] for what renders the response.
pub async fn in_span(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    CURRENT.scope(id, next.run(request).instrument(span)).await
}

/// The id of the request being handled, if any.
pub fn current() -> Option<String> {
    CURRENT
        .try_with(Clone::clone)
        .ok()
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_tokens_are_kept() {
        for kept in [
            "abc",
            "0b1c6a7e-4f0e-4d4e-9a51-3b0f8c3f7c11",
            "req_1.2-x",
            &"a".repeat(64),
        ] {
            assert!(is_safe(&HeaderValue::from_str(kept).unwrap()), "{kept}");
        }
        for dropped in [
            "",
            "a b",
            "<script>",
            "id\tx",
            "ü",
            "a=b",
            "x\"y",
            &"a".repeat(65),
        ] {
            let value = HeaderValue::from_bytes(dropped.as_bytes()).unwrap();
            assert!(!is_safe(&value), "{dropped:?}");
        }
    }
}
