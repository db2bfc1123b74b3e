//! The baselines: the same HTTP stack as Portico's, without Portico.

use crate::db::Db;
use axum::extract::State;
use axum::http::{StatusCode, header};
use serde_json::json;

pub const FIXED_JSON: &str = r#"{"id":"0198c2f4-6d1e-7a3b-9f00-5a1b2c3d4e5f","object":"invitation","status":"active","connector":"sandbox"}"#;

/// Serves `GET /json` (a fixed body) and `POST /rows` (one row into the scratch table) on
/// 127.0.0.1:0 with axum, as Portico is served; returns the base URL.
pub async fn spawn_baseline(db: Db) -> anyhow::Result<String> {
    async fn fixed() -> impl axum::response::IntoResponse {
        ([(header::CONTENT_TYPE, "application/json")], FIXED_JSON)
    }
    async fn insert(State(db): State<Db>, body: String) -> axum::response::Response {
        use axum::response::IntoResponse;
        match db.insert_scratch_row(body).await {
            Ok(id) => (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    let router = axum::Router::new()
        .route("/json", axum::routing::get(fixed))
        .route("/rows", axum::routing::post(insert))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("error: the baseline server stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}
