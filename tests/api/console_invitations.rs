//! The console's invitation pages (issue 13, points 4 and 8): the list with its filters, search
//! and pages; one invitation's page with its timeline; revoke and resend (CSRF-checked, the
//! account's own invitations only); the guest's renewal request shown and answered; and the
//! same in Chromium. Every HTTP test runs on SQLite and PostgreSQL.

use chrono::Duration;
use fantoccini::Locator;
use portico::domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::console::{ConsoleClient, PASSWORD, signed_in_owner, user};
use crate::guest_client::Guest;
use crate::helpers::{Backend, TestApp, id_of, spawn};
use crate::{both, console};

fn page_of(invitation: &Value) -> String {
    format!("/console/invitations/{}", id_of(invitation))
}

fn url_of(invitation: &Value) -> String {
    invitation["url"].as_str().unwrap().to_string()
}

async fn read(app: &TestApp, invitation: &Value) -> Value {
    let reply = app
        .get(&format!("/v1/invitations/{}", id_of(invitation)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

/// The links to invitation pages a list page shows, in order.
fn listed(page: &console::Page) -> Vec<String> {
    page.body
        .split("href=\"/console/invitations/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| id.len() == 36)
        .map(str::to_string)
        .collect()
}

/// The `href` of the pager link with `rel`, unescaped.
fn pager_link(page: &console::Page, rel: &str) -> Option<String> {
    let marker = format!("\" rel=\"{rel}\"");
    let end = page.body.find(&marker)?;
    let start = page.body[..end].rfind("href=\"")? + 6;
    Some(
        page.body[start..end]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// A guest opens `url` and submits the sandbox form with `api_key`.
async fn guest_submits(app: &TestApp, url: &str, api_key: &str) -> crate::helpers::Reply {
    let mut guest = Guest::new(app);
    let page = guest.get(url).await;
    assert_eq!(page.status, 200, "{}", page.text);
    guest.post("/g/s/submit", &[("api_key", api_key)]).await
}

async fn post_action(
    console: &mut ConsoleClient,
    invitation: &Value,
    action: &str,
) -> console::Page {
    let csrf = console.csrf().await;
    console
        .post(
            &format!("{}/{action}", page_of(invitation)),
            &[("csrf", &csrf)],
        )
        .await
}

async fn event_count(app: &TestApp) -> usize {
    app.event_types().await.len()
}

both!(the_list_shows_the_accounts_invitations_with_filters_and_search);
async fn the_list_shows_the_accounts_invitations_with_filters_and_search(app: TestApp) {
    let julia = app
        .create_invitation(json!({"connection_name": "Acme HR",
            "end_user": {"email": "julia@acme.example"}}))
        .await;
    let allowed = app
        .create_invitation(json!({"connection_name": "Globex payroll",
            "allowed_emails": ["hank@globex.example"]}))
        .await;
    let toggl = app
        .create_invitation(json!({"connector": "toggl", "connection_name": "Initech time"}))
        .await;
    let revoked = app
        .create_invitation(json!({"connection_name": "Umbrella 50%_off"}))
        .await;
    let reply = app
        .post(
            &format!("/v1/invitations/{}/revoke", id_of(&revoked)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);
    // Another account's invitation is never listed.
    let other_key = app.other_account_key().await;
    let other = app
        .client
        .post(format!("{}/v1/invitations", app.base))
        .bearer_auth(&other_key)
        .json(&json!({"connector": "sandbox", "connection_name": "Other secret co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);

    let mut console = signed_in_owner(&app).await;
    let all = console.get("/console/invitations").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let ids = |list: &[&Value]| {
        list.iter()
            .map(|i| id_of(i).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(&all), ids(&[&revoked, &toggl, &allowed, &julia]));
    assert!(!all.body.contains("Other secret co"));
    assert!(all.body.contains("julia@acme.example"), "the recipient");
    assert!(
        all.body.contains("hank@globex.example"),
        "allowed emails as recipient"
    );
    assert!(all.body.contains("Toggl Track") || all.body.contains("Toggl"));
    assert!(all.body.contains("status-revoked"));
    assert!(all.body.contains("aria-current=\"page\">Invitations"));

    let cases: [(&str, Vec<&Value>); 7] = [
        ("status=revoked", vec![&revoked]),
        ("status=active", vec![&toggl, &allowed, &julia]),
        ("connector=toggl", vec![&toggl]),
        ("q=JULIA%40acme", vec![&julia]),
        ("q=hank", vec![&allowed]),
        ("q=globex+PAY", vec![&allowed]),
        // LIKE's wildcards are themselves.
        ("q=50%25_", vec![&revoked]),
    ];
    for (query, expected) in cases {
        let page = console.get(&format!("/console/invitations?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(listed(&page), ids(&expected), "{query}");
    }
    let none = console.get("/console/invitations?q=%25%25").await;
    assert!(listed(&none).is_empty());
    assert!(none.body.contains("No invitation matches these filters."));
    let both = console
        .get("/console/invitations?status=active&connector=sandbox&q=acme")
        .await;
    assert_eq!(listed(&both), ids(&[&julia]));
    // The filters stay in the form.
    assert!(both.body.contains(r#"<option value="active" selected>"#));
    assert!(both.body.contains(r#"value="acme""#));
}

both!(an_empty_account_says_so);
async fn an_empty_account_says_so(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let page = console.get("/console/invitations").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No invitations yet."), "{}", page.body);
    assert!(pager_link(&page, "next").is_none() && pager_link(&page, "prev").is_none());
}

both!(the_list_pages_older_and_newer_by_id);
async fn the_list_pages_older_and_newer_by_id(app: TestApp) {
    let mut created = Vec::new();
    for n in 0..45 {
        let i = app
            .create_invitation(json!({"connection_name": format!("Pager {n:02}")}))
            .await;
        created.push(id_of(&i).to_string());
    }
    created.reverse(); // newest first
    let mut console = signed_in_owner(&app).await;
    let first = console.get("/console/invitations?q=pager").await;
    assert_eq!(listed(&first), created[..20]);
    assert!(pager_link(&first, "prev").is_none(), "nothing newer");
    let older = pager_link(&first, "next").expect("an Older link");
    assert!(
        older.contains("q=pager") && older.contains("cursor="),
        "{older}"
    );

    let second = console.get(&older).await;
    assert_eq!(listed(&second), created[20..40]);
    let third = console.get(&pager_link(&second, "next").unwrap()).await;
    assert_eq!(listed(&third), created[40..]);
    assert!(pager_link(&third, "next").is_none(), "nothing older");

    // Newer from the last page is the page before it, and from there the first.
    let back = console.get(&pager_link(&third, "prev").unwrap()).await;
    assert_eq!(listed(&back), created[20..40]);
    let top = console.get(&pager_link(&back, "prev").unwrap()).await;
    assert_eq!(listed(&top), created[..20]);
    assert!(pager_link(&top, "prev").is_none());
}

both!(the_timeline_follows_a_real_guest_flow);
async fn the_timeline_follows_a_real_guest_flow(app: TestApp) {
    let invitation = app
        .create_invitation(json!({
            "connection_name": "Acme HR",
            "end_user": {"email": "julia@acme.example", "organization_name": "Acme"},
            "max_uses": 1,
        }))
        .await;
    let token = invitation["token"].as_str().unwrap().to_string();
    // Another invitation nobody opens: its timeline holds none of the first one's events.
    let untouched = app
        .create_invitation(json!({"connection_name": "Untouched"}))
        .await;
    let failed = guest_submits(&app, &url_of(&invitation), "invalid").await;
    assert_ne!(failed.status, 303, "{}", failed.text);
    app.clock.advance(Duration::seconds(5));
    let done = guest_submits(&app, &url_of(&invitation), "good-key").await;
    assert!(done.status == 200 || done.status == 303, "{}", done.text);

    let mut console = signed_in_owner(&app).await;
    let page = console.get(&page_of(&invitation)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    let order = [
        "<span>Created</span>",
        "The guest opened the link",
        "The credentials check failed",
        "the sandbox rejected the API key",
        "Completed: connection “Acme HR” created",
        "Every use is taken",
    ];
    let mut at = 0;
    for text in order {
        let found = body[at..]
            .find(text)
            .unwrap_or_else(|| panic!("{text} after {at} in {body}"));
        at += found;
    }
    // The settings, never the token.
    assert!(body.contains("julia@acme.example") && body.contains("Acme"));
    assert!(body.contains("1 / 1"), "uses");
    assert!(!body.contains(&token), "never the token");
    assert!(body.contains("status-fulfilled"));
    // The connection it created, linked.
    let connection = read(&app, &invitation).await["created_connections"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains(&format!("href=\"/console/connections/{connection}\"")));
    let other = console.get(&page_of(&untouched)).await;
    assert!(
        other.body.contains("<span>Created</span>"),
        "{}",
        other.body
    );
    for text in ["opened the link", "check failed", "Completed", "Every use"] {
        assert!(!other.body.contains(text), "{text} in {}", other.body);
    }
    // The list says completed too.
    let list = console.get("/console/invitations").await;
    assert!(list.body.contains("completed"));
}

both!(revoke_works_once_and_again_changes_nothing);
async fn revoke_works_once_and_again_changes_nothing(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    let mut console = signed_in_owner(&app).await;
    let page = console.get(&page_of(&invitation)).await;
    let revoke_action = format!("action=\"{}/revoke\"", page_of(&invitation));
    assert!(page.body.contains(&revoke_action), "{}", page.body);

    let done = post_action(&mut console, &invitation, "revoke").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        format!("{}?done=revoked", page_of(&invitation))
    );
    let shown = console.get(done.location()).await;
    assert!(
        shown.body.contains("The invitation is revoked"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("status-revoked"));
    assert!(
        !shown.body.contains(&revoke_action),
        "no second revoke button"
    );
    let read_back = read(&app, &invitation).await;
    assert_eq!(read_back["status"], "revoked");
    let revoked_at = read_back["revoked_at"].clone();
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&invitation)).await.status, 410);
    let events = event_count(&app).await;

    // Again (a second tab, a reload): the same answer, nothing written.
    app.clock.advance(Duration::seconds(30));
    let again = post_action(&mut console, &invitation, "revoke").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(read(&app, &invitation).await["revoked_at"], revoked_at);
    assert_eq!(event_count(&app).await, events);
    let revoked_events = app
        .event_types()
        .await
        .iter()
        .filter(|t| *t == "invitation.revoked")
        .count();
    assert_eq!(revoked_events, 1);
}

both!(resend_shows_a_new_working_link_once_and_kills_the_old_one);
async fn resend_shows_a_new_working_link_once_and_kills_the_old_one(app: TestApp) {
    let old = app
        .create_invitation(json!({"end_user": {"email": "julia@acme.example"}}))
        .await;
    let mut console = signed_in_owner(&app).await;
    let resent = post_action(&mut console, &old, "resend").await;
    assert_eq!(resent.status, StatusCode::CREATED, "{}", resent.body);
    assert!(
        resent
            .body
            .contains("The link is on its way to julia@acme.example.")
    );
    assert!(resent.body.contains(r#"class="copy" data-copy="link""#));
    let url = resent.input("link");
    assert!(url.starts_with(&format!("{}/g/", app.base)), "{url}");

    // The old link is dead, the new one works.
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&old)).await.status, 410);
    let done = guest_submits(&app, &url, "good-key").await;
    assert!(done.status == 200 || done.status == 303, "{}", done.text);
    assert_eq!(read(&app, &old).await["status"], "revoked");
    // It was emailed.
    let app_ref = &app;
    crate::helpers::eventually("the new link emailed", || {
        let link = url.clone();
        async move {
            app_ref
                .emails_to("julia@acme.example", 1)
                .await
                .iter()
                .any(|e| e.contains(&link))
        }
    })
    .await;

    // The new invitation's page names the old one; the link is never shown again.
    let list = app.get("/v1/invitations").await;
    let new = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["renewed_from"] == old["id"])
        .cloned()
        .expect("the new invitation");
    let page = console.get(&page_of(&new)).await;
    assert!(page.body.contains(&format!("href=\"{}\"", page_of(&old))));
    assert!(
        page.body
            .contains("Created as a resend of an earlier invitation")
    );
    assert!(!page.body.contains(&url));
    // Its language links lead back to the invitation, not to a second resend.
    let again = console
        .get(&format!("{}/resend?lang=de", page_of(&old)))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), page_of(&old));
}

both!(a_renewal_request_is_shown_and_send_a_new_link_answers_it);
async fn a_renewal_request_is_shown_and_send_a_new_link_answers_it(app: TestApp) {
    let invitation = app
        .create_invitation(json!({"expires_in_seconds": 60,
            "end_user": {"email": "julia@acme.example"}}))
        .await;
    let quiet = app
        .create_invitation(json!({"connection_name": "No request here"}))
        .await;
    app.clock.advance(Duration::seconds(61));
    let mut guest = Guest::new(&app);
    let gone = guest.get(&url_of(&invitation)).await;
    assert_eq!(gone.status, 410);
    let token = invitation["token"].as_str().unwrap();
    let asked = guest.post(&format!("/g/{token}/renew"), &[]).await;
    assert_eq!(asked.status, 200, "{}", asked.text);

    let mut console = signed_in_owner(&app).await;
    let list = console.get("/console/invitations").await;
    assert!(list.body.contains("new link requested"));
    let only = console.get("/console/invitations?renewal=1").await;
    assert_eq!(listed(&only), vec![id_of(&invitation).to_string()]);
    assert!(!only.body.contains(&id_of(&quiet).to_string()));
    let page = console.get(&page_of(&invitation)).await;
    assert!(
        page.body.contains("The guest asked for a new link"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Send a new link"));
    assert!(page.body.contains("status-expired"));

    let resent = post_action(&mut console, &invitation, "resend").await;
    assert_eq!(resent.status, StatusCode::CREATED, "{}", resent.body);
    let read_back = read(&app, &invitation).await;
    assert!(read_back["renewal_requested_at"].is_null(), "{read_back}");
    let after = console.get("/console/invitations?renewal=1").await;
    assert!(listed(&after).is_empty());
    let page = console.get(&page_of(&invitation)).await;
    assert!(!page.body.contains("Send a new link"));
    // The request stays on the timeline.
    assert!(
        page.body
            .contains("<span>The guest asked for a new link</span>")
    );
}

both!(a_resend_that_cannot_be_made_again_says_so_and_changes_nothing);
async fn a_resend_that_cannot_be_made_again_says_so_and_changes_nothing(app: TestApp) {
    let connection = app.create_connection("k").await;
    let old = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": connection["id"]}))
        .await;
    let deleted = app
        .delete(&format!("/v1/connections/{}", id_of(&connection)))
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    let events = event_count(&app).await;
    let mut console = signed_in_owner(&app).await;
    let page = post_action(&mut console, &old, "resend").await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("cannot be sent again"), "{}", page.body);
    assert_eq!(read(&app, &old).await["status"], "active");
    assert_eq!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(event_count(&app).await, events);
}

both!(revoke_and_resend_without_their_csrf_token_are_403_and_change_nothing);
async fn revoke_and_resend_without_their_csrf_token_are_403_and_change_nothing(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    let mut console = signed_in_owner(&app).await;
    let events = event_count(&app).await;
    let csrf = console.csrf().await;
    for action in ["revoke", "resend"] {
        let path = format!("{}/{action}", page_of(&invitation));
        let without = console.post(&path, &[]).await;
        assert_eq!(without.status, StatusCode::FORBIDDEN, "{action}");
        let wrong = console.post(&path, &[("csrf", "forged")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{action}");
        let elsewhere = console
            .post_from(&path, &[("csrf", &csrf)], "https://evil.example")
            .await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(read(&app, &invitation).await["status"], "active");
    assert_eq!(event_count(&app).await, events);
    let list = app.get("/v1/invitations").await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1);
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&invitation)).await.status, 200);
}

both!(another_accounts_invitation_is_a_404_page);
async fn another_accounts_invitation_is_a_404_page(app: TestApp) {
    let other_key = app.other_account_key().await;
    let other: Value = app
        .client
        .post(format!("{}/v1/invitations", app.base))
        .bearer_auth(&other_key)
        .json(&json!({"connector": "sandbox", "connection_name": "Theirs"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut console = signed_in_owner(&app).await;
    let page = console.get(&page_of(&other)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Theirs"));
    for action in ["revoke", "resend"] {
        let done = post_action(&mut console, &other, action).await;
        assert_eq!(done.status, StatusCode::NOT_FOUND, "{action}");
    }
    let theirs = app
        .client
        .get(format!("{}/v1/invitations/{}", app.base, id_of(&other)))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(theirs["status"], "active");
    assert!(theirs["renewed_from"].is_null());
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&other)).await.status, 200);
    assert_eq!(
        console.get("/console/invitations/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
}

both!(a_member_may_use_the_invitation_pages);
async fn a_member_may_use_the_invitation_pages(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    user(&app, "mia@example.com", Role::Member).await;
    let mut console = ConsoleClient::new(&app);
    let signed = console.sign_in("mia@example.com", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let list = console.get("/console/invitations").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("href=\"/console/invitations\""),
        "in the nav"
    );
    assert_eq!(
        console.get(&page_of(&invitation)).await.status,
        StatusCode::OK
    );
    let resent = post_action(&mut console, &invitation, "resend").await;
    assert_eq!(resent.status, StatusCode::CREATED, "{}", resent.body);
    let fresh = app.create_invitation(json!({})).await;
    let revoked = post_action(&mut console, &fresh, "revoke").await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(read(&app, &fresh).await["status"], "revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_revoke_and_renewal_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let name = "console_revoke_and_renewal_in_chromium";
    let active = app
        .create_invitation(json!({"connection_name": "Acme HR",
            "end_user": {"email": "julia@acme.example", "organization_name": "Acme"}}))
        .await;
    let expiring = app
        .create_invitation(
            json!({"connection_name": "Globex payroll", "expires_in_seconds": 60,
            "allowed_emails": ["hank@globex.example"]}),
        )
        .await;
    app.clock.advance(Duration::seconds(61));
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&expiring)).await.status, 410);
    let token = expiring["token"].as_str().unwrap();
    assert_eq!(
        guest.post(&format!("/g/{token}/renew"), &[]).await.status,
        200
    );
    user(&app, "owner@example.com", Role::Owner).await;

    let mut browser = Browser::start(name, &app).await;
    browser.viewport(390, 844).await;
    browser.console_sign_in(&app, "owner@example.com").await;

    browser
        .goto(&format!("{}/console/invitations", app.base))
        .await;
    browser.wait_for_text("h1", "Invitations").await;
    browser.screenshot("list-390px").await;
    browser.screenshots(&format!("{name}-list")).await;

    // Revoke the active one: open it, confirm, and its link is gone.
    browser
        .click(&format!("a[href='{}']", page_of(&active)))
        .await;
    browser.wait_for_text("h1", "Acme HR").await;
    browser.screenshot("detail-390px").await;
    browser.screenshots(&format!("{name}-detail")).await;
    browser.click("details.confirm summary").await;
    browser.click("details.confirm button[type=submit]").await;
    browser
        .wait_for_text("p.notice", "The invitation is revoked")
        .await;
    browser.screenshot("revoked-390px").await;
    assert_eq!(read(&app, &active).await["status"], "revoked");
    let mut other = Guest::new(&app);
    assert_eq!(other.get(&url_of(&active)).await.status, 410);

    // The expired one whose guest asked: the request is shown, one click sends a new link.
    browser
        .goto(&format!("{}/console/invitations?renewal=1", app.base))
        .await;
    browser
        .wait_for_text("span.badge.renewal", "new link requested")
        .await;
    browser
        .click(&format!("a[href='{}']", page_of(&expiring)))
        .await;
    browser
        .wait_for_text(".renewal-request h2", "The guest asked for a new link")
        .await;
    browser.screenshot("renewal-390px").await;
    browser.screenshots(&format!("{name}-renewal")).await;
    browser.click(".renewal-request button[type=submit]").await;
    browser.wait_for_text("h1", "New link sent").await;
    assert_eq!(browser.status().await, 201);
    let url = browser.value("#link").await;
    assert!(url.starts_with(&format!("{}/g/", app.base)), "{url}");
    browser.screenshot("resent-390px").await;
    browser.screenshots(&format!("{name}-resent")).await;
    assert!(
        browser
            .client
            .find(Locator::Css("button.copy"))
            .await
            .is_ok()
    );
    let mut fresh = Guest::new(&app);
    assert_eq!(fresh.get(&url).await.status, 200);
    assert!(read(&app, &expiring).await["renewal_requested_at"].is_null());
    browser.close().await;
}

both!(the_new_invitation_form_says_what_is_wrong_in_the_users_language);
async fn the_new_invitation_form_says_what_is_wrong_in_the_users_language(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let csrf = console.csrf().await;
    let refused = console
        .post(
            "/console/invitations?lang=de",
            &[
                ("csrf", &csrf),
                ("direction", "source"),
                ("connector", "afas"),
                ("recipient_email", "not-an-address"),
                ("connection_name", "AFAS"),
                ("max_uses", "0"),
                ("redirect_url", "http://example.com/done"),
                ("prefill.domain", "no spaces allowed"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"lang="de""#));
    for said in [
        "Geben Sie die E-Mail-Adresse des Empfängers ein",
        "Geben Sie eine ganze Zahl ab 1 ein",
        "Geben Sie eine https-Adresse ein",
        // The connector's own rule, as the guest page says it.
        "Die Eingabe hat nicht das erwartete Format.",
    ] {
        assert!(refused.body.contains(said), "{said}: {}", refused.body);
    }
    for english in [
        "is not an email address",
        "must be at least 1",
        "must be an https",
    ] {
        assert!(!refused.body.contains(english), "{english}");
    }
    assert!(refused.body.contains(r#"value="no spaces allowed""#));
    assert!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
