//! Request metrics, labelled by matched route (never the raw path, which may carry a token).

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The process-wide recorder, installed once (tests start many servers in one process).
pub fn prometheus_handle() -> Arc<PrometheusHandle> {
    static HANDLE: OnceLock<Arc<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (embedding); then ours stays unused.
            let _ = metrics::set_global_recorder(recorder);
            Arc::new(handle)
        })
        .clone()
}

pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let client = request.extensions().get::<super::ClientIp>().map(|c| c.0);
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16().to_string();
    tracing::info!(%method, %route, %status, client = ?client, latency_ms = elapsed.as_secs_f64() * 1e3, "request");
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("portico_http_requests_total", &labels).increment(1);
    metrics::histogram!("portico_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    response
}
