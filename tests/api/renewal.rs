//! Renewal (issue 13): the owner resends an invitation (a new link, the old one revoked), and the
//! guest of an expired or used-up link asks for a new one from its 410 page.

use chrono::Duration;
use serde_json::{Value, json};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp, id_of};

fn url_of(invitation: &Value) -> String {
    invitation["url"].as_str().unwrap().to_string()
}

fn token_of(invitation: &Value) -> String {
    invitation["token"].as_str().unwrap().to_string()
}

fn renew_path(invitation: &Value) -> String {
    format!("/g/{}/renew", token_of(invitation))
}

async fn read(app: &TestApp, invitation: &Value) -> Value {
    let reply = app
        .get(&format!("/v1/invitations/{}", id_of(invitation)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

async fn resend(app: &TestApp, invitation: &Value) -> Reply {
    app.post(
        &format!("/v1/invitations/{}/resend", id_of(invitation)),
        json!({}),
    )
    .await
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let reply = app.get("/v1/events?limit=100").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

/// The ids of the invitations `GET /v1/invitations?{query}` lists.
async fn listed(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/v1/invitations?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

/// Opens `url` and submits the sandbox form: the link is used once.
async fn use_link(app: &TestApp, url: &str) -> Reply {
    let mut guest = Guest::new(app);
    let page = guest.get(url).await;
    assert_eq!(page.status, 200, "{}", page.text);
    guest.post("/g/s/submit", &[("api_key", "k")]).await
}

/// An expired invitation (one minute of life, the clock moved past it).
async fn expired(app: &TestApp, extra: Value) -> Value {
    let mut body = json!({"expires_in_seconds": 60});
    crate::helpers::merge(&mut body, extra);
    let created = app.create_invitation(body).await;
    app.clock.advance(Duration::seconds(60));
    created
}

/// A guest on the 410 page of `invitation`, holding its renewal form's CSRF token.
async fn on_gone_page(app: &TestApp, invitation: &Value) -> (Guest, Reply) {
    let mut guest = Guest::new(app);
    let page = guest.get(&url_of(invitation)).await;
    assert_eq!(page.status, 410, "{}", page.text);
    (guest, page)
}

fn has_renewal_form(page: &Reply, invitation: &Value) -> bool {
    page.text
        .contains(&format!(r#"action="{}""#, renew_path(invitation)))
        && page.text.contains(r#"name="csrf""#)
}

const ANSWER: &str = "If the sender still wants this connection, they will send you a new link.";

// ---------------------------------------------------------------------------------------------
// Resend

async fn a_resend_makes_a_new_link_and_ends_the_old_one_and_its_session(app: TestApp) {
    let old = app
        .create_invitation(json!({
            "expires_in_seconds": 3600,
            "max_uses": 2,
            "end_user": {"email": "julia@acme.example", "organization_name": "Acme"},
        }))
        .await;
    // A guest is on the old link's form.
    let mut old_guest = Guest::new(&app);
    assert_eq!(old_guest.get(&url_of(&old)).await.status, 200);
    app.clock.advance(Duration::seconds(600));

    let reply = resend(&app, &old).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let new = reply.json;
    assert_ne!(new["id"], old["id"]);
    assert_eq!(new["renewed_from"], old["id"]);
    assert_eq!(new["status"], "active");
    assert!(new["token"].is_string() && new["url"].is_string(), "{new}");
    assert_ne!(new["token"], old["token"]);
    assert!(new["send_email"].as_bool().unwrap());
    // The same lifetime, from now.
    let created =
        chrono::DateTime::parse_from_rfc3339(new["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(new["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, Duration::seconds(3600));

    // The old link is dead, and so is its open session.
    assert_eq!(read(&app, &old).await["status"], "revoked");
    assert_eq!(Guest::new(&app).get(&url_of(&old)).await.status, 410);
    let refused = old_guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(refused.status, 410, "{}", refused.text);

    // The new one works, and went out by email.
    let emails = app.emails_to("julia@acme.example", 1).await;
    assert!(emails[0].contains(&url_of(&new)), "{}", emails[0]);
    assert!(!emails[0].contains(&token_of(&old)));
    let done = use_link(&app, &url_of(&new)).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(read(&app, &new).await["use_count"], 1);

    // Events: the new one's creation (naming the old one) and the old one's revocation.
    let created = events_of(&app, "invitation.created").await;
    let event = created
        .iter()
        .find(|e| e["data"]["id"] == new["id"])
        .unwrap();
    assert_eq!(event["data"]["renewed_from"], old["id"]);
    assert!(event["data"].get("token").is_none());
    let revoked = events_of(&app, "invitation.revoked").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["data"]["id"], old["id"]);
}
both!(a_resend_makes_a_new_link_and_ends_the_old_one_and_its_session);

/// The fields a resend copies as they are.
const COPIED: [&str; 14] = [
    "kind",
    "connector",
    "category",
    "remote_environment",
    "direction",
    "connection_id",
    "connection_name",
    "allowed_emails",
    "max_uses",
    "language",
    "prefill",
    "locked_fields",
    "end_user",
    "redirect_url",
];

fn assert_copied(old: &Value, new: &Value) {
    for field in COPIED {
        assert_eq!(old[field], new[field], "{field}");
    }
    assert_eq!(old["metadata"], new["metadata"], "metadata");
}

async fn a_resend_copies_every_setting(app: TestApp) {
    let old = app
        .create_invitation(json!({
            "connector": "postgres",
            "direction": "source",
            "connection_name": "Warehouse",
            "allowed_emails": ["julia@acme.example", "ops@acme.example"],
            "expires_in_seconds": null,
            "max_uses": null,
            "language": "fr",
            "prefill": {"host": "db.example.com", "port": 5433},
            "locked_fields": ["host"],
            "end_user": {"email": "julia@acme.example", "organization_name": "Acme", "origin_id": "c-42"},
            "redirect_url": "https://app.example.com/done",
            "metadata": {"deal": 7, "tags": ["a"]},
        }))
        .await;
    let reply = resend(&app, &old).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let new = reply.json;
    assert_copied(&old, &new);
    assert_eq!(new["expires_at"], Value::Null, "never expiring stays so");
    // Sent to each allowed address (not to the end user: the allowed list wins).
    for to in ["julia@acme.example", "ops@acme.example"] {
        let emails = app.emails_to(to, 1).await;
        assert!(emails[0].contains(&url_of(&new)), "{}", emails[0]);
    }

    // A reconnect stays a reconnect of the same connection; a category link stays a pick.
    let connection = app.create_connection("k").await;
    let edit = app
        .create_invitation(json!({
            "kind": "edit_connection",
            "connection_id": connection["id"],
            "connector": null,
            "connection_name": null,
        }))
        .await;
    let category = app
        .post(
            "/v1/invitations",
            json!({"category": "HRIS", "connection_name": "HR"}),
        )
        .await;
    assert_eq!(category.status, 201, "{}", category.text);
    for old in [edit, category.json] {
        let reply = resend(&app, &old).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_copied(&old, &reply.json);
    }
}
both!(a_resend_copies_every_setting);

async fn another_accounts_resend_is_a_404(app: TestApp) {
    let old = app.create_invitation(json!({})).await;
    let other = app.other_account_key().await;
    let reply = Reply::read(
        app.client
            .post(format!(
                "{}/v1/invitations/{}/resend",
                app.base,
                id_of(&old)
            ))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.assert_problem(404);
    let unknown = app
        .post(
            &format!("/v1/invitations/{}/resend", uuid::Uuid::now_v7()),
            json!({}),
        )
        .await;
    unknown.assert_problem(404);
    // Nothing happened to it.
    assert_eq!(read(&app, &old).await["status"], "active");
    assert_eq!(listed(&app, "").await.len(), 1);
    assert!(events_of(&app, "invitation.revoked").await.is_empty());
}
both!(another_accounts_resend_is_a_404);

// ---------------------------------------------------------------------------------------------
// The renewal request

async fn the_renewal_form_is_on_expired_and_fulfilled_pages_only(app: TestApp) {
    let revoked = app.create_invitation(json!({})).await;
    let used = app.create_invitation(json!({})).await;
    let expiring = expired(&app, json!({})).await;
    assert_eq!(use_link(&app, &url_of(&used)).await.status, 200);
    let reply = app
        .post(
            &format!("/v1/invitations/{}/revoke", id_of(&revoked)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);

    for invitation in [&expiring, &used] {
        let (_, page) = on_gone_page(&app, invitation).await;
        assert!(has_renewal_form(&page, invitation), "{}", page.text);
        assert!(page.text.contains("Ask for a new link"), "{}", page.text);
    }
    let (_, page) = on_gone_page(&app, &revoked).await;
    assert!(!page.text.contains("/renew"), "{}", page.text);
    assert!(!page.text.contains(r#"name="csrf""#), "{}", page.text);
    let unknown = Guest::new(&app)
        .get("/g/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(unknown.status, 404);
    assert!(!unknown.text.contains("<form"), "{}", unknown.text);
}
both!(the_renewal_form_is_on_expired_and_fulfilled_pages_only);

async fn a_renewal_request_without_its_csrf_token_or_from_another_origin_is_refused(app: TestApp) {
    let invitation = expired(&app, json!({})).await;
    let other = expired(&app, json!({})).await;
    let (guest, _) = on_gone_page(&app, &invitation).await;
    let ours = guest.csrf.clone().unwrap();
    let (other_guest, _) = on_gone_page(&app, &other).await;
    let theirs = other_guest.csrf.clone().unwrap();
    let path = renew_path(&invitation);
    for (what, request) in [
        ("no token", guest.form(&path, &[])),
        ("empty token", guest.form(&path, &[("csrf", "")])),
        ("garbage", guest.form(&path, &[("csrf", "not-base64!")])),
        (
            "another link's token",
            guest.form(&path, &[("csrf", &theirs)]),
        ),
        (
            "a foreign origin",
            guest
                .form(&path, &[("csrf", &ours)])
                .header("origin", "https://evil.example"),
        ),
    ] {
        let reply = Reply::read(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 403, "{what}: {}", reply.text);
        assert!(!reply.text.contains(ANSWER), "{what}");
    }
    assert_eq!(
        read(&app, &invitation).await["renewal_requested_at"],
        Value::Null
    );
    assert!(
        events_of(&app, "invitation.renewal_requested")
            .await
            .is_empty()
    );
}
both!(a_renewal_request_without_its_csrf_token_or_from_another_origin_is_refused);

async fn a_renewal_request_is_recorded_once_an_hour_and_answered_the_same(app: TestApp) {
    let invitation = expired(
        &app,
        json!({"end_user": {"email": "julia@acme.example", "origin_id": "c-1"}}),
    )
    .await;
    let (mut guest, _) = on_gone_page(&app, &invitation).await;
    let path = renew_path(&invitation);

    let first = guest.post(&path, &[]).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.text.contains(ANSWER), "{}", first.text);
    let read_back = read(&app, &invitation).await;
    let requested_at = read_back["renewal_requested_at"].clone();
    assert!(requested_at.is_string(), "{read_back}");
    let events = events_of(&app, "invitation.renewal_requested").await;
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["invitation_id"], invitation["id"]);
    assert_eq!(data["connector"], "sandbox");
    assert_eq!(data["end_user"]["email"], "julia@acme.example");
    assert!(!events[0].to_string().contains(&token_of(&invitation)));
    assert_eq!(
        listed(&app, "renewal_requested=true").await,
        vec![invitation["id"].clone()]
    );
    assert!(
        !listed(&app, "renewal_requested=false")
            .await
            .contains(&invitation["id"])
    );

    // Again within the hour: the same page, nothing more recorded.
    app.clock.advance(Duration::minutes(59));
    let again = guest.post(&path, &[]).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.text, first.text);
    assert_eq!(
        read(&app, &invitation).await["renewal_requested_at"],
        requested_at
    );
    assert_eq!(
        events_of(&app, "invitation.renewal_requested").await.len(),
        1
    );

    // An hour after the first, another one is recorded.
    app.clock.advance(Duration::minutes(1));
    assert_eq!(guest.post(&path, &[]).await.text, first.text);
    assert_eq!(
        events_of(&app, "invitation.renewal_requested").await.len(),
        2
    );

    // One click answers it: the resend clears the request on the old one.
    let reply = resend(&app, &invitation).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        read(&app, &invitation).await["renewal_requested_at"],
        Value::Null
    );
    assert!(listed(&app, "renewal_requested=true").await.is_empty());
    assert_eq!(reply.json["renewal_requested_at"], Value::Null);
    // The old link is revoked now: its form is gone and a request records nothing.
    let (_, page) = on_gone_page(&app, &invitation).await;
    assert!(!has_renewal_form(&page, &invitation));
    app.clock.advance(Duration::hours(2));
    assert_eq!(guest.post(&path, &[]).await.text, first.text);
    assert_eq!(
        events_of(&app, "invitation.renewal_requested").await.len(),
        2
    );
    assert_eq!(
        read(&app, &invitation).await["renewal_requested_at"],
        Value::Null
    );
}
both!(a_renewal_request_is_recorded_once_an_hour_and_answered_the_same);

async fn a_fulfilled_link_may_ask_but_an_active_or_revoked_one_records_nothing(app: TestApp) {
    // A used-up link asks.
    let used = app.create_invitation(json!({})).await;
    assert_eq!(use_link(&app, &url_of(&used)).await.status, 200);
    let (mut guest, _) = on_gone_page(&app, &used).await;
    let answer = guest.post(&renew_path(&used), &[]).await;
    assert_eq!(answer.status, 200);
    assert!(read(&app, &used).await["renewal_requested_at"].is_string());

    // An active link's token, even with its valid CSRF token, records nothing.
    let active = app.create_invitation(json!({})).await;
    let csrf = app.portico.renewal_csrf(&token_of(&active)).unwrap();
    let reply = Reply::read(
        guest
            .form(&renew_path(&active), &[("csrf", &csrf)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text, answer.text, "the same answer");
    assert_eq!(
        read(&app, &active).await["renewal_requested_at"],
        Value::Null
    );
    assert_eq!(read(&app, &active).await["status"], "active");

    // A link revoked after its page was shown records nothing either.
    let revoked = expired(&app, json!({})).await;
    let (mut late, _) = on_gone_page(&app, &revoked).await;
    let reply = app
        .post(
            &format!("/v1/invitations/{}/revoke", id_of(&revoked)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let reply = late.post(&renew_path(&revoked), &[]).await;
    assert_eq!(reply.text, answer.text);
    assert_eq!(
        read(&app, &revoked).await["renewal_requested_at"],
        Value::Null
    );

    // An unknown link: the same answer, nothing anywhere.
    let fake = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let csrf = app.portico.renewal_csrf(fake).unwrap();
    let reply = Reply::read(
        guest
            .form(&format!("/g/{fake}/renew"), &[("csrf", &csrf)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text, answer.text);
    assert_eq!(
        events_of(&app, "invitation.renewal_requested").await.len(),
        1
    );
}
both!(a_fulfilled_link_may_ask_but_an_active_or_revoked_one_records_nothing);

async fn the_renewal_pages_name_nothing_of_the_owner(app: TestApp) {
    let renamed = app
        .patch("/v1/account", json!({"name": "Zebra Holdings Owner"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let invitation = expired(
        &app,
        json!({
            "connection_name": "Quokka payroll",
            "end_user": {"email": "owner.person@zebra.example", "organization_name": "Quokka Org"},
            "redirect_url": "https://zebra.example/done",
            "metadata": {"secret_note": "wombat"},
        }),
    )
    .await;
    let (mut guest, page) = on_gone_page(&app, &invitation).await;
    let answer = guest.post(&renew_path(&invitation), &[]).await;
    assert_eq!(answer.status, 200);
    for reply in [&page, &answer] {
        for leak in [
            "Zebra",
            "zebra",
            "owner.person",
            "Quokka",
            "wombat",
            &app.account.id.to_string(),
            invitation["id"].as_str().unwrap(),
        ] {
            assert!(!reply.text.contains(leak), "{leak} in {}", reply.text);
        }
    }
    assert!(
        !answer.text.contains(&token_of(&invitation)),
        "{}",
        answer.text
    );
}
both!(the_renewal_pages_name_nothing_of_the_owner);

async fn renewal_requests_are_under_the_per_ip_limit(app: TestApp) {
    let invitation = expired(&app, json!({})).await;
    let (mut guest, _) = on_gone_page(&app, &invitation).await;
    let path = renew_path(&invitation);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(guest.post(&path, &[]).await.status.as_u16());
    }
    // The page took one of the three requests a minute.
    assert_eq!(statuses, [200, 200, 429, 429]);
}
both!(renewal_requests_are_under_the_per_ip_limit, |settings| {
    settings.guest_rate_per_ip = 3;
});

async fn twenty_renewal_requests_at_once_record_one(app: TestApp) {
    let invitation = expired(&app, json!({})).await;
    let (guest, _) = on_gone_page(&app, &invitation).await;
    let csrf = guest.csrf.clone().unwrap();
    let path = renew_path(&invitation);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let request = guest.form(&path, &[("csrf", &csrf)]);
            tokio::spawn(async move { Reply::read(request.send().await.unwrap()).await })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    assert!(replies.iter().all(|r| r.status == 200));
    assert!(
        replies.iter().all(|r| r.text == replies[0].text),
        "one answer"
    );
    assert_eq!(
        events_of(&app, "invitation.renewal_requested").await.len(),
        1
    );
}
both!(twenty_renewal_requests_at_once_record_one);

async fn a_resend_that_cannot_be_made_again_changes_nothing(app: TestApp) {
    let connection = app.create_connection("k").await;
    let old = app
        .create_invitation(json!({
            "kind": "edit_connection",
            "connection_id": connection["id"],
        }))
        .await;
    let deleted = app
        .delete(&format!("/v1/connections/{}", id_of(&connection)))
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    let reply = resend(&app, &old).await;
    assert_eq!(reply.assert_problem(422), vec!["connection_id"]);
    assert_eq!(read(&app, &old).await["status"], "active");
    assert_eq!(listed(&app, "").await.len(), 1);
    assert!(events_of(&app, "invitation.revoked").await.is_empty());
}
both!(a_resend_that_cannot_be_made_again_changes_nothing);
