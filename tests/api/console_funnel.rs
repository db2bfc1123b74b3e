//! The funnel (issue 13, point 7): `GET /v1/funnel` and the console's start page count the
//! invitations created in a period, stage by stage, from real guest flows; the connector and
//! the period filter them; another account's invitations never count; bad queries are
//! problem+json; and the page draws the same numbers.

use crate::both;
use crate::browser::Browser;
use crate::console::{ConsoleClient, PASSWORD, signed_in_owner, user};
use crate::guest_client::Guest;
use crate::helpers::{Backend, TestApp, spawn, start_time};
use chrono::{DateTime, Duration, Utc};
use portico::domain::account::Scope;
use portico::domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn url_of(invitation: &Value) -> String {
    invitation["url"].as_str().unwrap().to_string()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn query_time(t: DateTime<Utc>) -> String {
    rfc3339(t).replace('+', "%2B")
}

/// (created, opened, email_verified, check_failed, completed) of a funnel reply.
fn counts(funnel: &Value) -> [i64; 5] {
    [
        "created",
        "opened",
        "email_verified",
        "check_failed",
        "completed",
    ]
    .map(|k| {
        funnel[k]
            .as_i64()
            .unwrap_or_else(|| panic!("{k} in {funnel}"))
    })
}

async fn funnel(app: &TestApp, query: &str) -> Value {
    let reply = app.get(&format!("/v1/funnel{query}")).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    reply.json
}

/// Opens `invitation`'s link as a new guest.
async fn open(app: &TestApp, invitation: &Value) -> Guest {
    let mut guest = Guest::new(app);
    let page = guest.get(&url_of(invitation)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    guest
}

/// Proves `email` with the code sent to it (the `nth` email to that address).
async fn verify(app: &TestApp, guest: &mut Guest, email: &str, nth: usize) {
    let asked = guest.post("/g/s/email", &[("email", email)]).await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let code = app.code_sent_to(email, nth).await;
    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert!(
        proven.status.is_success() || proven.status.is_redirection(),
        "{}",
        proven.text
    );
}

/// The story every test here reads: one sandbox invitation a day before the others, never
/// opened; then four sandbox invitations that stop at different stages (4 created, 3 opened,
/// 2 verified, 1 failed check (twice), 1 completed three minutes after it was opened), one postgres
/// invitation that is opened only, and another account's completed invitation.
/// Returns the time the four were created at.
async fn story(app: &TestApp) -> DateTime<Utc> {
    app.create_invitation(json!({"connection_name": "Old"}))
        .await;
    app.clock.advance(Duration::days(1));
    let created_at = app.portico.now();
    let emails = |who: &str| json!({"allowed_emails": [format!("{who}@example.com")]});
    let completed = app.create_invitation(emails("ann")).await;
    let verified = app.create_invitation(emails("bob")).await;
    let opened = app.create_invitation(json!({})).await;
    app.create_invitation(json!({"connection_name": "Never opened"}))
        .await;
    let postgres = app
        .create_invitation(json!({"connector": "postgres", "direction": "source",
            "connection_name": "Warehouse"}))
        .await;

    let mut ann = open(app, &completed).await;
    app.clock.advance(Duration::seconds(20));
    verify(app, &mut ann, "ann@example.com", 1).await;
    // Two failed checks: one invitation with a failed check.
    for _ in 0..2 {
        let failed = ann.post("/g/s/submit", &[("api_key", "invalid")]).await;
        assert_eq!(failed.status, 422, "{}", failed.text);
    }
    app.clock.advance(Duration::seconds(160));
    let done = ann.post("/g/s/submit", &[("api_key", "k-1")]).await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.text
    );

    let mut bob = open(app, &verified).await;
    verify(app, &mut bob, "bob@example.com", 1).await;
    open(app, &opened).await;
    open(app, &postgres).await;

    // Another account's invitation, completed: never in this account's funnel.
    let other_key = app.other_account_key().await;
    let theirs = app
        .client
        .post(format!("{}/v1/invitations", app.base))
        .bearer_auth(&other_key)
        .json(&json!({"connector": "sandbox", "connection_name": "Theirs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 201);
    let theirs: Value = theirs.json().await.unwrap();
    let mut guest = open(app, &theirs).await;
    let done = guest.post("/g/s/submit", &[("api_key", "k-2")]).await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.text
    );
    created_at
}

both!(the_funnel_counts_invitations_per_stage_by_connector_and_period);
async fn the_funnel_counts_invitations_per_stage_by_connector_and_period(app: TestApp) {
    let created_at = story(&app).await;
    let after_old = query_time(start_time() + Duration::hours(1));

    let sandbox = funnel(&app, &format!("?connector=sandbox&from={after_old}")).await;
    assert_eq!(counts(&sandbox), [4, 3, 2, 1, 1], "{sandbox}");
    assert_eq!(sandbox["median_open_to_complete_seconds"], 180);
    assert_eq!(sandbox["connector"], "sandbox");
    assert_eq!(sandbox["from"], rfc3339(start_time() + Duration::hours(1)));
    assert_eq!(sandbox["to"], rfc3339(app.portico.now()));

    let every = funnel(&app, &format!("?from={after_old}")).await;
    assert_eq!(counts(&every), [5, 4, 2, 1, 1], "{every}");
    let postgres = funnel(&app, "?connector=postgres").await;
    assert_eq!(counts(&postgres), [1, 1, 0, 0, 0], "{postgres}");
    assert!(postgres["median_open_to_complete_seconds"].is_null());

    // The default period, the last 30 days, holds the old invitation too.
    let default = funnel(&app, "").await;
    assert_eq!(counts(&default), [6, 4, 2, 1, 1], "{default}");
    assert_eq!(
        default["from"],
        rfc3339(app.portico.now() - Duration::days(30))
    );
    assert!(default["connector"].is_null());
    // Up to the others' creation: only the old one, not opened.
    let before = funnel(&app, &format!("?to={}", query_time(created_at))).await;
    assert_eq!(counts(&before), [1, 0, 0, 0, 0], "{before}");
    // A period after everything: nothing, and no median.
    let later = app.portico.now() + Duration::days(1);
    let empty = funnel(
        &app,
        &format!(
            "?from={}&to={}",
            query_time(later),
            query_time(later + Duration::days(1))
        ),
    )
    .await;
    assert_eq!(counts(&empty), [0; 5]);
    assert!(empty["median_open_to_complete_seconds"].is_null());
}

both!(bad_funnel_queries_are_problems_and_the_scope_is_events_read);
async fn bad_funnel_queries_are_problems_and_the_scope_is_events_read(app: TestApp) {
    for (query, field) in [
        ("?from=yesterday", "from"),
        ("?to=2026-11-01", "to"),
        ("?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"),
        ("?connector=no-such-connector", "connector"),
    ] {
        let reply = app.get(&format!("/v1/funnel{query}")).await;
        assert_eq!(reply.assert_problem(422), [field], "{query}");
    }
    let reply = app.get("/v1/funnel?from=a&from=b").await;
    assert_eq!(reply.assert_problem(422), ["query"]);

    let (_, narrow) = app
        .portico
        .create_api_key(app.account.id, vec![Scope::InvitationsRead])
        .await
        .unwrap();
    let refused = crate::helpers::Reply::read(
        app.client
            .get(format!("{}/v1/funnel", app.base))
            .bearer_auth(narrow.expose())
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused.assert_problem(403);
    let (_, reader) = app
        .portico
        .create_api_key(app.account.id, vec![Scope::EventsRead])
        .await
        .unwrap();
    let allowed = app
        .client
        .get(format!("{}/v1/funnel", app.base))
        .bearer_auth(reader.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let anonymous = app
        .client
        .get(format!("{}/v1/funnel", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let doc = app.get("/openapi.json").await.json;
    let operation = &doc["paths"]["/v1/funnel"]["get"];
    let params: Vec<(&str, &str)> = operation["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{operation}"))
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(
        params,
        [("from", "query"), ("to", "query"), ("connector", "query")]
    );
    assert!(operation["responses"]["422"].is_object());
}

/// The hidden table's row of `stage`: its label, count and share.
fn row(body: &str, stage: &str) -> String {
    let start = body
        .find(&format!("<tr data-stage=\"{stage}\">"))
        .unwrap_or_else(|| panic!("a row of {stage}"));
    let end = start + body[start..].find("</tr>").unwrap();
    body[start..end].to_string()
}

both!(the_start_page_draws_the_same_funnel_for_owners_and_members);
async fn the_start_page_draws_the_same_funnel_for_owners_and_members(app: TestApp) {
    story(&app).await;
    let day = (start_time() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let path = format!("/console?period=custom&from={day}&to={day}&connector=sandbox");
    let mut owner = signed_in_owner(&app).await;
    user(&app, "member@example.com", Role::Member).await;
    let mut member = ConsoleClient::new(&app);
    member.sign_in("member@example.com", PASSWORD).await;
    for console in [&mut owner, &mut member] {
        let page = console.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains("<svg"), "an SVG chart");
        assert!(!body.contains("style="), "no inline style");
        for (stage, label, count, percent) in [
            ("created", "Created", 4, 100),
            ("opened", "Opened", 3, 75),
            ("email_verified", "Email verified", 2, 50),
            ("check_failed", "Had a failed check", 1, 25),
            ("completed", "Completed", 1, 25),
        ] {
            let row = row(body, stage);
            assert!(
                row.contains(&format!("<th scope=\"row\">{label}</th>")),
                "{row}"
            );
            assert!(
                row.contains(&format!("<td>{count}</td><td>{percent} %</td>")),
                "{row}"
            );
            assert!(
                body.contains(&format!("data-count=\"{count}\"")),
                "the chart's {stage}"
            );
        }
        assert!(
            body.contains("from opening to completion: 3 min"),
            "the median"
        );
        assert!(body.contains(r#"<option value="sandbox" selected>"#));
        assert!(body.contains(r#"<option value="custom" selected>"#));
    }
    // Every connector, the default period (the last 30 days): the old one counts too.
    let page = owner.get("/console").await;
    assert!(row(&page.body, "created").contains("<td>6</td><td>100 %</td>"));
    assert!(row(&page.body, "opened").contains("<td>4</td><td>67 %</td>"));
    assert!(page.body.contains(r#"<option value="30" selected>"#));
    // German, and a period with nothing: no median.
    let page = owner
        .get("/console?period=custom&from=2020-01-01&to=2020-01-31&lang=de")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Wo geben Gäste auf?"));
    assert!(row(&page.body, "created").contains("<td>0</td><td>0 %</td>"));
    assert!(page.body.contains("keine mittlere Zeit"));
    // Dates the wrong way round: said so, with the dates kept.
    let page = owner
        .get("/console?period=custom&from=2026-11-30&to=2026-11-01")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("role=\"alert\""));
    assert!(page.body.contains("value=\"2026-11-30\""));
    // The last day chrono knows has no end: a 422 as well, not a 500.
    let page = owner
        .get("/console?period=custom&from=2026-11-01&to=262143-12-31")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funnel_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let name = "the_funnel_in_chromium";
    story(&app).await;
    user(&app, "owner@example.com", Role::Owner).await;
    let mut browser = Browser::start(name, &app).await;
    browser.viewport(390, 844).await;
    browser.console_sign_in(&app, "owner@example.com").await;
    browser.wait_for("svg.funnel-svg").await;
    browser
        .wait_for_text(".stage-created .stage-figure", "6 · 100 %")
        .await;
    browser.screenshots(&format!("{name}-default")).await;

    // Only the day the four sandbox invitations were created, of sandbox.
    let day = (start_time() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    browser
        .find("select[name=period]")
        .await
        .select_by_value("custom")
        .await
        .expect("choose custom dates");
    browser
        .find("select[name=connector]")
        .await
        .select_by_value("sandbox")
        .await
        .expect("choose sandbox");
    set_date(&browser, "#from", &day).await;
    set_date(&browser, "#to", &day).await;
    browser
        .click("form.funnel-filters button[type=submit]")
        .await;
    browser
        .wait_for_text(".stage-created .stage-figure", "4 · 100 %")
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert!(url.query().unwrap().contains("period=custom"), "{url}");
    assert_eq!(
        browser.text(".stage-completed .stage-figure").await,
        "1 · 25 %"
    );
    assert!(browser.text(".funnel-median").await.contains("3 min"));
    browser.screenshots(&format!("{name}-custom")).await;
    browser.close().await;
}

/// Sets a date input's value (typing into one depends on the locale's field order).
async fn set_date(browser: &Browser, css: &str, value: &str) {
    let element = browser.find(css).await;
    browser
        .client
        .execute(
            "arguments[0].value = arguments[1];",
            vec![serde_json::to_value(&element).unwrap(), json!(value)],
        )
        .await
        .expect("set the date");
}

both!(an_edit_connection_invitation_counts_as_completed_through_its_last_use);
async fn an_edit_connection_invitation_counts_as_completed_through_its_last_use(app: TestApp) {
    // The connection's own `connection.updated` names the invitation that created it (none
    // here); the edit invitation's completion is its `invitation.fulfilled`.
    let connection = app.create_connection("k-0").await;
    let invitation = app
        .create_invitation(
            json!({"kind": "edit_connection", "connection_id": connection["id"],
                                  "connector": null, "connection_name": null}),
        )
        .await;
    let mut guest = open(&app, &invitation).await;
    // Within the guest session's hour.
    app.clock.advance(Duration::minutes(50));
    let done = guest.post("/g/s/submit", &[("api_key", "k-1")]).await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.text
    );
    let sandbox = funnel(&app, "?connector=sandbox").await;
    assert_eq!(counts(&sandbox), [1, 1, 0, 0, 1], "{sandbox}");
    assert_eq!(sandbox["median_open_to_complete_seconds"], 50 * 60);
    let mut console = signed_in_owner(&app).await;
    let page = console.get("/console").await;
    assert!(
        page.body.contains("from opening to completion: 50 min"),
        "the median"
    );
}
