//! The console's connection and event pages (issue 13, points 5 and 6): the list and one
//! connection's page (config without a single secret value), run the check now, a reconnect
//! link, delete (CSRF-checked, the account's own connections only), members allowed; the events
//! newest first with their type filter; and the same in Chromium. Every HTTP test runs on
//! SQLite and PostgreSQL.

use chrono::Duration;
use portico::domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::console::{ConsoleClient, PASSWORD, signed_in_owner, user};
use crate::guest_client::Guest;
use crate::helpers::{Backend, TestApp, id_of, spawn};
use crate::{both, console};

const SECRET: &str = "sk_live_SECRET123";

fn page_of(connection: &Value) -> String {
    format!("/console/connections/{}", id_of(connection))
}

/// An AFAS connection: a plain `domain` and a secret `token` holding [`SECRET`].
async fn afas_connection(app: &TestApp, name: &str) -> Value {
    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "afas", "name": name,
                   "config": {"domain": "12345.rest.afas.online", "token": SECRET},
                   "end_user": {"email": "julia@acme.example", "organization_name": "Acme"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

async fn read(app: &TestApp, connection: &Value) -> crate::helpers::Reply {
    app.get(&format!("/v1/connections/{}", id_of(connection)))
        .await
}

async fn post_action(
    console: &mut ConsoleClient,
    connection: &Value,
    action: &str,
) -> console::Page {
    let csrf = console.csrf().await;
    console
        .post(
            &format!("{}/{action}", page_of(connection)),
            &[("csrf", &csrf)],
        )
        .await
}

/// The links to connection pages a page shows, in order.
fn listed(page: &console::Page) -> Vec<String> {
    page.body
        .split("href=\"/console/connections/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| id.len() == 36)
        .map(str::to_string)
        .collect()
}

both!(list_and_detail_show_the_config_and_never_a_secret);
async fn list_and_detail_show_the_config_and_never_a_secret(app: TestApp) {
    let older = app.create_connection(SECRET).await;
    let afas = afas_connection(&app, "Acme payroll").await;
    let mut console = signed_in_owner(&app).await;

    let list = console.get("/console/connections").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(
        listed(&list),
        [id_of(&afas).to_string(), id_of(&older).to_string()],
        "newest first"
    );
    for text in [
        "Acme payroll",
        "AFAS Profit",
        "Sandbox",
        "julia@acme.example",
    ] {
        assert!(list.body.contains(text), "{text} in the list");
    }
    assert!(list.body.contains("not checked yet"));

    let detail = console.get(&page_of(&afas)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let body = &detail.body;
    assert!(body.contains("12345.rest.afas.online"), "the plain config");
    assert!(
        body.contains("AFAS REST domain"),
        "labelled as the guest's form"
    );
    assert!(
        body.contains("App connector token"),
        "the secret field's label"
    );
    assert!(body.contains("never shown"));
    assert!(body.contains("Acme") && body.contains("julia@acme.example"));
    assert!(body.contains("the API (no invitation)"));

    // Every console page, in every language, after every action: never the secret.
    let mut bodies = vec![list.body.clone(), detail.body.clone()];
    for lang in ["de", "fr", "it", "es"] {
        bodies.push(
            console
                .get(&format!("{}?lang={lang}", page_of(&afas)))
                .await
                .body,
        );
    }
    bodies.push(post_action(&mut console, &afas, "check").await.body);
    bodies.push(console.get(&page_of(&afas)).await.body);
    bodies.push(console.get(&page_of(&older)).await.body);
    bodies.push(post_action(&mut console, &older, "reconnect").await.body);
    bodies.push(console.get("/console/events").await.body);
    bodies.push(console.get("/console/invitations").await.body);
    bodies.push(post_action(&mut console, &older, "delete").await.body);
    bodies.push(console.get("/console/connections?done=deleted").await.body);
    bodies.push(console.get("/console/events").await.body);
    for body in &bodies {
        assert!(!body.contains(SECRET), "a secret in {body}");
        assert!(!body.contains("SECRET123"));
    }
}

both!(check_now_records_a_check_and_shows_its_result);
async fn check_now_records_a_check_and_shows_its_result(app: TestApp) {
    let good = app.create_connection("good-key").await;
    let bad = app.create_connection("invalid").await;
    let mut console = signed_in_owner(&app).await;

    let done = post_action(&mut console, &good, "check").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("{}?done=check-ok", page_of(&good)));
    let recorded = read(&app, &good).await.json;
    assert_eq!(recorded["last_check"]["status"], "ok");
    let page = console.get(done.location()).await;
    assert!(page.body.contains("class=\"notice\""));
    assert!(page.body.contains("The check passed"));
    assert!(page.body.contains("check passed"));

    let done = post_action(&mut console, &bad, "check").await;
    assert_eq!(
        done.location(),
        format!("{}?done=check-failed", page_of(&bad))
    );
    assert_eq!(
        read(&app, &bad).await.json["last_check"]["status"],
        "failed"
    );
    let page = console.get(done.location()).await;
    assert!(page.body.contains("The check failed"));
    assert!(
        page.body.contains("the sandbox rejected the API key"),
        "its message"
    );
    let list = console.get("/console/connections").await;
    assert!(list.body.contains("check-failed") && list.body.contains("check-ok"));
}

both!(reconnect_creates_an_invitation_whose_link_opens_the_guest_page);
async fn reconnect_creates_an_invitation_whose_link_opens_the_guest_page(app: TestApp) {
    let connection = app.create_connection("old-key").await;
    let mut console = signed_in_owner(&app).await;
    let created = post_action(&mut console, &connection, "reconnect").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = created.input("link");
    assert!(url.starts_with(&format!("{}/g/", app.base)), "{url}");
    assert!(created.body.contains("data-copy=\"link\""), "a copy button");

    let invitations = app.get("/v1/invitations?kind=edit_connection").await;
    let data = invitations.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{}", invitations.text);
    assert_eq!(data[0]["connection_id"], connection["id"]);
    assert!(created.body.contains(&format!(
        "href=\"/console/invitations/{}\"",
        data[0]["id"].as_str().unwrap()
    )));

    // The link opens the guest page; the guest's new key reconnects this same connection.
    app.clock.advance(Duration::seconds(5));
    let mut guest = Guest::new(&app);
    let opened = guest.get(&url).await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let done = guest.post("/g/s/submit", &[("api_key", "new-key")]).await;
    assert!(done.status == 200 || done.status == 303, "{}", done.text);
    let connections = app.get("/v1/connections").await;
    assert_eq!(connections.json["data"].as_array().unwrap().len(), 1);
    let after = read(&app, &connection).await.json;
    assert_ne!(after["updated_at"], connection["updated_at"], "reconnected");
    // The link was shown once: the invitation's page never shows it again.
    let page = console
        .get(&format!(
            "/console/invitations/{}",
            data[0]["id"].as_str().unwrap()
        ))
        .await;
    assert!(!page.body.contains(&url));
}

both!(delete_removes_it_and_without_the_csrf_token_deletes_nothing);
async fn delete_removes_it_and_without_the_csrf_token_deletes_nothing(app: TestApp) {
    let connection = app.create_connection("k").await;
    let mut console = signed_in_owner(&app).await;
    let path = format!("{}/delete", page_of(&connection));
    let refused = console.post(&path, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong = console.post(&path, &[("csrf", "forged")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let csrf = console.csrf().await;
    let elsewhere = console
        .post_from(&path, &[("csrf", &csrf)], "https://evil.example")
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    for action in ["check", "reconnect"] {
        let refused = console
            .post(&format!("{}/{action}", page_of(&connection)), &[])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(read(&app, &connection).await.status, 200, "still there");
    assert!(read(&app, &connection).await.json["last_check"].is_null());
    let invitations = app.get("/v1/invitations").await;
    assert!(invitations.json["data"].as_array().unwrap().is_empty());

    let detail = console.get(&page_of(&connection)).await;
    assert!(detail.body.contains("<details class=\"confirm\">"));
    let deleted = post_action(&mut console, &connection, "delete").await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(deleted.location(), "/console/connections?done=deleted");
    assert_eq!(read(&app, &connection).await.status, 404);
    let list = console.get(deleted.location()).await;
    assert!(list.body.contains("The connection is deleted"));
    assert!(listed(&list).is_empty());
    assert_eq!(
        console.get(&page_of(&connection)).await.status,
        StatusCode::NOT_FOUND
    );
    // A reload of the action's path goes back to the page (now a 404).
    let reload = console.get(&path).await;
    assert_eq!(reload.status, StatusCode::SEE_OTHER);
}

both!(another_accounts_connection_is_a_404_page);
async fn another_accounts_connection_is_a_404_page(app: TestApp) {
    let other_key = app.other_account_key().await;
    let theirs: Value = app
        .client
        .post(format!("{}/v1/connections", app.base))
        .bearer_auth(&other_key)
        .json(&json!({"connector": "sandbox", "name": "Theirs", "config": {"api_key": "k"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut console = signed_in_owner(&app).await;
    let page = console.get(&page_of(&theirs)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Theirs"));
    assert!(
        !console
            .get("/console/connections")
            .await
            .body
            .contains("Theirs")
    );
    for action in ["check", "reconnect", "delete"] {
        let done = post_action(&mut console, &theirs, action).await;
        assert_eq!(done.status, StatusCode::NOT_FOUND, "{action}");
    }
    let still = app
        .client
        .get(format!("{}/v1/connections/{}", app.base, id_of(&theirs)))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(still["name"], "Theirs", "not deleted");
    assert!(still["last_check"].is_null(), "not checked");
    assert!(
        app.get("/v1/invitations").await.json["data"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no reconnect link"
    );
    assert_eq!(
        console.get("/console/connections/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
}

both!(a_member_may_view_check_and_reconnect_and_delete);
async fn a_member_may_view_check_and_reconnect_and_delete(app: TestApp) {
    let connection = app.create_connection("k").await;
    user(&app, "mia@example.com", Role::Member).await;
    let mut console = ConsoleClient::new(&app);
    let signed = console.sign_in("mia@example.com", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let list = console.get("/console/connections").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(listed(&list), [id_of(&connection).to_string()]);
    assert_eq!(console.get("/console/events").await.status, StatusCode::OK);
    assert_eq!(
        console.get(&page_of(&connection)).await.status,
        StatusCode::OK
    );
    let checked = post_action(&mut console, &connection, "check").await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        read(&app, &connection).await.json["last_check"]["status"],
        "ok"
    );
    let link = post_action(&mut console, &connection, "reconnect").await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    let deleted = post_action(&mut console, &connection, "delete").await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(read(&app, &connection).await.status, 404);
}

/// The event types a console events page lists, in order.
fn event_types_listed(page: &console::Page) -> Vec<String> {
    page.body
        .split("<code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(str::to_string)
        .collect()
}

both!(the_events_list_is_newest_first_and_filters_by_type);
async fn the_events_list_is_newest_first_and_filters_by_type(app: TestApp) {
    let invitation = app
        .create_invitation(json!({"connection_name": "Acme HR"}))
        .await;
    let mut guest = Guest::new(&app);
    assert_eq!(
        guest.get(invitation["url"].as_str().unwrap()).await.status,
        200
    );
    let done = guest.post("/g/s/submit", &[("api_key", "good")]).await;
    assert!(done.status == 200 || done.status == 303, "{}", done.text);
    let direct = app.create_connection("k").await;
    let mut console = signed_in_owner(&app).await;
    assert_eq!(
        post_action(&mut console, &direct, "delete").await.status,
        StatusCode::SEE_OTHER
    );

    let page = console.get("/console/events").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut oldest_first = app.event_types().await;
    oldest_first.reverse();
    assert_eq!(event_types_listed(&page), oldest_first, "newest first");
    assert_eq!(event_types_listed(&page)[0], "connection.deleted");
    // Every type is in the filter, translated.
    for kind in portico::domain::event::EventType::ALL {
        assert!(
            page.body
                .contains(&format!("<option value=\"{}\"", kind.as_str())),
            "{kind:?}"
        );
    }
    assert!(page.body.contains("Invitation created") && page.body.contains("Connection deleted"));
    // Subjects link to their pages.
    let created_connection = app
        .get(&format!("/v1/invitations/{}", id_of(&invitation)))
        .await
        .json["created_connections"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.body.contains(&format!(
        "href=\"/console/invitations/{}\"",
        id_of(&invitation)
    )));
    assert!(page.body.contains(&format!(
        "href=\"/console/connections/{created_connection}\""
    )));
    let deleted_row = page
        .body
        .split("<code>connection.deleted</code>")
        .nth(1)
        .unwrap();
    let deleted_row = deleted_row.split("</tr>").next().unwrap();
    assert!(deleted_row.contains("HR"), "{deleted_row}");
    assert!(
        !deleted_row.contains("href=\"/console/connections/"),
        "a deleted connection has no page: {deleted_row}"
    );

    // The connection the guest made names the invitation it came from.
    let made = console
        .get(&format!("/console/connections/{created_connection}"))
        .await;
    assert!(made.body.contains(&format!(
        "href=\"/console/invitations/{}\"",
        id_of(&invitation)
    )));
    assert!(made.body.contains("check passed"), "the guest's check");
    let filtered = console.get("/console/events?type=connection.created").await;
    assert_eq!(
        event_types_listed(&filtered),
        ["connection.created", "connection.created"]
    );
    assert!(
        filtered
            .body
            .contains("<option value=\"connection.created\" selected")
    );
    let none = console.get("/console/events?type=invitation.revoked").await;
    assert!(event_types_listed(&none).is_empty());
    assert!(none.body.contains("No event matches this filter"));
    let german = console
        .get("/console/events?type=connection.created&lang=de")
        .await;
    assert!(german.body.contains("Verbindung erstellt"));
    // An unknown type is no filter.
    let unknown = console.get("/console/events?type=nope").await;
    assert_eq!(event_types_listed(&unknown), event_types_listed(&page));
}

both!(the_events_list_pages_older_by_id_keeping_the_type);
async fn the_events_list_pages_older_by_id_keeping_the_type(app: TestApp) {
    for _ in 0..52 {
        app.create_invitation(json!({})).await;
    }
    app.create_connection("k").await;
    let mut console = signed_in_owner(&app).await;
    let first = console.get("/console/events?type=invitation.created").await;
    assert_eq!(event_types_listed(&first).len(), 50);
    let marker = "\" rel=\"next\"";
    let end = first.body.find(marker).expect("an older link");
    let start = first.body[..end].rfind("href=\"").unwrap() + 6;
    let older = first.body[start..end]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(older.contains("type=invitation.created"), "{older}");
    let second = console.get(&older).await;
    assert_eq!(
        event_types_listed(&second),
        ["invitation.created", "invitation.created"]
    );
    assert!(!second.body.contains("rel=\"next\""));
    assert!(
        second
            .body
            .contains("href=\"/console/events?type=invitation.created\"")
    );
    // The connections list pages the same way.
    for _ in 0..20 {
        app.create_connection("k").await;
    }
    let list = console.get("/console/connections").await;
    assert_eq!(listed(&list).len(), 20);
    let end = list.body.find(marker).expect("an older link");
    let start = list.body[..end].rfind("href=\"").unwrap() + 6;
    let rest = console.get(&list.body[start..end]).await;
    assert_eq!(listed(&rest).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_connection_check_and_delete_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let name = "console_connection_check_and_delete_in_chromium";
    let afas = afas_connection(&app, "Acme payroll").await;
    let sandbox = app.create_connection("invalid").await;
    user(&app, "owner@example.com", Role::Owner).await;

    let mut browser = Browser::start(name, &app).await;
    browser.viewport(390, 844).await;
    browser.console_sign_in(&app, "owner@example.com").await;
    browser
        .goto(&format!("{}/console/connections", app.base))
        .await;
    browser.wait_for_text("h1", "Connections").await;
    browser.screenshots(&format!("{name}-list")).await;

    browser
        .click(&format!("a[href='{}']", page_of(&sandbox)))
        .await;
    browser.wait_for_text("h1", "HR").await;
    browser
        .click(&format!(
            "form[action='{}/check'] button",
            page_of(&sandbox)
        ))
        .await;
    browser.wait_for_text("p.errors", "The check failed").await;
    assert_eq!(
        read(&app, &sandbox).await.json["last_check"]["status"],
        "failed"
    );
    browser.screenshots(&format!("{name}-detail")).await;

    // A reconnect link, shown once with its copy button, then back to the page.
    browser
        .click(&format!(
            "form[action='{}/reconnect'] button",
            page_of(&sandbox)
        ))
        .await;
    browser.wait_for_text("h1", "Reconnect link created").await;
    assert_eq!(browser.status().await, 201);
    let url = browser.value("#link").await;
    assert!(url.starts_with(&format!("{}/g/", app.base)), "{url}");
    browser.screenshots(&format!("{name}-reconnect")).await;
    browser
        .click(&format!("p a[href='{}']", page_of(&sandbox)))
        .await;
    browser.wait_for_text("h1", "HR").await;

    browser.click("details.confirm summary").await;
    browser.click("details.confirm button[type=submit]").await;
    browser
        .wait_for_text("p.notice", "The connection is deleted")
        .await;
    assert_eq!(read(&app, &sandbox).await.status, 404);
    assert_eq!(read(&app, &afas).await.status, 200);

    browser.goto(&format!("{}/console/events", app.base)).await;
    browser.wait_for_text("h1", "Events").await;
    browser.screenshots(&format!("{name}-events")).await;
    browser.close().await;
}
