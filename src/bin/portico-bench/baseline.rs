//! The baselines: the same HTTP stack as Portico's, without Portico.

use crate::db::Db;
use axum::extract::State;
use axum::http::{StatusCode, header};
use portico::store::group_commit::GroupCommit;
use serde_json::json;

pub const FIXED_JSON: &str = r#"{"id":"0198c2f4-6d1e-7a3b-9f00-5a1b2c3d4e5f","object":"invitation","status":"active","connector":"sandbox"}"#;

/// Serves `GET /json` (a fixed body), `POST /rows` (one row into the scratch table through a
/// pool like the store's) and, on SQLite, `POST /rows-group` (the same row through the group
/// commit writer at `synchronous = FULL`, `store::group_commit`) on 127.0.0.1:0 with axum, as
/// Portico is served; returns the base URL.
pub async fn spawn_baseline(db: Db, group: Option<GroupCommit>) -> anyhow::Result<String> {
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
    async fn insert_group(
        State(group): State<GroupCommit>,
        body: String,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let id = uuid::Uuid::now_v7();
        let now = chrono::Utc::now().timestamp_millis();
        let written = group
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO bench_scratch (id, body, created_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![id.as_bytes().as_slice(), body, now])
            })
            .await;
        match written {
            Ok(_) => (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    let mut router = axum::Router::new()
        .route("/json", axum::routing::get(fixed))
        .route("/rows", axum::routing::post(insert))
        .with_state(db);
    if let Some(group) = group {
        router = router.merge(
            axum::Router::new()
                .route("/rows-group", axum::routing::post(insert_group))
                .with_state(group),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("error: the baseline server stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}
