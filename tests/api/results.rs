//! The result hand-off: a completion's `result` in the redirect, and its one exchange at
//! `POST /v1/results/exchange`.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp, id_of};

const SECRET: &str = "result-secret-key";

/// Completes a sandbox flow of `invitation` with `SECRET`; the redirect's query.
async fn complete(app: &TestApp, invitation: &Value) -> HashMap<String, String> {
    let mut guest = Guest::new(app);
    let page = guest.get(invitation["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let done = guest.post("/g/s/submit", &[("api_key", SECRET)]).await;
    assert_eq!(done.status, 303, "{}", done.text);
    let location = done.headers["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn redirecting_invitation(app: &TestApp, extra: Value) -> Value {
    let mut body = json!({"redirect_url": "https://app.example.com/done",
        "end_user": {"email": "ann@acme.example", "organization_name": "Acme",
            "origin_id": "cust-7"}});
    crate::helpers::merge(&mut body, extra);
    app.create_invitation(body).await
}

async fn exchange_with(app: &TestApp, key: &str, result: &str) -> Reply {
    Reply::read(
        app.client
            .request(Method::POST, format!("{}/v1/results/exchange", app.base))
            .bearer_auth(key)
            .json(&json!({ "result": result }))
            .send()
            .await
            .expect("POST"),
    )
    .await
}

async fn exchange(app: &TestApp, result: &str) -> Reply {
    exchange_with(app, &app.key, result).await
}

async fn the_redirect_carries_a_result_next_to_connection_id_and_status(app: TestApp) {
    let created = redirecting_invitation(&app, json!({})).await;
    let query = complete(&app, &created).await;
    assert_eq!(query["status"], "success");
    assert!(query.contains_key("connection_id"));
    let result = &query["result"];
    assert!(result.len() >= 22, "at least 128 bits: {result}");
    assert!(!result.contains(created["token"].as_str().unwrap()));
    let other = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    assert_ne!(other["result"], *result, "every completion mints its own");
}
both!(the_redirect_carries_a_result_next_to_connection_id_and_status);

async fn an_exchange_returns_the_invitation_the_connection_and_the_end_user_once(app: TestApp) {
    let created = redirecting_invitation(&app, json!({})).await;
    let query = complete(&app, &created).await;

    let reply = exchange(&app, &query["result"]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let invitation = app
        .get(&format!("/v1/invitations/{}", id_of(&created)))
        .await;
    let connection = app
        .get(&format!("/v1/connections/{}", query["connection_id"]))
        .await;
    assert_eq!(reply.json["invitation"], invitation.json);
    assert_eq!(reply.json["connection"], connection.json);
    assert_eq!(
        reply.json["end_user"],
        json!({"email": "ann@acme.example", "organization_name": "Acme", "origin_id": "cust-7"})
    );
    assert!(!reply.text.contains(SECRET), "no secret: {}", reply.text);
    assert!(!reply.text.contains(created["token"].as_str().unwrap()));

    exchange(&app, &query["result"]).await.assert_problem(404);
}
both!(an_exchange_returns_the_invitation_the_connection_and_the_end_user_once);

async fn a_reconnect_mints_a_result_for_the_same_connection(app: TestApp) {
    let existing = app.create_connection("old-key").await;
    let created = redirecting_invitation(
        &app,
        json!({"kind": "edit_connection", "connection_id": existing["id"], "connector": null,
            "connection_name": null}),
    )
    .await;
    let query = complete(&app, &created).await;
    let reply = exchange(&app, &query["result"]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["connection"]["id"], existing["id"]);
    assert_eq!(reply.json["invitation"]["id"], created["id"]);
}
both!(a_reconnect_mints_a_result_for_the_same_connection);

async fn unknown_expired_and_other_accounts_codes_are_the_same_404(app: TestApp) {
    let first = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    let second = complete(&app, &redirecting_invitation(&app, json!({})).await).await;

    let unknown = exchange(&app, "not-a-result-code").await;
    unknown.assert_problem(404);
    let other_key = app.other_account_key().await;
    let foreign = exchange_with(&app, &other_key, &first["result"]).await;
    foreign.assert_problem(404);
    assert_eq!(foreign.json["detail"], unknown.json["detail"]);

    app.clock.advance(Duration::minutes(10));
    let expired = exchange(&app, &second["result"]).await;
    expired.assert_problem(404);
    assert_eq!(expired.json["detail"], unknown.json["detail"]);
    assert_eq!(expired.json["title"], unknown.json["title"]);
    // The other account's try spent nothing, but ten minutes did.
    exchange(&app, &first["result"]).await.assert_problem(404);
}
both!(unknown_expired_and_other_accounts_codes_are_the_same_404);

async fn a_code_is_exchangeable_until_just_before_ten_minutes(app: TestApp) {
    let query = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    app.clock
        .advance(Duration::minutes(10) - Duration::milliseconds(1));
    let reply = exchange(&app, &query["result"]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}
both!(a_code_is_exchangeable_until_just_before_ten_minutes);

async fn fifty_concurrent_exchanges_of_one_code_give_one_200(app: TestApp) {
    const CLIENTS: usize = 50;
    let query = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    let app = Arc::new(app);
    let result = Arc::new(query["result"].clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (app, result, barrier) = (app.clone(), result.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                exchange(&app, &result).await.status.as_u16()
            })
        })
        .collect();
    let mut statuses = HashMap::<u16, usize>::new();
    for task in tasks {
        *statuses.entry(task.await.unwrap()).or_default() += 1;
    }
    assert_eq!(statuses, HashMap::from([(200, 1), (404, CLIENTS - 1)]));
    let exchanged = app
        .event_types()
        .await
        .into_iter()
        .filter(|t| t == "invitation.result_exchanged")
        .count();
    assert_eq!(exchanged, 1);
}
both!(fifty_concurrent_exchanges_of_one_code_give_one_200);

async fn the_exchange_records_invitation_result_exchanged(app: TestApp) {
    let created = redirecting_invitation(&app, json!({})).await;
    let query = complete(&app, &created).await;
    assert!(
        !app.event_types()
            .await
            .contains(&"invitation.result_exchanged".to_string())
    );
    let reply = exchange(&app, &query["result"]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let events = app.get("/v1/events?limit=100").await;
    let event = events.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "invitation.result_exchanged")
        .expect("the event")
        .clone();
    assert_eq!(event["data"]["id"], created["id"]);
    assert_eq!(event["data"]["object"], "invitation");
    assert_eq!(
        event["data"]["connection_id"],
        reply.json["connection"]["id"]
    );
    let text = event.to_string();
    assert!(!text.contains(&query["result"]), "no code in the event");
    assert!(!text.contains(SECRET));
}
both!(the_exchange_records_invitation_result_exchanged);

async fn the_exchange_needs_connections_read(app: TestApp) {
    let query = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    let (_, narrow) = app
        .portico
        .create_api_key(
            app.account.id,
            vec![portico::domain::account::Scope::InvitationsRead],
        )
        .await
        .unwrap();
    exchange_with(&app, narrow.expose(), &query["result"])
        .await
        .assert_problem(403);
    let reply = exchange(&app, &query["result"]).await;
    assert_eq!(
        reply.status, 200,
        "a refused try spends nothing: {}",
        reply.text
    );
}
both!(the_exchange_needs_connections_read);

async fn a_deleted_connection_takes_its_code_and_the_janitor_purges_expired_ones(app: TestApp) {
    let deleted = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    let kept = complete(&app, &redirecting_invitation(&app, json!({})).await).await;
    let gone = app
        .delete(&format!("/v1/connections/{}", deleted["connection_id"]))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    exchange(&app, &deleted["result"]).await.assert_problem(404);

    let store = &app.portico.store;
    let hash = portico::domain::values::TokenHash::of(kept["result"].as_bytes());
    let stored = || store.find_result(app.account.id, &hash);
    assert!(stored().await.unwrap().is_some());
    app.clock.advance(Duration::minutes(10));
    let now = portico::clock::Clock::now(&*app.clock);
    store
        .purge_expired(now, now - Duration::hours(24), now - Duration::days(7))
        .await
        .unwrap();
    assert!(stored().await.unwrap().is_none(), "purged");
}
both!(a_deleted_connection_takes_its_code_and_the_janitor_purges_expired_ones);
