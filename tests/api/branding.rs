//! Branding per account: `PATCH /v1/account` sets and clears the display name, colour and
//! logo; bad parts are 422s that change nothing; the logo is served by its hash with its own
//! type; guest pages and the invitation email show "{display name} asks you to connect ...".

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{Reply, TestApp};

/// A real 1x1 PNG.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
/// The start of a JPEG (SOI, APP0).
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";

fn data_url(kind: &str, bytes: &[u8]) -> String {
    format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn brand(app: &TestApp, branding: Value) -> Reply {
    app.patch("/v1/account", json!({ "branding": branding }))
        .await
}

/// The path of `url` (an absolute URL on the app).
fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{url} is not under {}", app.base))
        .to_string()
}

async fn get_public(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
}

async fn an_account_starts_without_branding(app: TestApp) {
    let reply = app.get("/v1/account").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json["branding"],
        json!({"display_name": null, "primary_color": null, "logo_url": null})
    );
}
both!(an_account_starts_without_branding);

async fn each_part_is_set_and_cleared_alone(app: TestApp) {
    let named = brand(&app, json!({"display_name": "  Acme Corp "})).await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(named.json["branding"]["display_name"], "Acme Corp");

    let coloured = brand(&app, json!({"primary_color": "#0A7D5A"})).await;
    assert_eq!(coloured.status, 200, "{}", coloured.text);
    assert_eq!(coloured.json["branding"]["primary_color"], "#0a7d5a");
    assert_eq!(coloured.json["branding"]["display_name"], "Acme Corp");
    let short = brand(&app, json!({"primary_color": "#F0a"})).await;
    assert_eq!(short.json["branding"]["primary_color"], "#ff00aa");

    let logo = brand(&app, json!({"logo": data_url("image/png", PNG)})).await;
    assert_eq!(logo.status, 200, "{}", logo.text);
    let url = logo.json["branding"]["logo_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/g/assets/logos/{}", app.base, sha256_hex(PNG))
    );
    assert!(!logo.text.contains("base64"), "the bytes are never in JSON");
    assert_eq!(app.get("/v1/account").await.json, logo.json);

    // Another patch without branding keeps it.
    let renamed = app.patch("/v1/account", json!({"name": "Ops"})).await;
    assert_eq!(renamed.json["branding"], logo.json["branding"]);

    let no_name = brand(&app, json!({"display_name": null})).await;
    assert_eq!(no_name.status, 200, "{}", no_name.text);
    assert_eq!(
        no_name.json["branding"],
        json!({"display_name": null, "primary_color": "#ff00aa", "logo_url": url})
    );
    let no_colour = brand(&app, json!({"primary_color": null})).await;
    assert_eq!(no_colour.json["branding"]["primary_color"], Value::Null);
    assert_eq!(no_colour.json["branding"]["logo_url"], url);
    let no_logo = brand(&app, json!({"logo": null})).await;
    assert_eq!(
        no_logo.json["branding"],
        json!({"display_name": null, "primary_color": null, "logo_url": null})
    );
    // A removed logo is no longer served.
    assert_eq!(get_public(&app, &path_of(&app, url)).await.status(), 404);

    brand(
        &app,
        json!({"display_name": "Acme", "primary_color": "#123456", "logo": data_url("image/jpeg", JPEG)}),
    )
    .await;
    let cleared = app.patch("/v1/account", json!({"branding": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(
        cleared.json["branding"],
        json!({"display_name": null, "primary_color": null, "logo_url": null})
    );
}
both!(each_part_is_set_and_cleared_alone);

async fn bad_parts_are_422s_naming_them_and_change_nothing(app: TestApp) {
    let before = brand(
        &app,
        json!({"display_name": "Acme", "primary_color": "#123456", "logo": data_url("image/png", PNG)}),
    )
    .await;
    assert_eq!(before.status, 200, "{}", before.text);

    let mut oversize = PNG.to_vec();
    oversize.resize(256 * 1024 + 1, 0);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let html = b"<!doctype html><script>alert(1)</script>";
    let gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!";
    let cases = [
        (
            json!({"logo": data_url("image/png", &oversize)}),
            "branding.logo",
        ),
        (json!({"logo": data_url("image/gif", gif)}), "branding.logo"),
        (json!({"logo": data_url("image/png", gif)}), "branding.logo"),
        (
            json!({"logo": data_url("image/svg+xml", svg)}),
            "branding.logo",
        ),
        (json!({"logo": data_url("image/png", svg)}), "branding.logo"),
        (
            json!({"logo": data_url("image/png", html)}),
            "branding.logo",
        ),
        (
            json!({"logo": data_url("image/jpeg", PNG)}),
            "branding.logo",
        ),
        (
            json!({"logo": data_url("image/png", JPEG)}),
            "branding.logo",
        ),
        (
            json!({"logo": "https://cdn.example/logo.png"}),
            "branding.logo",
        ),
        (json!({"primary_color": "blue"}), "branding.primary_color"),
        (json!({"primary_color": "#12345"}), "branding.primary_color"),
        (
            json!({"primary_color": "#123456; } body { display: none"}),
            "branding.primary_color",
        ),
        (json!({"display_name": "   "}), "branding.display_name"),
        (
            json!({"display_name": "x".repeat(101)}),
            "branding.display_name",
        ),
        (
            json!({"display_name": "Acme\u{0007}"}),
            "branding.display_name",
        ),
    ];
    for (branding, field) in cases {
        // A good part next to the bad one is not applied either.
        let mut body = json!({"name": "Changed", "branding": branding});
        if field != "branding.display_name" {
            body["branding"]["display_name"] = json!("Changed");
        }
        let reply = app.patch("/v1/account", body.clone()).await;
        assert_eq!(reply.assert_problem(422), [field], "{body}");
        assert!(!reply.text.contains("alert"), "{}", reply.text);
    }
    let after = app.get("/v1/account").await;
    assert_eq!(after.json, before.json);
}
both!(bad_parts_are_422s_naming_them_and_change_nothing);

async fn only_this_route_takes_a_large_body(app: TestApp) {
    // A logo at the limit: 256 KiB is about 342 KiB of base64, above the global 64 KiB.
    let mut big = PNG.to_vec();
    big.resize(256 * 1024, 0);
    let reply = brand(&app, json!({"logo": data_url("image/png", &big)})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let served = get_public(&app, &format!("/g/assets/logos/{}", sha256_hex(&big))).await;
    assert_eq!(served.bytes().await.unwrap().len(), big.len());

    // Beyond the route's own limit: 413.
    let huge = json!({"branding": {"display_name": "x".repeat(500 * 1024)}});
    app.patch("/v1/account", huge).await.assert_problem(413);

    // Other routes keep the global limit.
    let padded = json!({
        "connector": "sandbox",
        "connection_name": "Acme HR",
        "metadata": {"pad": "x".repeat(100 * 1024)},
    });
    app.post("/v1/invitations", padded)
        .await
        .assert_problem(413);
}
both!(only_this_route_takes_a_large_body);

async fn the_logo_is_served_by_its_hash_with_its_type(app: TestApp) {
    let reply = brand(&app, json!({"logo": data_url("image/png", PNG)})).await;
    let url = reply.json["branding"]["logo_url"]
        .as_str()
        .unwrap()
        .to_string();
    let served = get_public(&app, &path_of(&app, &url)).await;
    assert_eq!(served.status(), 200);
    let header = |name: &str| {
        served
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(
        header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header("content-security-policy"), "default-src 'none'");
    assert_eq!(served.bytes().await.unwrap(), PNG);

    let jpeg = brand(&app, json!({"logo": data_url("image/jpeg", JPEG)})).await;
    let jpeg_url = jpeg.json["branding"]["logo_url"].as_str().unwrap();
    let served = get_public(&app, &path_of(&app, jpeg_url)).await;
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    // The replaced logo is gone.
    assert_eq!(get_public(&app, &path_of(&app, &url)).await.status(), 404);

    for unknown in [
        sha256_hex(b"nothing"),
        sha256_hex(JPEG).to_uppercase(),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        "x".to_string(),
    ] {
        let reply = get_public(&app, &format!("/g/assets/logos/{unknown}")).await;
        assert_eq!(reply.status(), 404, "{unknown}");
    }
}
both!(the_logo_is_served_by_its_hash_with_its_type);

async fn colour_stylesheets_set_the_accent_and_a_readable_ink(app: TestApp) {
    let dark = get_public(&app, "/g/assets/brand/0a5d3a.css").await;
    assert_eq!(dark.status(), 200);
    assert_eq!(dark.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        dark.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(dark.headers()["x-content-type-options"], "nosniff");
    let css = dark.text().await.unwrap();
    assert!(css.contains("--accent: #0a5d3a;"), "{css}");
    assert!(css.contains("--accent-ink: #ffffff;"), "{css}");

    let pale = get_public(&app, "/g/assets/brand/ffee00.css").await;
    let css = pale.text().await.unwrap();
    assert!(css.contains("--accent-ink: #000000;"), "{css}");

    for bad in [
        "FFEE00.css",
        "ffee0.css",
        "ffee00",
        "ffee00.js",
        "zzzzzz.css",
    ] {
        let reply = get_public(&app, &format!("/g/assets/brand/{bad}")).await;
        assert_eq!(reply.status(), 404, "{bad}");
    }
    // The default look keeps its own stylesheet and no brand one.
    let style = get_public(&app, "/g/assets/style.css").await;
    assert!(style.text().await.unwrap().contains("--accent: #0b5fff"));
}
both!(colour_stylesheets_set_the_accent_and_a_readable_ink);

async fn another_accounts_patch_leaves_this_one_alone(app: TestApp) {
    brand(
        &app,
        json!({"display_name": "Acme", "primary_color": "#123456", "logo": data_url("image/png", PNG)}),
    )
    .await;
    let before = app.get("/v1/account").await;

    let other = app.other_account_key().await;
    let reply = Reply::read(
        app.client
            .request(Method::PATCH, format!("{}/v1/account", app.base))
            .bearer_auth(&other)
            .json(
                &json!({"branding": {"display_name": "Evil", "logo": null, "primary_color": null}}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["branding"]["display_name"], "Evil");

    assert_eq!(app.get("/v1/account").await.json, before.json);
    // Its logo is still served: the other account's removal was of its own.
    let url = before.json["branding"]["logo_url"].as_str().unwrap();
    assert_eq!(get_public(&app, &path_of(&app, url)).await.status(), 200);
}
both!(another_accounts_patch_leaves_this_one_alone);

/// Brands the app's account with a display name, a colour and the PNG logo.
async fn brand_fully(app: &TestApp, display_name: &str) {
    let reply = brand(
        app,
        json!({
            "display_name": display_name,
            "primary_color": "#0A5D3A",
            "logo": data_url("image/png", PNG),
        }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn a_guest_page_shows_the_display_name_logo_and_colour(app: TestApp) {
    brand_fully(&app, "Acme Corp").await;
    let created = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);
    let page = guest.get(created["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);

    assert!(
        page.text
            .contains("<h1>Acme Corp asks you to connect Sandbox</h1>"),
        "{}",
        page.text
    );
    let logo = format!("/g/assets/logos/{}", sha256_hex(PNG));
    assert!(
        page.text.contains(&format!(
            r#"<img class="brand-logo" src="{logo}" alt="Acme Corp">"#
        )),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(r#"<link rel="stylesheet" href="/g/assets/brand/0a5d3a.css">"#),
        "{}",
        page.text
    );
    // No inline style or script for it: the CSP stays as strict.
    assert!(!page.text.contains("style=\""), "{}", page.text);
    assert!(!page.text.contains("<style"), "{}", page.text);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("style-src 'self';") && csp.contains("img-src 'self';"),
        "{csp}"
    );
    // What the page names is served, from our own origin.
    assert_eq!(get_public(&app, &logo).await.status(), 200);
    assert_eq!(
        get_public(&app, "/g/assets/brand/0a5d3a.css")
            .await
            .status(),
        200
    );

    // In another language, the line is that language's.
    let german = guest.get("/g/s?lang=de").await;
    assert!(
        german
            .text
            .contains("Acme Corp bittet Sie, Sandbox zu verbinden"),
        "{}",
        german.text
    );
}
both!(a_guest_page_shows_the_display_name_logo_and_colour);

async fn the_email_step_says_who_asks_too(app: TestApp) {
    brand_fully(&app, "Acme Corp").await;
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let page = Guest::new(&app).get(created["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text
            .contains(r#"<p class="brand-asks">Acme Corp asks you to connect Sandbox</p>"#),
        "{}",
        page.text
    );
    assert!(page.text.contains(r#"name="email""#));
}
both!(the_email_step_says_who_asks_too);

async fn without_branding_the_page_looks_as_before(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let page = Guest::new(&app).get(created["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("<h1>Connect Sandbox</h1>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("brand"), "{}", page.text);

    // A colour alone changes the colours, not the words.
    brand(&app, json!({"primary_color": "#7a0019"})).await;
    let page = Guest::new(&app).get(created["url"].as_str().unwrap()).await;
    assert!(
        page.text.contains("<h1>Connect Sandbox</h1>"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("/g/assets/brand/7a0019.css"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("brand-logo"), "{}", page.text);
}
both!(without_branding_the_page_looks_as_before);

const ATTACK: &str = r#"<script>alert(1)</script>"><img src=x onerror=alert(2)>"#;

async fn a_display_name_with_markup_renders_as_text(app: TestApp) {
    brand_fully(&app, ATTACK).await;
    assert_eq!(
        app.get("/v1/account").await.json["branding"]["display_name"],
        ATTACK
    );
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"], "send_email": true}))
        .await;

    let page = Guest::new(&app).get(created["url"].as_str().unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert!(!page.text.contains("<img src=x"), "{}", page.text);
    // askama escapes with numeric references.
    assert!(
        page.text
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#62;&#60;img"),
        "{}",
        page.text
    );
    // The alt attribute cannot be closed by the name either.
    assert!(!page.text.contains(r#"alt="<script>"#), "{}", page.text);

    let mail = &app.emails_to("julia@example.com", 1).await[0];
    let html = &mail[mail.find("Content-Type: text/html").expect("an HTML part")..];
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}
both!(a_display_name_with_markup_renders_as_text);

async fn the_emailed_invitation_shows_the_display_name_and_logo(app: TestApp) {
    brand_fully(&app, "Acme Corp").await;
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"], "send_email": true}))
        .await;
    let mail = &app.emails_to("julia@example.com", 1).await[0];
    assert!(
        mail.contains("Subject: Acme Corp asks you to connect Sandbox"),
        "{mail}"
    );
    let (text, html) = mail
        .split_once("Content-Type: text/html")
        .expect("a plain and an HTML part");
    assert!(
        text.contains("Acme Corp asks you to connect Sandbox"),
        "{text}"
    );
    assert!(text.contains(created["url"].as_str().unwrap()), "{text}");
    let logo = format!("{}/g/assets/logos/{}", app.base, sha256_hex(PNG));
    assert!(
        html.contains(&format!(r#"<img src="{logo}" alt="Acme Corp""#)),
        "{html}"
    );
    assert!(html.contains("#0a5d3a"), "{html}");
    assert!(
        html.contains("Acme Corp asks you to connect Sandbox"),
        "{html}"
    );

    // Unbranded, the email is as before.
    app.patch("/v1/account", json!({"branding": null})).await;
    app.create_invitation(json!({"allowed_emails": ["ops@example.com"], "send_email": true}))
        .await;
    let plain = &app.emails_to("ops@example.com", 1).await[0];
    assert!(
        plain.contains("Subject: You are invited to connect Sandbox"),
        "{plain}"
    );
    assert!(!plain.contains("asks you"), "{plain}");
    assert!(!plain.contains("<img"), "{plain}");
}
both!(the_emailed_invitation_shows_the_display_name_and_logo);

async fn the_code_email_says_who_asks_and_still_carries_the_code(app: TestApp) {
    brand_fully(&app, "Acme Corp").await;
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(created["url"].as_str().unwrap()).await;
    let asked = guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let mail = &app.emails_to("julia@example.com", 1).await[0];
    assert!(
        mail.contains("Acme Corp asks you to connect Sandbox"),
        "{mail}"
    );
    let code = app.code_sent_to("julia@example.com", 1).await;
    let form = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(
        form.text
            .contains("<h1>Acme Corp asks you to connect Sandbox</h1>"),
        "{}",
        form.text
    );
}
both!(the_code_email_says_who_asks_and_still_carries_the_code);

async fn branding_assets_count_against_the_per_ip_budget(app: TestApp) {
    brand(&app, json!({"logo": data_url("image/png", PNG)})).await;
    let logo = format!("/g/assets/logos/{}", sha256_hex(PNG));
    for _ in 0..3 {
        assert_eq!(get_public(&app, &logo).await.status(), 200);
    }
    let refused = get_public(&app, &logo).await;
    assert_eq!(refused.status(), 429);
    let headers = refused.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "default-src 'none'");
    assert_eq!(headers["cache-control"], "no-store");
    let css = get_public(&app, "/g/assets/brand/0a5d3a.css").await;
    assert_eq!(css.status(), 429);
}
both!(branding_assets_count_against_the_per_ip_budget, |s| s
    .guest_rate_per_ip =
    3);
