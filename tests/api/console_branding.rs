//! The console's branding page (issue 13, point 9): an owner sets the display name, the
//! colour and the logo with a file upload, and guest pages show them; members, foreign origins,
//! forms without the CSRF token and bad files change nothing.

use crate::both;
use crate::branding::{PNG, sha256_hex};
use crate::console::{ConsoleClient, PASSWORD, signed_in_owner, user};
use crate::guest_client::Guest;
use crate::helpers::TestApp;
use portico::domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn branding(app: &TestApp) -> Value {
    app.get("/v1/account").await.json["branding"].clone()
}

/// The `<h1>` guests read on a new link's first page.
async fn guest_heading(app: &TestApp) -> String {
    let created = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(app);
    let page = guest.get(created["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let start = page.text.find("<h1>").expect("a heading") + 4;
    let end = start + page.text[start..].find("</h1>").unwrap();
    page.text[start..end].to_string()
}

async fn an_owner_brands_the_guest_pages_with_a_file_upload(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let page = console.get("/console/branding").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"enctype="multipart/form-data""#));
    let csrf = page.csrf();
    let saved = console
        .post_multipart(
            "/console/branding",
            &[
                ("csrf", &csrf),
                ("display_name", "  Acme Corp "),
                ("primary_color", "#0A5D3A"),
            ],
            &[("logo", "logo.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), "/console/branding?done=saved");
    let stored = branding(&app).await;
    assert_eq!(stored["display_name"], "Acme Corp");
    assert_eq!(stored["primary_color"], "#0a5d3a");
    let logo = format!("/g/assets/logos/{}", sha256_hex(PNG));
    assert_eq!(stored["logo_url"], format!("{}{logo}", app.base));
    let shown = console.get("/console/branding?done=saved").await;
    assert!(shown.body.contains(r#"role="status""#), "{}", shown.body);
    assert!(shown.body.contains(&format!(r#"<img src="{logo}""#)));
    assert!(shown.body.contains(r##"fill="#0a5d3a""##));
    assert!(shown.body.contains(r#"value="Acme Corp""#));
    assert_eq!(
        guest_heading(&app).await,
        "Acme Corp asks you to connect Sandbox"
    );

    // No file keeps the logo; empty inputs remove the name and the colour.
    let kept = console
        .post_multipart(
            "/console/branding",
            &[("csrf", &csrf), ("display_name", ""), ("primary_color", "")],
            &[("logo", "", "application/octet-stream", b"")],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let stored = branding(&app).await;
    assert!(stored["display_name"].is_null() && stored["primary_color"].is_null());
    assert_eq!(stored["logo_url"], format!("{}{logo}", app.base));
    // "Remove the logo" removes it.
    let removed = console
        .post_multipart(
            "/console/branding",
            &[("csrf", &csrf), ("remove_logo", "1")],
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert!(branding(&app).await["logo_url"].is_null());
}
both!(an_owner_brands_the_guest_pages_with_a_file_upload);

async fn bad_inputs_are_named_in_the_users_language_and_store_nothing(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let csrf = console.csrf().await;
    let before = branding(&app).await;
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    // A GIF, and a PNG's bytes declared as JPEG: neither is stored, and neither is served.
    for (name, kind, bytes) in [
        ("logo.gif", "image/gif", &gif[..]),
        ("logo.jpg", "image/jpeg", PNG),
    ] {
        let refused = console
            .post_multipart(
                "/console/branding?lang=de",
                &[
                    ("csrf", &csrf),
                    ("display_name", "Acme"),
                    ("primary_color", "blau"),
                ],
                &[("logo", name, kind, bytes)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(refused.body.contains(r#"lang="de""#));
        assert!(
            refused.body.contains("Schreiben Sie die Farbe als #rrggbb"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("höchstens 256 KiB"),
            "{}",
            refused.body
        );
        // What was typed is kept.
        assert!(refused.body.contains(r#"value="blau""#));
        assert!(refused.body.contains(r#"value="Acme""#));
    }
    assert_eq!(branding(&app).await, before);
    // Larger than any logo: refused before it is read whole, nothing stored.
    let huge = vec![0u8; 600 * 1024];
    let refused = console
        .post_multipart(
            "/console/branding",
            &[("csrf", &csrf), ("display_name", "Huge")],
            &[("logo", "huge.png", "image/png", &huge)],
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert_eq!(branding(&app).await, before);
}
both!(bad_inputs_are_named_in_the_users_language_and_store_nothing);

async fn members_foreign_origins_and_missing_tokens_change_nothing(app: TestApp) {
    let mut owner = signed_in_owner(&app).await;
    let csrf = owner.csrf().await;
    user(&app, "member@example.com", Role::Member).await;
    let mut member = ConsoleClient::new(&app);
    member.sign_in("member@example.com", PASSWORD).await;
    let member_csrf = member.csrf().await;
    assert!(
        !member
            .get("/console")
            .await
            .body
            .contains("/console/branding")
    );
    assert_eq!(
        member.get("/console/branding").await.status,
        StatusCode::FORBIDDEN
    );
    for (client, token) in [(&mut member, member_csrf.as_str()), (&mut owner, "")] {
        let refused = hijack(client, token).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    let refused = hijack(&mut owner, "not-the-token").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // The right token from another origin.
    let mut foreign = ConsoleClient::new(&app);
    foreign.cookies = owner.cookies.clone();
    let refused = foreign
        .post_from(
            "/console/branding",
            &[("csrf", &csrf), ("display_name", "Hijacked")],
            "https://evil.example",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // An urlencoded body is not the form either.
    let refused = owner
        .post(
            "/console/branding",
            &[("csrf", &csrf), ("display_name", "Hijacked")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let stored = branding(&app).await;
    assert!(stored["display_name"].is_null(), "{stored}");
    assert!(stored["logo_url"].is_null(), "{stored}");
}
both!(members_foreign_origins_and_missing_tokens_change_nothing);

/// A branding upload with the CSRF token `token`.
async fn hijack(client: &mut ConsoleClient, token: &str) -> crate::console::Page {
    client
        .post_multipart(
            "/console/branding",
            &[("csrf", token), ("display_name", "Hijacked")],
            &[("logo", "l.png", "image/png", PNG)],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_uploads_a_logo_in_chromium() {
    use crate::browser::Browser;
    use crate::helpers::{Backend, spawn};
    let app = spawn(Backend::Sqlite).await;
    user(&app, "owner@example.com", Role::Owner).await;
    let logo = app.data_dir.path().join("logo.png");
    std::fs::write(&logo, PNG).unwrap();
    let mut browser = Browser::start("console-branding", &app).await;
    browser.console_sign_in(&app, "owner@example.com").await;
    browser
        .click("nav.sections a[href='/console/branding']")
        .await;
    browser.wait_for_text("h1", "Branding").await;
    browser.screenshots("empty").await;
    browser.type_into("#display_name", "Acme Corp").await;
    browser.type_into("#primary_color", "#0a5d3a").await;
    browser.type_into("#logo", logo.to_str().unwrap()).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for(".notice").await;
    assert_eq!(
        browser.text(".brand-asks").await,
        "Acme Corp asks you to connect Toggl Track"
    );
    assert!(browser.attr("img.brand-logo", "src").await.is_some());
    browser.screenshots("saved").await;
    assert_eq!(branding(&app).await["display_name"], "Acme Corp");
    // The guest page as the guest sees it.
    let created = app.create_invitation(json!({})).await;
    browser.goto(created["url"].as_str().unwrap()).await;
    browser
        .wait_for_text("h1", "Acme Corp asks you to connect Sandbox")
        .await;
    browser.screenshots("guest").await;
    browser.close().await;
}
