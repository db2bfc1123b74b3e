//! The server loop (HTTP/1.1 over hyper, with a deadline on request heads and graceful
//! shutdown), and the middleware that decides who the client is and how long a request may take.

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpListener;
use tower::Service;

use super::AppState;
use super::error::ApiError;
use crate::domain::client_ip::{ForwardingHeaders, client_ip};

/// Serves Portico until `shutdown` resolves, then finishes the requests in flight. Every
/// request carries `ConnectInfo<SocketAddr>` (the TCP peer). A connection has
/// `header_read_timeout` to send each request head (and to start the next one on a kept-alive
/// connection); one that dawdles is closed, so a client cannot hold sockets open for free.
pub async fn serve(
    mut listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.portico.settings.header_read_timeout);
    let app = super::router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // axum's listener retries failed accepts (and backs off when out of file descriptors).
        let (stream, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().call(request.map(axum::body::Body::new))
            },
        );
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The client's address, as `domain::client_ip` decides it, for limits and logs.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Puts the `ClientIp` of the request in its extensions.
pub async fn resolve_client(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = {
        let headers = request.headers();
        let forwarded = values(headers, &header::FORWARDED);
        let x_forwarded_for = values(headers, &HeaderName::from_static("x-forwarded-for"));
        let forwarding = ForwardingHeaders {
            forwarded: &forwarded,
            x_forwarded_for: &x_forwarded_for,
        };
        client_ip(
            peer.ip(),
            forwarding,
            &state.portico.settings.trusted_proxies,
        )
    };
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

/// A header's values in order; one that is not text counts as a hop that is not an address.
fn values<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or("unknown"))
        .collect()
}

/// The routes that run a connector check: `check_timeout` bounds those, not `request_timeout`.
fn runs_a_check(method: &Method, route: &str) -> bool {
    method == Method::POST
        && matches!(
            route,
            "/v1/connections" | "/v1/connections/{id}/check" | "/g/s/submit"
        )
}

/// Answers 503 to a request (its body included) that is not done within `request_timeout`.
/// What the handler had committed by then stays committed; the client is told to retry.
pub async fn request_timeout(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = request.method().clone();
    if route
        .as_deref()
        .is_some_and(|route| runs_a_check(&method, route))
    {
        return next.run(request).await;
    }
    let client = request.extensions().get::<ClientIp>().map(|c| c.0);
    let limit = state.portico.settings.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                %method,
                route = route.as_deref().unwrap_or("unmatched"),
                client = ?client,
                limit_s = limit.as_secs(),
                "request timed out"
            );
            ApiError::Unavailable("the request took too long; try again".into()).into_response()
        }
    }
}
