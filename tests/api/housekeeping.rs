//! The janitor's purge: what expires is deleted, what lives on is kept.

use chrono::Duration;
use portico::clock::Clock;
use serde_json::json;

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

async fn purge_drops_ended_sessions_and_day_old_idempotent_replies(app: TestApp) {
    let body = json!({"connector": "sandbox", "connection_name": "Acme"});
    let create = || {
        app.request(reqwest::Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "k-1")
            .json(&body)
            .send()
    };
    let first = Reply::read(create().await.unwrap()).await;
    // A session is stored when its guest first posts a form (opening the link writes none); a
    // failed check is counted against the invitation, under its form's lock row.
    let mut guest = Guest::new(&app);
    let opened = guest.get(first.json["url"].as_str().unwrap()).await;
    assert_eq!(opened.status, 200);
    let failed = guest.post("/g/s/submit", &[("api_key", "invalid")]).await;
    assert_eq!(failed.status, 422);

    let purge = |at| {
        app.portico
            .store
            .purge_expired(at, at - Duration::hours(24), at - Duration::days(7))
    };
    let now = app.clock.now();
    assert_eq!(purge(now).await.unwrap(), 0, "nothing has expired yet");

    app.clock.advance(Duration::hours(25));
    let later = app.clock.now();
    assert_eq!(
        purge(later).await.unwrap(),
        4,
        "the session, the stored reply, the failed check's count and the unlocked lock row"
    );
    let second = Reply::read(create().await.unwrap()).await;
    assert_eq!(second.status, 201);
    assert_ne!(
        second.json["id"], first.json["id"],
        "the key is free again after a day"
    );
}
both!(purge_drops_ended_sessions_and_day_old_idempotent_replies);
