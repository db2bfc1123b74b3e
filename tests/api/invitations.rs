//! `/v1/invitations`: the invitation rules of DESIGN.md through the HTTP API.

use chrono::Duration;
use serde_json::json;

use crate::both;
use crate::helpers::{Reply, TestApp, start_time};

async fn create_returns_the_token_and_url_once(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256 bits, base64url without padding");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(created["url"], format!("{}/g/{token}", app.base));
    assert_eq!(created["status"], "active");
    assert_eq!(created["kind"], "create_connection");
    assert_eq!(created["direction"], "source");
    assert_eq!(created["max_uses"], 1);
    assert_eq!(created["use_count"], 0);
    assert_eq!(created["language"], "en");
    assert_eq!(
        created["expires_at"],
        json!(
            (start_time() + Duration::days(7)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
        .as_str()
        .map(|s| s.replace(".000Z", "Z"))
        .map(serde_json::Value::from)
        .unwrap()
    );

    let id = created["id"].as_str().unwrap();
    let read = app.get(&format!("/v1/invitations/{id}")).await;
    assert_eq!(read.status, 200);
    assert!(read.json.get("token").is_none() && read.json.get("url").is_none());
    assert!(!read.text.contains(token));
}
both!(create_returns_the_token_and_url_once);

async fn every_field_is_kept_and_returned(app: TestApp) {
    let created = app
        .create_invitation(json!({
            "connector": "postgres",
            "direction": "destination",
            "connection_name": "Warehouse",
            "allowed_emails": ["Julia@Example.com", "julia@example.com", "ops@example.com"],
            "expires_in_seconds": 3600,
            "max_uses": 3,
            "language": "de",
            "prefill": {"host": "db.example.com", "port": 5433},
            "locked_fields": ["host"],
            "end_user": {"email": "julia@example.com", "organization_name": "Acme", "origin_id": "cust_42"},
            "redirect_url": "https://app.example.com/done",
            "send_email": true,
            "metadata": {"plan": "gold", "seats": 3}
        }))
        .await;
    assert_eq!(created["connector"], "postgres");
    assert_eq!(created["direction"], "destination");
    assert_eq!(
        created["allowed_emails"],
        json!(["Julia@Example.com", "ops@example.com"]),
        "duplicates differing only in case are dropped"
    );
    assert_eq!(created["max_uses"], 3);
    assert_eq!(created["language"], "de");
    assert_eq!(
        created["prefill"],
        json!({"host": "db.example.com", "port": 5433})
    );
    assert_eq!(created["locked_fields"], json!(["host"]));
    assert_eq!(created["end_user"]["origin_id"], "cust_42");
    assert_eq!(created["redirect_url"], "https://app.example.com/done");
    assert_eq!(created["send_email"], true);
    assert_eq!(created["metadata"], json!({"plan": "gold", "seats": 3}));
    assert_eq!(created["created_connections"], json!([]));
    let read = app
        .get(&format!(
            "/v1/invitations/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("token");
    expected.as_object_mut().unwrap().remove("url");
    assert_eq!(read.json, expected);
}
both!(every_field_is_kept_and_returned);

async fn null_means_never_and_unlimited(app: TestApp) {
    let created = app
        .create_invitation(json!({"expires_in_seconds": null, "max_uses": null}))
        .await;
    assert_eq!(created["expires_at"], json!(null));
    assert_eq!(created["max_uses"], json!(null));
    app.clock.advance(Duration::days(10_000));
    let read = app
        .get(&format!(
            "/v1/invitations/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(read.json["status"], "active");
}
both!(null_means_never_and_unlimited);

async fn expiry_is_exact_at_the_boundary(app: TestApp) {
    let created = app
        .create_invitation(json!({"expires_in_seconds": 60}))
        .await;
    let path = format!("/v1/invitations/{}", created["id"].as_str().unwrap());
    app.clock.advance(Duration::milliseconds(59_999));
    assert_eq!(app.get(&path).await.json["status"], "active");
    let listed = app.get("/v1/invitations?status=active").await;
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
    app.clock.advance(Duration::milliseconds(1));
    assert_eq!(app.get(&path).await.json["status"], "expired");
    let listed = app.get("/v1/invitations?status=active").await;
    assert_eq!(listed.json["data"], json!([]));
    let listed = app.get("/v1/invitations?status=expired").await;
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
}
both!(expiry_is_exact_at_the_boundary);

async fn invalid_requests_name_every_bad_field(app: TestApp) {
    let reply = app
        .post(
            "/v1/invitations",
            json!({
                "connector": "postgres",
                "allowed_emails": ["not-an-email"],
                "expires_in_seconds": 59,
                "max_uses": 0,
                "language": "pt",
                "prefill": {"password": "x", "nope": 1, "port": "five"},
                "locked_fields": ["database"],
                "redirect_url": "http://evil.example.com/",
                "metadata": {"big": "x".repeat(5000)}
            }),
        )
        .await;
    let fields = reply.assert_problem(422);
    for field in [
        "direction",
        "connection_name",
        "allowed_emails[0]",
        "expires_in_seconds",
        "max_uses",
        "language",
        "prefill.password",
        "prefill.nope",
        "prefill.port",
        "locked_fields[0]",
        "redirect_url",
        "metadata",
    ] {
        assert!(
            fields.contains(&field.to_string()),
            "{field} missing in {fields:?}"
        );
    }
    assert!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
both!(invalid_requests_name_every_bad_field);

async fn unknown_connector_and_unknown_field_are_422(app: TestApp) {
    let reply = app
        .post(
            "/v1/invitations",
            json!({"connector": "nope", "connection_name": "x"}),
        )
        .await;
    assert_eq!(reply.assert_problem(422), vec!["connector"]);
    let reply = app
        .post(
            "/v1/invitations",
            json!({"connector": "sandbox", "connection_name": "x", "colour": "red"}),
        )
        .await;
    assert_eq!(reply.assert_problem(422), vec!["body"]);
}
both!(unknown_connector_and_unknown_field_are_422);

async fn edit_connection_needs_a_connection_of_the_same_account(app: TestApp) {
    let connection = app.create_connection("key-1").await;
    let id = connection["id"].as_str().unwrap();
    let created = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": id, "connector": null, "connection_name": null}))
        .await;
    assert_eq!(created["kind"], "edit_connection");
    assert_eq!(created["connection_id"], id);
    assert_eq!(created["connector"], "sandbox");
    assert_eq!(created["connection_name"], "HR");

    let other = app.other_account_key().await;
    let reply = Reply::read(
        app.client
            .post(format!("{}/v1/invitations", app.base))
            .bearer_auth(other)
            .json(&json!({"kind": "edit_connection", "connection_id": id}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.assert_problem(422), vec!["connection_id"]);
    let reply = app
        .post("/v1/invitations", json!({"kind": "edit_connection"}))
        .await;
    assert_eq!(reply.assert_problem(422), vec!["connection_id"]);
}
both!(edit_connection_needs_a_connection_of_the_same_account);

async fn another_accounts_invitation_is_404(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let other = app.other_account_key().await;
    let path = format!(
        "{}/v1/invitations/{}",
        app.base,
        created["id"].as_str().unwrap()
    );
    let reply = Reply::read(
        app.client
            .get(&path)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.assert_problem(404);
    let reply = Reply::read(
        app.client
            .post(format!("{path}/revoke"))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.assert_problem(404);
    app.get("/v1/invitations/not-a-uuid")
        .await
        .assert_problem(404);
}
both!(another_accounts_invitation_is_404);

async fn revoke_is_idempotent_and_writes_one_event(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let path = format!("/v1/invitations/{}/revoke", created["id"].as_str().unwrap());
    let first = app.post(&path, json!({})).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json["status"], "revoked");
    app.clock.advance(Duration::seconds(5));
    let second = app.post(&path, json!({})).await;
    assert_eq!(second.json["revoked_at"], first.json["revoked_at"]);
    assert_eq!(
        app.event_types().await,
        vec!["invitation.created", "invitation.revoked"]
    );
}
both!(revoke_is_idempotent_and_writes_one_event);

async fn list_filters_and_pages_without_gaps(app: TestApp) {
    for i in 0..5 {
        app.create_invitation(json!({"connection_name": format!("n{i}")}))
            .await;
    }
    let pg = app
        .create_invitation(
            json!({"connector": "postgres", "direction": "source", "connection_name": "db"}),
        )
        .await;
    app.post(
        &format!("/v1/invitations/{}/revoke", pg["id"].as_str().unwrap()),
        json!({}),
    )
    .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/invitations?limit=2".to_string(),
            Some(c) => format!("/v1/invitations?limit=2&cursor={c}"),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        for inv in page.json["data"].as_array().unwrap() {
            seen.push(inv["id"].as_str().unwrap().to_string());
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");

    let revoked = app.get("/v1/invitations?status=revoked").await;
    assert_eq!(revoked.json["data"].as_array().unwrap().len(), 1);
    let by_connector = app.get("/v1/invitations?connector=postgres").await;
    assert_eq!(by_connector.json["data"].as_array().unwrap().len(), 1);
    let by_kind = app.get("/v1/invitations?kind=edit_connection").await;
    assert_eq!(by_kind.json["data"], json!([]));
    app.get("/v1/invitations?status=bogus")
        .await
        .assert_problem(422);
    app.get("/v1/invitations?limit=1000")
        .await
        .assert_problem(422);
}
both!(list_filters_and_pages_without_gaps);

async fn idempotency_key_replays_the_first_response(app: TestApp) {
    let body = json!({"connector": "sandbox", "connection_name": "Acme"});
    let send = |body: serde_json::Value| {
        app.request(reqwest::Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "order-42")
            .json(&body)
            .send()
    };
    let first = Reply::read(send(body.clone()).await.unwrap()).await;
    assert_eq!(first.status, 201);
    let again = Reply::read(send(body.clone()).await.unwrap()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json, first.json, "same id, token and url");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let other = Reply::read(
        send(json!({"connector": "sandbox", "connection_name": "Other"}))
            .await
            .unwrap(),
    )
    .await;
    other.assert_problem(422);
    assert_eq!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
both!(idempotency_key_replays_the_first_response);

async fn twenty_concurrent_creates_with_one_key_make_one_invitation(app: TestApp) {
    let body = json!({"connector": "sandbox", "connection_name": "Acme"});
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let request = app
            .request(reqwest::Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "burst-1")
            .json(&body);
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            Reply::read(request.send().await.unwrap()).await
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.insert(reply.json["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 1, "every reply names the same invitation");
    assert_eq!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(app.event_types().await, vec!["invitation.created"]);
}
both!(twenty_concurrent_creates_with_one_key_make_one_invitation);

async fn send_email_mails_the_link_once_to_each_allowed_address(app: TestApp) {
    let body = json!({
        "connector": "sandbox",
        "connection_name": "Acme HR",
        "allowed_emails": ["julia@acme.example", "ops@acme.example"],
        "send_email": true,
        "language": "fr"
    });
    let send = || {
        app.request(reqwest::Method::POST, "/v1/invitations")
            .header("Idempotency-Key", "mail-once")
            .json(&body)
            .send()
    };
    let created = Reply::read(send().await.unwrap()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let url = created.json["url"].as_str().unwrap();
    for to in ["julia@acme.example", "ops@acme.example"] {
        let mails = app.emails_to(to, 1).await;
        assert_eq!(mails.len(), 1, "one message to {to}");
        assert!(mails[0].contains(url), "the link is in the message");
        assert!(mails[0].contains("Acme HR"));
        assert!(
            mails[0].contains("Content-Type: text/html"),
            "a HTML part too"
        );
    }
    let replay = Reply::read(send().await.unwrap()).await;
    assert_eq!(replay.json["id"], created.json["id"]);
    let other = app
        .create_invitation(json!({"connection_name": "no mail"}))
        .await;
    assert_eq!(other["send_email"], false);
    // The mail worker sends in order: once a later email is out, a replay's would be too.
    app.create_invitation(json!({"allowed_emails": ["later@acme.example"], "send_email": true}))
        .await;
    app.emails_to("later@acme.example", 1).await;
    assert_eq!(
        app.emails_to("julia@acme.example", 1).await.len(),
        1,
        "a replay sends nothing"
    );
}
both!(send_email_mails_the_link_once_to_each_allowed_address);

/// A write that fails half-way (here: a new invitation, then an event whose id is taken)
/// leaves nothing behind, and the writer goes on working. On SQLite such a write is one
/// `BEGIN IMMEDIATE ... COMMIT` query; the failure must roll it back on its connection.
async fn a_failed_write_leaves_nothing_behind_and_the_next_one_works(app: TestApp) {
    use portico::domain::event::{EventType, NewEvent};
    let created = app.create_invitation(json!({})).await;
    let id = created["id"].as_str().unwrap().parse().unwrap();
    let mut fresh = app
        .portico
        .store
        .get_invitation(app.account.id, id)
        .await
        .unwrap()
        .unwrap();
    fresh.id = uuid::Uuid::now_v7();
    let event = NewEvent::new(
        app.account.id,
        EventType::InvitationCreated,
        chrono::Utc::now(),
        json!({"id": fresh.id}),
    );
    app.portico
        .store
        .record_events(std::slice::from_ref(&event))
        .await
        .unwrap();

    let failed = app
        .portico
        .store
        .insert_invitation(
            &fresh,
            &portico::domain::values::TokenHash::of(b"another token"),
            &[event],
            &[],
            None,
        )
        .await;

    assert!(failed.is_err(), "the event id is taken");
    let kept = app
        .portico
        .store
        .get_invitation(app.account.id, fresh.id)
        .await
        .unwrap();
    assert!(
        kept.is_none(),
        "the invitation written before the failure was rolled back"
    );
    for _ in 0..3 {
        app.create_invitation(json!({})).await;
    }
    let list = app.get("/v1/invitations").await;
    assert_eq!(
        list.json["data"].as_array().unwrap().len(),
        4,
        "{}",
        list.text
    );
}
both!(a_failed_write_leaves_nothing_behind_and_the_next_one_works);
