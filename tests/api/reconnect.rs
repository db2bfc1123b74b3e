//! A reconnect while the owner acts: the guest's submission replaces the credentials only, and
//! a connection deleted during the check gives the guest a clear page.

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

/// A vendor stand-in whose answer waits: it reports each request it gets, then answers 200
/// once `release` is notified.
async fn gated_server() -> (String, mpsc::UnboundedReceiver<()>, Arc<Notify>) {
    let (arrived, arrivals) = mpsc::unbounded_channel();
    let release = Arc::new(Notify::new());
    let gate = release.clone();
    let app = Router::new().fallback(get(move || {
        let arrived = arrived.clone();
        let gate = gate.clone();
        async move {
            let _ = arrived.send(());
            gate.notified().await;
            "ok"
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/export"), arrivals, release)
}

/// A rexx connection, a reconnect link for it, and a guest's submission held in its check.
/// Returns the connection id, the guest's pending reply, and the gate to release it.
async fn reconnect_held_in_its_check(
    app: &TestApp,
) -> (String, tokio::task::JoinHandle<Reply>, Arc<Notify>) {
    let (url, mut arrivals, release) = gated_server().await;
    let created = app
        .post(
            "/v1/connections",
            json!({"connector": "rexx", "name": "Original name",
                   "config": {"export_url": url, "api_token": "old-token"},
                   "metadata": {"tier": "gold"},
                   "end_user": {"origin_id": "cust_1"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_string();
    let invitation = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": id,
                                  "connector": null, "connection_name": null}))
        .await;
    let mut guest = Guest::new(app);
    guest.get(invitation["url"].as_str().unwrap()).await;
    let submitted = tokio::spawn(async move {
        guest
            .post(
                "/g/s/submit",
                &[("export_url", &url), ("api_token", "new-token")],
            )
            .await
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the check reaches the vendor")
        .expect("a request");
    (id, submitted, release)
}

async fn a_reconnect_keeps_what_the_owner_changed_during_the_check(app: TestApp) {
    let (id, submitted, release) = reconnect_held_in_its_check(&app).await;
    let renamed = app
        .patch(
            &format!("/v1/connections/{id}"),
            json!({"name": "Renamed by the owner", "metadata": {"tier": "platinum"},
                   "end_user": {"origin_id": "cust_2"}}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    release.notify_one();
    let done = submitted.await.unwrap();
    assert_eq!(done.status, 200, "{}", done.text);

    let stored = app.get(&format!("/v1/connections/{id}")).await;
    assert_eq!(stored.json["name"], "Renamed by the owner");
    assert_eq!(stored.json["metadata"], json!({"tier": "platinum"}));
    assert_eq!(stored.json["end_user"]["origin_id"], "cust_2");
    assert_eq!(stored.json["last_check"]["status"], "ok", "{}", stored.text);
    let credentials = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(credentials.json["config"]["api_token"], "new-token");
}
both!(a_reconnect_keeps_what_the_owner_changed_during_the_check);

async fn a_connection_deleted_during_the_check_is_a_410_page_and_the_link_stays_unused(
    app: TestApp,
) {
    let (id, submitted, release) = reconnect_held_in_its_check(&app).await;
    let deleted = app.delete(&format!("/v1/connections/{id}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    release.notify_one();
    let page = submitted.await.unwrap();
    assert_eq!(page.status, 410, "{}", page.text);
    assert!(
        page.text.contains("This connection no longer exists"),
        "{}",
        page.text
    );
    let list = app.get("/v1/invitations?kind=edit_connection").await;
    let invitation: &Value = &list.json["data"][0];
    assert_eq!(invitation["use_count"], 0, "{}", list.text);
    assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, 404);
}
both!(a_connection_deleted_during_the_check_is_a_410_page_and_the_link_stays_unused);
