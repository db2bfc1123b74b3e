//! The console in real headless Chromium: a new owner sets a password from the emailed link,
//! signs in, and runs seed 001's flow (New > Source > a connector > "Create with a temporary
//! user" > recipient email and connection name > Save); the guest's link arrives in the
//! mailbox and opens. Screenshots of every page at 390 and 1280 px wide.

use crate::browser::Browser;
use crate::console::PASSWORD;
use crate::helpers::{Backend, spawn};
use portico::domain::user::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_signs_in_and_sends_a_guest_link_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let invited = app
        .portico
        .create_user(
            app.account.id,
            "owner@example.com",
            Role::Owner,
            None,
            Some("en"),
        )
        .await
        .unwrap();
    let emails = app.emails_to("owner@example.com", 1).await;
    let link = invited.password_link.expect("a link").expose().clone();
    assert!(emails[0].contains(&link), "the link is emailed");

    let mut browser = Browser::start("console-seed-001", &app).await;
    // The password link.
    browser.goto(&link).await;
    browser.wait_for("input[name=password]").await;
    browser.screenshots("set-password").await;
    browser.type_into("#password", PASSWORD).await;
    browser.type_into("#confirm", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_url(&format!("{}/console/login", app.base))
        .await;
    browser.wait_for(".notice").await;

    // A wrong password first, then the right one.
    browser.type_into("#email", "owner@example.com").await;
    browser.type_into("#password", "not my password").await;
    browser.click("button[type=submit]").await;
    browser.wait_for("#login-error").await;
    assert_eq!(browser.status().await, 422);
    browser.screenshots("sign-in-refused").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_url(&format!("{}/console", app.base)).await;
    browser.wait_for_text("h1", "Overview").await;
    browser.screenshots("overview").await;

    // New > Source.
    browser.click("a.button").await;
    browser.wait_for("a.card").await;
    browser.screenshots("new-direction").await;
    browser
        .click("a[href='/console/invitations/new?direction=source']")
        .await;
    browser.wait_for("#q").await;
    browser.screenshots("picker").await;
    // The picker's search, then the connector.
    browser.type_into("#q", "toggl").await;
    browser.click("form.search button").await;
    browser.wait_for_text("ul.cards", "Toggl").await;
    browser.click("ul.cards a.card").await;
    browser.wait_for("a.card.primary").await;
    browser.screenshots("mode").await;
    // "Create with a temporary user".
    browser.click("a.card.primary").await;
    let form_url = browser
        .wait_for_url(&format!("{}/console/invitations/new?", app.base))
        .await;
    assert_eq!(
        form_url.query(),
        Some("direction=source&connector=toggl"),
        "the last step's form"
    );
    browser.wait_for("#recipient_email").await;
    browser.screenshots("form").await;
    browser.click("details summary").await;
    browser.screenshots("form-more-options").await;
    browser
        .type_into("#recipient_email", "guest@customer.example")
        .await;
    browser.type_into("#connection_name", "Acme Toggl").await;
    browser.click("form.wide-form > button[type=submit]").await;
    browser.wait_for("#link").await;
    assert_eq!(browser.status().await, 201);
    let guest_url = browser.value("#link").await;
    assert!(
        guest_url.starts_with(&format!("{}/g/", app.base)),
        "{guest_url}"
    );
    browser.screenshots("created").await;

    // The guest's link arrives in the mailbox and opens the guest's form.
    let emails = app.emails_to("guest@customer.example", 1).await;
    assert!(emails[0].contains(&guest_url));
    browser.goto(&guest_url).await;
    browser.wait_for("input[name=api_token]").await;
    assert_eq!(browser.status().await, 200);
    browser.screenshots("guest-form").await;

    browser.goto(&format!("{}/console/users", app.base)).await;
    browser.wait_for("table").await;
    browser.screenshots("team").await;
    browser.close().await;
}
