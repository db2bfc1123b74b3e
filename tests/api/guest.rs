//! The guest's pages over HTTP: opening a link, the session cookie, CSRF, email proof, the
//! generated form, atomic use of the invitation, reconnect, rate limits, and secrets kept out.
//! Each guest is a client without a cookie store that carries its cookie by hand.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

use crate::both;
use crate::guest_client::{COOKIE, Guest, attr_after, set_cookies};
use crate::helpers::{Backend, Reply, TestApp, id_of, spawn_with};

/// The opening tag of the first `<input>` or `<select>` named `name`.
fn control<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(r#" name="{name}""#);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let tag_end = rest[start..].find('>')? + start + 1;
        let tag = &rest[start..tag_end];
        if (tag.starts_with("<input") || tag.starts_with("<select")) && tag.contains(&needle) {
            return Some(tag);
        }
        rest = &rest[tag_end..];
    }
    None
}

fn value_of(tag: &str) -> Option<String> {
    attr_after(tag, r#" value=""#)
}

/// The page with its CSRF token and a typed value masked, to compare two pages.
fn masked(reply: &Reply, csrf: &str, typed: &str) -> String {
    reply.text.replace(csrf, "CSRF").replace(typed, "TYPED")
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn assert_html(reply: &Reply, status: u16, lang: &str) {
    assert_eq!(reply.status.as_u16(), status, "body: {}", reply.text);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert!(
        reply.text.contains(&format!(r#"<html lang="{lang}">"#)),
        "not a {lang} page: {}",
        reply.text
    );
}

/// The security headers every guest response carries.
fn assert_guest_headers(reply: &Reply) {
    let what = format!("{} response", reply.status);
    assert_eq!(header(reply, "cache-control"), "no-store", "{what}");
    assert_eq!(header(reply, "referrer-policy"), "no-referrer", "{what}");
    let csp = header(reply, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
}

fn url_of(invitation: &Value) -> String {
    invitation["url"].as_str().unwrap().to_string()
}

fn token_of(invitation: &Value) -> String {
    invitation["token"].as_str().unwrap().to_string()
}

async fn invitation(app: &TestApp, created: &Value) -> Value {
    let reply = app
        .get(&format!("/v1/invitations/{}", id_of(created)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

async fn connections(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/v1/connections?limit=100").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

async fn events(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/v1/events?limit=100").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().clone()
}

async fn count_events(app: &TestApp, kind: &str) -> usize {
    events(app)
        .await
        .iter()
        .filter(|e| e["type"] == kind)
        .count()
}

/// Every `.eml` file in the mailbox, raw.
fn mailbox_files(app: &TestApp) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(app.mailbox()) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// A code that is surely not `code`.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Opens `url` as a new guest and submits the sandbox form with `api_key`.
async fn finish(app: &TestApp, url: &str, api_key: &str) -> (Guest, Reply) {
    let mut guest = Guest::new(app);
    let page = guest.get(url).await;
    assert_html(&page, 200, "en");
    let done = guest.post("/g/s/submit", &[("api_key", api_key)]).await;
    (guest, done)
}

/// Asks for a code for `email` and types it; the `nth` email to that address carries it.
async fn prove(app: &TestApp, guest: &mut Guest, email: &str, nth: usize) -> Reply {
    let asked = guest.post("/g/s/email", &[("email", email)]).await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let code = app.code_sent_to(email, nth).await;
    guest.post("/g/s/code", &[("code", &code)]).await
}

fn postgres_invitation() -> Value {
    json!({
        "connector": "postgres",
        "direction": "source",
        "connection_name": "Warehouse",
        "prefill": {"host": "db.example.com", "port": 5433, "ssl_mode": "require"},
        "locked_fields": ["host"]
    })
}

// ---------------------------------------------------------------------------------------------
// Opening a link

async fn an_unknown_link_is_a_404_page(app: TestApp) {
    let mut guest = Guest::new(&app);
    let reply = guest
        .get("/g/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_html(&reply, 404, "en");
    assert!(reply.text.contains("This link does not exist"));
    assert!(set_cookies(&reply).is_empty(), "no session for no link");
    assert_guest_headers(&reply);
    let head = Reply::read(
        guest
            .request(Method::HEAD, "/g/not-a-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(head.status, 404);
}
both!(an_unknown_link_is_a_404_page);

async fn expired_revoked_and_fulfilled_links_are_410_pages_in_the_invitation_language(
    app: TestApp,
) {
    let expiring = app
        .create_invitation(json!({"language": "de", "expires_in_seconds": 60}))
        .await;
    let revoked = app.create_invitation(json!({"language": "de"})).await;
    let used = app.create_invitation(json!({"language": "de"})).await;

    let mut guest = Guest::new(&app);
    let page = guest.get(&url_of(&used)).await;
    assert_html(&page, 200, "de");
    let done = guest.post("/g/s/submit", &[("api_key", "k-1")]).await;
    assert_html(&done, 200, "de");
    assert!(done.text.contains("Fertig"), "{}", done.text);

    let reply = app
        .post(
            &format!("/v1/invitations/{}/revoke", id_of(&revoked)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);
    app.clock.advance(Duration::seconds(60));

    for (created, says) in [
        (&expiring, "Der Link ist abgelaufen."),
        (&revoked, "Der Absender hat den Link zurückgezogen."),
        (&used, "Der Link wurde bereits verwendet."),
    ] {
        let reply = Guest::new(&app).get(&url_of(created)).await;
        assert_html(&reply, 410, "de");
        assert!(
            reply
                .text
                .contains("Dieser Link kann nicht mehr verwendet werden"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains(says), "{says} missing: {}", reply.text);
        for other in [
            "Der Link ist abgelaufen.",
            "Der Absender hat den Link zurückgezogen.",
            "Der Link wurde bereits verwendet.",
        ] {
            assert!(other == says || !reply.text.contains(other));
        }
        assert!(set_cookies(&reply).is_empty());
        assert_guest_headers(&reply);
        let head = Reply::read(
            Guest::new(&app)
                .request(Method::HEAD, &url_of(created))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(head.status, 410);
    }
    assert_eq!(invitation(&app, &expiring).await["status"], "expired");
    assert_eq!(invitation(&app, &revoked).await["status"], "revoked");
    assert_eq!(invitation(&app, &used).await["status"], "fulfilled");
}
both!(expired_revoked_and_fulfilled_links_are_410_pages_in_the_invitation_language);

async fn opening_a_link_twenty_times_never_uses_it_up(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let url = url_of(&created);
    for _ in 0..20 {
        let scanner = Guest::new(&app);
        let head = Reply::read(scanner.request(Method::HEAD, &url).send().await.unwrap()).await;
        assert_eq!(head.status, 200);
        assert!(head.text.is_empty());
        assert!(set_cookies(&head).is_empty(), "HEAD opens no session");
        assert_guest_headers(&head);
        let page = Guest::new(&app).get(&url).await;
        assert_html(&page, 200, "en");
        assert!(control(&page.text, "api_key").is_some());
    }
    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 0);
    assert_eq!(read["status"], "active");
    assert_eq!(read["created_connections"], json!([]));
    assert!(connections(&app).await.is_empty());

    // One guest opening twice keeps its session.
    let mut guest = Guest::new(&app);
    let first = guest.get(&url).await;
    assert_eq!(set_cookies(&first).len(), 1);
    let cookie = guest.cookie.clone().unwrap();
    let csrf = guest.csrf.clone().unwrap();
    let again = guest.get(&url).await;
    assert_eq!(again.status, 200);
    assert!(set_cookies(&again).is_empty(), "the session is reused");
    assert_eq!(guest.cookie.as_deref(), Some(cookie.as_str()));
    assert_eq!(guest.csrf.as_deref(), Some(csrf.as_str()), "same session");
    let step = guest.get("/g/s").await;
    assert_eq!(step.status, 200);
    assert!(control(&step.text, "api_key").is_some());

    assert_eq!(
        app.event_types().await,
        vec!["invitation.created", "invitation.opened"],
        "opened once however often the link is opened"
    );
    assert_eq!(invitation(&app, &created).await["use_count"], 0);
}
both!(opening_a_link_twenty_times_never_uses_it_up);

async fn the_token_is_swapped_for_a_cookie_and_never_shown(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let token = token_of(&created);
    let mut guest = Guest::new(&app);
    let mut pages = vec![guest.get(&url_of(&created)).await];
    let cookie = guest.cookie.clone().expect("a session cookie");
    assert_ne!(cookie, token);
    assert!(!cookie.contains(&token) && !token.contains(&cookie));
    assert!(cookie.len() >= 43, "a random value of 256 bits: {cookie}");
    pages.push(guest.get("/g/s?lang=fr").await);
    pages.push(prove(&app, &mut guest, "julia@example.com", 1).await);
    pages.push(guest.post("/g/s/submit", &[("api_key", "k")]).await);
    for page in &pages {
        assert!(!page.text.contains(&token), "the token in a page");
        for (name, value) in &page.headers {
            assert!(
                !value.to_str().unwrap_or("").contains(&token),
                "the token in {name}"
            );
        }
    }
    assert!(
        mailbox_files(&app)
            .iter()
            .all(|m| !m.contains(&token) && !m.contains(&cookie))
    );
    let events = app.get("/v1/events?limit=100").await;
    assert!(!events.text.contains(&token) && !events.text.contains(&cookie));
}
both!(the_token_is_swapped_for_a_cookie_and_never_shown);

async fn the_session_cookie_is_httponly_strict_and_site_wide(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let page = Guest::new(&app).get(&url_of(&created)).await;
    let cookies = set_cookies(&page);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let attributes: Vec<String> = cookies[0]
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(cookies[0].starts_with(&format!("{COOKIE}=")));
    for wanted in ["httponly", "samesite=strict", "path=/", "max-age=3600"] {
        assert!(
            attributes.iter().any(|a| a == wanted),
            "{wanted} missing: {cookies:?}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "host-only: {cookies:?}"
    );
}
both!(the_session_cookie_is_httponly_strict_and_site_wide);

async fn every_guest_response_carries_the_security_headers(app: TestApp) {
    let mut replies = Vec::new();
    let plain = app.create_invitation(json!({})).await;
    let with_email = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let redirecting = app
        .create_invitation(json!({"redirect_url": "https://app.example.com/done"}))
        .await;

    let mut guest = Guest::new(&app);
    replies.push(guest.get(&url_of(&plain)).await); // 200 form
    replies.push(guest.post("/g/s/submit", &[("api_key", "")]).await); // 422
    replies.push(guest.post("/g/s/submit", &[("api_key", "invalid")]).await); // 422 check
    let forged = guest.form("/g/s/submit", &[("api_key", "k")]);
    replies.push(guest.send(forged).await); // 403 without csrf
    replies.push(guest.post("/g/s/submit", &[("api_key", "k")]).await); // 200 done
    replies.push(guest.get(&url_of(&plain)).await); // 410
    replies.push(guest.get("/g/s").await); // 410 for the session
    replies.push(Guest::new(&app).get("/g/nope").await); // 404
    replies.push(Guest::new(&app).get("/g/s").await); // 403 no session

    let mut guest = Guest::new(&app);
    replies.push(guest.get(&url_of(&with_email)).await); // 200 email page
    replies.push(guest.post("/g/s/email", &[("email", "nope")]).await); // 422
    replies.push(
        guest
            .post("/g/s/email", &[("email", "julia@example.com")])
            .await,
    ); // 200 code page
    replies.push(
        guest
            .post("/g/s/email", &[("email", "julia@example.com")])
            .await,
    ); // 429
    replies.push(guest.post("/g/s/code", &[("code", "000000")]).await); // 422 (200 once in a million)

    let mut guest = Guest::new(&app);
    let form = guest.get(&url_of(&redirecting)).await;
    // The form of a redirecting invitation may post to us and end at the redirect's origin.
    let form_csp = header(&form, "content-security-policy");
    assert!(
        form_csp.contains("form-action 'self' https://app.example.com;"),
        "{form_csp}"
    );
    replies.push(form);
    replies.push(guest.post("/g/s/submit", &[("api_key", "k")]).await); // 303

    replies.push(Guest::new(&app).get("/g/assets/style.css").await);

    let statuses: std::collections::BTreeSet<u16> =
        replies.iter().map(|r| r.status.as_u16()).collect();
    for wanted in [200, 303, 403, 404, 410, 422, 429] {
        assert!(statuses.contains(&wanted), "no {wanted} in {statuses:?}");
    }
    for reply in &replies {
        assert_guest_headers(reply);
        assert_eq!(header(reply, "x-content-type-options"), "nosniff");
    }
    for reply in replies.iter().filter(|r| r.status != StatusCode::SEE_OTHER) {
        if reply.content_type().starts_with("text/html") {
            assert!(
                !reply.text.contains("<script"),
                "no scripts: {}",
                reply.text
            );
            assert!(!reply.text.contains(" style="), "no inline styles");
        }
    }
}
both!(every_guest_response_carries_the_security_headers);

// ---------------------------------------------------------------------------------------------
// CSRF, Origin, cookie

async fn posts_without_a_valid_csrf_token_origin_or_cookie_are_403(app: TestApp) {
    let created = app.create_invitation(json!({"max_uses": 2})).await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let mut other = Guest::new(&app);
    other.get(&url_of(&created)).await;
    let ours = guest.csrf.clone().unwrap();
    let theirs = other.csrf.clone().unwrap();
    assert_ne!(ours, theirs, "a token per session");

    let refused = [
        // No token at all.
        guest.form("/g/s/submit", &[("api_key", "k")]),
        // An empty one, and garbage.
        guest.form("/g/s/submit", &[("csrf", ""), ("api_key", "k")]),
        guest.form("/g/s/submit", &[("csrf", "not-base64!"), ("api_key", "k")]),
        // Another session's token.
        guest.form("/g/s/submit", &[("csrf", &theirs), ("api_key", "k")]),
        // Our token from a foreign origin.
        guest
            .form("/g/s/submit", &[("csrf", &ours), ("api_key", "k")])
            .header("origin", "https://evil.example"),
        // Our token without the cookie.
        Guest::new(&app).form("/g/s/submit", &[("csrf", &ours), ("api_key", "k")]),
        // A made-up cookie with a token that matches it.
        {
            let mut forger = Guest::new(&app);
            forger.cookie = Some("made-up-session".into());
            forger.form("/g/s/submit", &[("csrf", &ours), ("api_key", "k")])
        },
    ];
    for request in refused {
        let reply = Reply::read(request.send().await.unwrap()).await;
        assert_html(&reply, 403, "en");
        assert_guest_headers(&reply);
    }
    // The same for the email and code steps.
    for path in ["/g/s/email", "/g/s/code"] {
        let reply = Reply::read(
            guest
                .form(path, &[("csrf", &theirs), ("email", "a@b.co")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 403, "{path}");
    }
    assert!(connections(&app).await.is_empty());
    assert_eq!(invitation(&app, &created).await["use_count"], 0);

    // The page's own token, from our own origin (or with `Origin: null`), works.
    let ok = Reply::read(
        guest
            .form("/g/s/submit", &[("csrf", &ours), ("api_key", "k")])
            .header("origin", app.base.as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let ok = Reply::read(
        other
            .form("/g/s/submit", &[("csrf", &theirs), ("api_key", "k")])
            .header("origin", "null")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(connections(&app).await.len(), 2);
}
both!(posts_without_a_valid_csrf_token_origin_or_cookie_are_403);

async fn a_guest_session_opens_nothing_else(app: TestApp) {
    let first = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let second = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&first)).await;
    let proven = prove(&app, &mut guest, "julia@example.com", 1).await;
    assert!(
        control(&proven.text, "api_key").is_some(),
        "{}",
        proven.text
    );
    let cookie = guest.cookie.clone().unwrap();

    // The other link: a new session that must prove the address again.
    let page = guest.get(&url_of(&second)).await;
    assert_eq!(page.status, 200);
    assert!(set_cookies(&page).len() == 1, "a session of its own");
    assert_ne!(guest.cookie.as_deref(), Some(cookie.as_str()));
    assert!(control(&page.text, "email").is_some());
    assert!(control(&page.text, "api_key").is_none());
    let refused = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(refused.status, 403);

    // The cookie is no key to the API.
    let api = Reply::read(
        guest
            .client
            .get(format!("{}/v1/invitations", app.base))
            .header("cookie", format!("{COOKIE}={cookie}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(api.status, 401);
    assert!(connections(&app).await.is_empty());
}
both!(a_guest_session_opens_nothing_else);

async fn a_session_ends_after_one_hour(app: TestApp) {
    let created = app
        .create_invitation(json!({"expires_in_seconds": null}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    app.clock.advance(Duration::minutes(59));
    assert_eq!(guest.get("/g/s").await.status, 200);
    app.clock.advance(Duration::minutes(1));
    let ended = guest.get("/g/s").await;
    assert_html(&ended, 403, "en");
    assert!(ended.text.contains("Your session has ended"));
    let refused = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(refused.status, 403);
    assert!(connections(&app).await.is_empty());
    // The link itself still works: a new session.
    let again = guest.get(&url_of(&created)).await;
    assert_eq!(again.status, 200);
    assert_eq!(set_cookies(&again).len(), 1);
    let done = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
}
both!(a_session_ends_after_one_hour);

async fn the_language_switcher_changes_every_page(app: TestApp) {
    let created = app.create_invitation(json!({"language": "de"})).await;
    let mut guest = Guest::new(&app);
    let page = guest.get(&url_of(&created)).await;
    assert_html(&page, 200, "de");
    assert!(page.text.contains("API-Schlüssel"));
    for (code, name) in [
        ("en", "English"),
        ("fr", "Français"),
        ("it", "Italiano"),
        ("es", "Español"),
    ] {
        assert!(
            page.text.contains(&format!(
                r#"<a href="?lang={code}" lang="{code}" hreflang="{code}">{name}</a>"#
            )),
            "a link to {code}: {}",
            page.text
        );
    }
    assert!(
        page.text
            .contains(r#"<span aria-current="true" lang="de">Deutsch</span>"#)
    );
    let french = guest.get("/g/s?lang=fr").await;
    assert_html(&french, 200, "fr");
    assert!(french.text.contains("Clé d&#39;API") || french.text.contains("Clé d'API"));
    // The choice sticks to the session, errors included.
    let error = guest.post("/g/s/submit", &[("api_key", "")]).await;
    assert_html(&error, 422, "fr");
    let unknown = guest.get("/g/s?lang=pt").await;
    assert_html(&unknown, 200, "en");
}
both!(the_language_switcher_changes_every_page);

// ---------------------------------------------------------------------------------------------
// Email proof

async fn a_code_goes_only_to_a_listed_address_and_the_page_reveals_nothing(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["Julia@Example.com"]}))
        .await;
    let url = url_of(&created);

    let mut stranger = Guest::new(&app);
    let first = stranger.get(&url).await;
    assert_html(&first, 200, "en");
    assert!(control(&first.text, "email").is_some());
    assert!(control(&first.text, "api_key").is_none(), "no form yet");
    let refused = stranger
        .post("/g/s/email", &[("email", "mallory@example.com")])
        .await;
    let stranger_csrf = stranger.csrf.clone().unwrap();

    let mut julia = Guest::new(&app);
    julia.get(&url).await;
    let sent = julia
        .post("/g/s/email", &[("email", "julia@EXAMPLE.com")])
        .await;
    let julia_csrf = julia.csrf.clone().unwrap();

    assert_eq!(refused.status, sent.status);
    assert_eq!(sent.status, 200);
    assert_eq!(
        masked(&refused, &stranger_csrf, "mallory@example.com"),
        masked(&sent, &julia_csrf, "julia@EXAMPLE.com"),
        "the same page whether the address is listed or not"
    );
    assert!(control(&sent.text, "code").is_some());

    let code = app.code_sent_to("julia@example.com", 1).await;
    assert_eq!(code.len(), 6);
    assert!(
        mailbox_files(&app)
            .iter()
            .all(|m| !m.to_lowercase().contains("mallory")),
        "no email for an address that is not listed"
    );
    assert_eq!(mailbox_files(&app).len(), 1);

    // The stranger's code page takes no code at all.
    for guess in [code.as_str(), "000000", "123456"] {
        let reply = stranger.post("/g/s/code", &[("code", guess)]).await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert!(control(&reply.text, "api_key").is_none());
    }
    let proven = julia.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(control(&proven.text, "api_key").is_some(), "the form");
    let verified: Vec<Value> = events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "invitation.email_verified")
        .collect();
    assert_eq!(verified.len(), 1);
    assert_eq!(
        verified[0]["data"]["email"], "Julia@Example.com",
        "recorded as the owner listed it"
    );
    assert_eq!(verified[0]["data"]["id"], created["id"]);
}
both!(a_code_goes_only_to_a_listed_address_and_the_page_reveals_nothing);

async fn an_invalid_address_is_asked_again(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let reply = guest
        .post("/g/s/email", &[("email", "not an <b>address</b>")])
        .await;
    assert_html(&reply, 422, "en");
    assert!(reply.text.contains("Enter a valid email address."));
    let typed = value_of(control(&reply.text, "email").unwrap()).unwrap();
    assert!(
        typed.starts_with("not an &") && typed.contains("address"),
        "the typed value comes back, escaped: {typed}"
    );
    assert!(!reply.text.contains("<b>"), "escaped");
    assert!(mailbox_files(&app).is_empty());
}
both!(an_invalid_address_is_asked_again);

async fn five_wrong_codes_lock_the_code_even_for_the_right_one(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    let code = app.code_sent_to("julia@example.com", 1).await;
    let bad = wrong(&code);
    for left in (0..5).rev() {
        let reply = guest.post("/g/s/code", &[("code", &bad)]).await;
        assert_html(&reply, 422, "en");
        let says = match left {
            0 => "No tries are left".to_string(),
            1 => "One try left".to_string(),
            n => format!("{n} tries left"),
        };
        assert!(reply.text.contains(&says), "{says}: {}", reply.text);
    }
    let locked = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_html(&locked, 422, "en");
    assert!(
        locked.text.contains("Too many wrong tries"),
        "{}",
        locked.text
    );
    assert!(control(&locked.text, "api_key").is_none());
    assert_eq!(
        guest.post("/g/s/submit", &[("api_key", "k")]).await.status,
        403
    );
    assert_eq!(count_events(&app, "invitation.email_verified").await, 0);

    // A new code (after the resend wait) works.
    app.clock.advance(Duration::seconds(60));
    let proven = prove(&app, &mut guest, "julia@example.com", 2).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(control(&proven.text, "api_key").is_some());
}
both!(five_wrong_codes_lock_the_code_even_for_the_right_one);

async fn twenty_concurrent_wrong_codes_are_all_counted(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    let code = app.code_sent_to("julia@example.com", 1).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for i in 0..20u32 {
        let mut guest = guest.clone();
        let barrier = barrier.clone();
        let guess = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            guest.post("/g/s/code", &[("code", &guess)]).await
        }));
    }
    let mut judged = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 422, "{}", reply.text);
        if reply.text.contains("This code is not right") {
            judged += 1;
        } else {
            assert!(
                reply.text.contains("Too many wrong tries"),
                "{}",
                reply.text
            );
        }
    }
    assert_eq!(
        judged, 5,
        "{judged} guesses were judged on one code; five tries are allowed"
    );
    let locked = guest.post("/g/s/code", &[("code", &code)]).await;
    assert!(
        locked.text.contains("Too many wrong tries"),
        "{}",
        locked.text
    );
}
both!(twenty_concurrent_wrong_codes_are_all_counted);

async fn a_code_expires_after_ten_minutes(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    let code = app.code_sent_to("julia@example.com", 1).await;
    app.clock.advance(Duration::minutes(10));
    let expired = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_html(&expired, 422, "en");
    assert!(
        expired.text.contains("This code has expired"),
        "{}",
        expired.text
    );
    assert!(control(&expired.text, "api_key").is_none());
    assert_eq!(
        guest.post("/g/s/submit", &[("api_key", "k")]).await.status,
        403
    );
}
both!(a_code_expires_after_ten_minutes);

async fn a_code_is_good_until_just_before_ten_minutes(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    let code = app.code_sent_to("julia@example.com", 1).await;
    app.clock
        .advance(Duration::minutes(10) - Duration::milliseconds(1));
    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(control(&proven.text, "api_key").is_some());
}
both!(a_code_is_good_until_just_before_ten_minutes);

async fn a_new_code_waits_sixty_seconds_and_replaces_the_old_one(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let sent = guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    assert_eq!(sent.status, 200);
    let old = app.code_sent_to("julia@example.com", 1).await;

    app.clock.advance(Duration::seconds(59));
    let too_soon = guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    assert_html(&too_soon, 429, "en");
    assert!(
        too_soon.text.contains("less than a minute ago"),
        "{}",
        too_soon.text
    );
    assert_guest_headers(&too_soon);

    app.clock.advance(Duration::seconds(1));
    let again = guest
        .post("/g/s/email", &[("email", "julia@example.com")])
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    let new = app.code_sent_to("julia@example.com", 2).await;
    assert_eq!(
        app.emails_to("julia@example.com", 2).await.len(),
        2,
        "the refused resend wrote no email"
    );
    if new != old {
        let stale = guest.post("/g/s/code", &[("code", &old)]).await;
        assert_eq!(stale.status, 422, "the old code no longer works");
        assert!(stale.text.contains("This code is not right"));
    }
    let proven = guest.post("/g/s/code", &[("code", &new)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(control(&proven.text, "api_key").is_some());
}
both!(a_new_code_waits_sixty_seconds_and_replaces_the_old_one);

async fn the_form_is_refused_until_the_email_is_proven(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com", "ops@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let early = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_html(&early, 403, "en");
    guest
        .post("/g/s/email", &[("email", "ops@example.com")])
        .await;
    let code_step = guest.get("/g/s").await;
    assert!(control(&code_step.text, "code").is_some(), "still the code");
    assert!(control(&code_step.text, "api_key").is_none());
    assert_eq!(
        guest.post("/g/s/submit", &[("api_key", "k")]).await.status,
        403
    );
    assert!(connections(&app).await.is_empty());
    assert_eq!(invitation(&app, &created).await["use_count"], 0);

    let code = app.code_sent_to("ops@example.com", 1).await;
    let form = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_html(&form, 200, "en");
    assert!(control(&form.text, "api_key").is_some());
    // Reopening the link goes straight to the form now.
    let reopened = guest.get(&url_of(&created)).await;
    assert!(control(&reopened.text, "api_key").is_some());
    let done = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(
        app.event_types().await,
        vec![
            "invitation.created",
            "invitation.opened",
            "invitation.email_verified",
            "connection.created",
            "invitation.fulfilled"
        ]
    );
}
both!(the_form_is_refused_until_the_email_is_proven);

async fn an_open_link_sends_no_code_to_anyone(app: TestApp) {
    // Without `allowed_emails` there is nothing to prove: the email step must not turn
    // Portico into a mailer for whoever holds the link.
    let created = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    guest
        .post("/g/s/email", &[("email", "victim@example.com")])
        .await;
    // A control message through the same outbox proves the worker ran.
    let control_invitation = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut julia = Guest::new(&app);
    julia.get(&url_of(&control_invitation)).await;
    prove(&app, &mut julia, "julia@example.com", 1).await;
    assert!(
        mailbox_files(&app)
            .iter()
            .all(|m| !m.to_lowercase().contains("victim@example.com")),
        "a code was mailed to an address nobody listed"
    );
    // The form is still there and works.
    let done = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
}
both!(an_open_link_sends_no_code_to_anyone);

// ---------------------------------------------------------------------------------------------
// The form

async fn the_form_names_inputs_after_field_keys_with_prefill_and_locks(app: TestApp) {
    let created = app.create_invitation(postgres_invitation()).await;
    let mut guest = Guest::new(&app);
    let page = guest.get(&url_of(&created)).await;
    assert_html(&page, 200, "en");
    let html = &page.text;
    assert!(html.contains("Warehouse"), "the connection name");
    assert!(html.contains("Connect PostgreSQL"), "the connector name");
    for key in ["host", "port", "database", "user", "password", "ssl_mode"] {
        assert!(control(html, key).is_some(), "no input named {key}");
        assert!(
            html.contains(&format!(r#"<label for="{key}">"#)),
            "no label for {key}"
        );
    }
    let host = control(html, "host").unwrap();
    assert_eq!(value_of(host).as_deref(), Some("db.example.com"));
    assert!(host.contains(" readonly"), "locked: {host}");
    let port = control(html, "port").unwrap();
    assert_eq!(value_of(port).as_deref(), Some("5433"));
    assert!(port.contains(r#"type="number""#));
    assert!(!port.contains("readonly"));
    for key in ["database", "user"] {
        let tag = control(html, key).unwrap();
        assert_eq!(value_of(tag).as_deref(), Some(""));
        assert!(!tag.contains("readonly"));
    }
    let password = control(html, "password").unwrap();
    assert!(password.contains(r#"type="password""#), "{password}");
    assert_eq!(value_of(password).as_deref(), Some(""));
    let ssl = control(html, "ssl_mode").unwrap();
    assert!(ssl.starts_with("<select"));
    assert!(html.contains(r#"<option value="require" selected>"#));
    assert!(html.contains("Set by the sender; cannot be changed."));
    assert!(control(html, "csrf").unwrap().contains(r#"type="hidden""#));
    assert!(html.contains(r#"action="/g/s/submit""#));
}
both!(the_form_names_inputs_after_field_keys_with_prefill_and_locks);

async fn a_field_error_is_422_with_a_summary_and_never_echoes_the_secret(app: TestApp) {
    let created = app.create_invitation(postgres_invitation()).await;
    let secret = format!("pw-{}", Uuid::new_v4().simple());
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let reply = guest
        .post(
            "/g/s/submit",
            &[
                ("host", "db.example.com"),
                ("port", "five"),
                ("database", ""),
                ("user", "reader"),
                ("password", &secret),
                ("ssl_mode", "require"),
            ],
        )
        .await;
    assert_html(&reply, 422, "en");
    let html = &reply.text;
    assert!(html.contains("Please correct the following:"), "{html}");
    assert!(html.contains(r##"<a href="#port">Port: Enter a whole number.</a>"##));
    assert!(html.contains(r##"<a href="#database">Database: This field is required.</a>"##));
    assert!(html.contains(r#"<p class="error" id="port-error">Enter a whole number.</p>"#));
    assert!(html.contains(r#"<p class="error" id="database-error">This field is required.</p>"#));
    assert!(
        control(html, "port")
            .unwrap()
            .contains(r#"aria-invalid="true""#)
    );
    assert!(!control(html, "user").unwrap().contains("aria-invalid"));
    assert!(!html.contains(&secret), "the secret came back");
    assert_eq!(
        value_of(control(html, "password").unwrap()).as_deref(),
        Some("")
    );
    // What the guest typed (not secret) is kept.
    assert_eq!(
        value_of(control(html, "user").unwrap()).as_deref(),
        Some("reader")
    );
    assert_eq!(
        value_of(control(html, "port").unwrap()).as_deref(),
        Some("five")
    );
    assert!(connections(&app).await.is_empty());
    assert_eq!(invitation(&app, &created).await["use_count"], 0);

    // The same in German.
    let german = guest.get("/g/s?lang=de").await;
    assert_html(&german, 200, "de");
    let reply = guest
        .post(
            "/g/s/submit",
            &[
                ("host", "db.example.com"),
                ("port", "5432"),
                ("password", &secret),
            ],
        )
        .await;
    assert_html(&reply, 422, "de");
    assert!(!reply.text.contains(&secret));
    assert!(
        !reply.text.contains("This field is required."),
        "German messages"
    );
}
both!(a_field_error_is_422_with_a_summary_and_never_echoes_the_secret);

async fn a_changed_locked_field_is_refused_and_nothing_is_stored(app: TestApp) {
    // Sandbox has only a secret field, which cannot be prefilled or locked; the postgres form
    // is refused before its check (a real login) would run.
    let created = app.create_invitation(postgres_invitation()).await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let reply = guest
        .post(
            "/g/s/submit",
            &[
                ("host", "evil.example.com"),
                ("port", "5432"),
                ("database", "d"),
                ("user", "u"),
                ("password", "p"),
                ("ssl_mode", "disable"),
            ],
        )
        .await;
    assert_html(&reply, 422, "en");
    assert!(
        reply
            .text
            .contains("This value is set by the sender and cannot be changed."),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("evil.example.com"));
    assert_eq!(
        value_of(control(&reply.text, "host").unwrap()).as_deref(),
        Some("db.example.com")
    );
    assert!(connections(&app).await.is_empty());
    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 0);
    assert_eq!(read["status"], "active");
    assert_eq!(
        app.event_types().await,
        vec!["invitation.created", "invitation.opened"]
    );
}
both!(a_changed_locked_field_is_refused_and_nothing_is_stored);

async fn a_failing_check_is_422_and_stores_nothing(app: TestApp) {
    let created = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let reply = guest.post("/g/s/submit", &[("api_key", "invalid")]).await;
    assert_html(&reply, 422, "en");
    assert!(
        reply
            .text
            .contains("Sandbox did not accept these credentials."),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("Please correct the following:"));
    let key = control(&reply.text, "api_key").expect("the form again");
    assert!(key.contains(r#"type="password""#));
    assert_eq!(
        value_of(key).as_deref(),
        Some(""),
        "the secret is not echoed"
    );
    assert!(!reply.text.contains(r#"value="invalid""#));
    assert!(connections(&app).await.is_empty());
    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 0);
    assert_eq!(read["status"], "active");
    // The guest can fix it.
    let done = guest.post("/g/s/submit", &[("api_key", "valid")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(connections(&app).await.len(), 1);
}
both!(a_failing_check_is_422_and_stores_nothing);

// ---------------------------------------------------------------------------------------------
// Success, redirect, reconnect

async fn a_successful_submission_creates_the_connection_and_fulfills_the_invitation(app: TestApp) {
    let end_user =
        json!({"email": "julia@example.com", "organization_name": "Acme", "origin_id": "cust_42"});
    let created = app
        .create_invitation(json!({"end_user": end_user, "connection_name": "Acme HR"}))
        .await;
    let (_, done) = finish(&app, &url_of(&created), "sandbox-key-1").await;
    assert_html(&done, 200, "en");
    assert!(done.text.contains("All set"), "{}", done.text);
    assert!(done.text.contains("Acme HR"));
    assert!(!done.text.contains("sandbox-key-1"));

    let list = connections(&app).await;
    assert_eq!(list.len(), 1);
    let connection = &list[0];
    assert_eq!(connection["invitation_id"], created["id"]);
    assert_eq!(connection["end_user"], end_user);
    assert_eq!(connection["name"], "Acme HR");
    assert_eq!(connection["connector"], "sandbox");
    assert_eq!(connection["secret_fields"], json!(["api_key"]));
    assert_eq!(connection["last_check"]["status"], "ok");
    let credentials = app
        .get(&format!(
            "/v1/connections/{}/credentials",
            id_of(connection)
        ))
        .await;
    assert_eq!(credentials.json["config"]["api_key"], "sandbox-key-1");

    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 1);
    assert_eq!(read["status"], "fulfilled");
    let listed = read["created_connections"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], connection["id"]);
    assert_eq!(listed[0]["name"], "Acme HR");

    let all = events(&app).await;
    let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types[..4],
        [
            "invitation.created",
            "invitation.opened",
            "connection.created",
            "invitation.fulfilled"
        ]
    );
    assert_eq!(all[2]["data"]["id"], connection["id"]);
    assert_eq!(all[3]["data"]["status"], "fulfilled");
    assert_eq!(all[3]["data"]["use_count"], 1);
    assert_eq!(
        all[3]["data"]["created_connections"][0]["id"],
        connection["id"]
    );
}
both!(a_successful_submission_creates_the_connection_and_fulfills_the_invitation);

async fn a_redirect_url_gets_the_connection_id_and_status(app: TestApp) {
    let created = app
        .create_invitation(json!({"redirect_url": "https://app.example.com/done?step=3"}))
        .await;
    let (_, reply) = finish(&app, &url_of(&created), "k").await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    assert_guest_headers(&reply);
    let location = url::Url::parse(header(&reply, "location")).unwrap();
    assert_eq!(
        location.origin().ascii_serialization(),
        "https://app.example.com"
    );
    assert_eq!(location.path(), "/done");
    let query: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    let list = connections(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!(query["connection_id"], id_of(&list[0]).to_string());
    assert_eq!(query["status"], "success");
    assert_eq!(query["step"], "3", "the owner's own query is kept");
    assert!(!location.as_str().contains(&token_of(&created)));
}
both!(a_redirect_url_gets_the_connection_id_and_status);

async fn a_reconnect_replaces_the_secret_and_keeps_the_connection_id(app: TestApp) {
    let existing = app.create_connection("old-key").await;
    let id = id_of(&existing);
    let created = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": id, "connector": null, "connection_name": null}))
        .await;
    let mut guest = Guest::new(&app);
    let page = guest.get(&url_of(&created)).await;
    assert_html(&page, 200, "en");
    assert!(
        page.text.contains("Update the Sandbox credentials"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("old-key"),
        "the stored secret is not shown"
    );
    let key = control(&page.text, "api_key").unwrap();
    assert_eq!(value_of(key).as_deref(), Some(""));
    let done = guest.post("/g/s/submit", &[("api_key", "new-key")]).await;
    assert_eq!(done.status, 200, "{}", done.text);

    let list = connections(&app).await;
    assert_eq!(list.len(), 1, "no new connection");
    assert_eq!(id_of(&list[0]), id);
    let credentials = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(credentials.status, 200, "{}", credentials.text);
    assert_eq!(credentials.json["config"]["api_key"], "new-key");
    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 1);
    assert_eq!(read["status"], "fulfilled");
    let types = app.event_types().await;
    assert_eq!(
        types[..5],
        [
            "connection.created",
            "invitation.created",
            "invitation.opened",
            "connection.updated",
            "invitation.fulfilled"
        ],
        "the owner created the connection; the guest only updated it"
    );
    let updated: Vec<Value> = events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "connection.updated")
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["data"]["id"], id.to_string());
}
both!(a_reconnect_replaces_the_secret_and_keeps_the_connection_id);

async fn revoking_the_invitation_ends_an_open_session(app: TestApp) {
    let created = app.create_invitation(json!({"language": "it"})).await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    assert_eq!(guest.get("/g/s").await.status, 200);
    let revoked = app
        .post(
            &format!("/v1/invitations/{}/revoke", id_of(&created)),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200);
    let step = guest.get("/g/s").await;
    assert_html(&step, 410, "it");
    assert_guest_headers(&step);
    let submit = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(submit.status, 410);
    assert!(connections(&app).await.is_empty());
    assert_eq!(invitation(&app, &created).await["use_count"], 0);
}
both!(revoking_the_invitation_ends_an_open_session);

// ---------------------------------------------------------------------------------------------
// Atomic use

async fn fifty_guests_on_a_single_use_link_create_exactly_one_connection_twenty_times(
    app: TestApp,
) {
    const GUESTS: usize = 50;
    for round in 0..20 {
        let created = app
            .create_invitation(json!({"connection_name": format!("round {round}")}))
            .await;
        let url = url_of(&created);
        let mut guests = Vec::new();
        for _ in 0..GUESTS {
            let mut guest = Guest::new(&app);
            let page = guest.get(&url).await;
            assert_eq!(page.status, 200, "{}", page.text);
            guests.push(guest);
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(GUESTS));
        let tasks: Vec<_> = guests
            .into_iter()
            .enumerate()
            .map(|(i, mut guest)| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    let key = format!("key-{i}");
                    barrier.wait().await;
                    guest.post("/g/s/submit", &[("api_key", &key)]).await
                })
            })
            .collect();
        let mut won = 0;
        let mut gone = 0;
        for task in tasks {
            let reply = task.await.unwrap();
            match reply.status.as_u16() {
                200 | 303 => won += 1,
                410 => gone += 1,
                other => panic!("round {round}: {other}: {}", reply.text),
            }
        }
        assert_eq!((won, gone), (1, GUESTS - 1), "round {round}");
        let read = invitation(&app, &created).await;
        assert_eq!(read["use_count"], 1, "round {round}");
        assert_eq!(read["status"], "fulfilled");
        assert_eq!(read["created_connections"].as_array().unwrap().len(), 1);
        assert_eq!(connections(&app).await.len(), round + 1, "round {round}");
    }
    assert_eq!(count_events(&app, "invitation.fulfilled").await, 20);
    assert_eq!(count_events(&app, "connection.created").await, 20);
}
both!(fifty_guests_on_a_single_use_link_create_exactly_one_connection_twenty_times);

async fn a_three_use_link_serves_three_guests_then_is_gone(app: TestApp) {
    let created = app.create_invitation(json!({"max_uses": 3})).await;
    let url = url_of(&created);
    let mut guests = Vec::new();
    for _ in 0..4 {
        let mut guest = Guest::new(&app);
        assert_eq!(guest.get(&url).await.status, 200);
        guests.push(guest);
    }
    for (i, guest) in guests.iter_mut().take(3).enumerate() {
        let done = guest
            .post("/g/s/submit", &[("api_key", &format!("k{i}"))])
            .await;
        assert_eq!(done.status, 200, "guest {i}: {}", done.text);
        let read = invitation(&app, &created).await;
        assert_eq!(read["use_count"], i + 1);
        assert_eq!(read["status"], if i < 2 { "active" } else { "fulfilled" });
    }
    let fourth = guests[3].post("/g/s/submit", &[("api_key", "k3")]).await;
    assert_html(&fourth, 410, "en");
    assert!(fourth.text.contains("The link has already been used."));
    assert_eq!(Guest::new(&app).get(&url).await.status, 410);
    assert_eq!(connections(&app).await.len(), 3);
    let read = invitation(&app, &created).await;
    assert_eq!(read["use_count"], 3);
    assert_eq!(read["created_connections"].as_array().unwrap().len(), 3);
    assert_eq!(count_events(&app, "invitation.fulfilled").await, 1);
    assert_eq!(count_events(&app, "connection.created").await, 3);
}
both!(a_three_use_link_serves_three_guests_then_is_gone);

// ---------------------------------------------------------------------------------------------
// Rate limits

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_quick_request_from_one_address_gets_429() {
    let app = spawn_with(Backend::Sqlite, |s| s.guest_rate_per_ip = 5).await;
    let created = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);
    for i in 0..5 {
        let reply = guest.get(&url_of(&created)).await;
        assert_eq!(reply.status, 200, "request {i}");
    }
    let limited = guest.get(&url_of(&created)).await;
    assert_html(&limited, 429, "en");
    assert!(limited.text.contains("Too many requests"));
    assert_guest_headers(&limited);
    // Every guest path counts, the POSTs too.
    assert_eq!(guest.get("/g/s").await.status, 429);
    assert_eq!(
        guest.post("/g/s/submit", &[("api_key", "k")]).await.status,
        429
    );
    assert_eq!(Guest::new(&app).get("/g/unknown").await.status, 429);
    // The owner's API is not the guest's budget.
    assert_eq!(app.get("/v1/invitations").await.status, 200);
    assert!(connections(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fourth_quick_request_on_one_invitation_gets_429() {
    let app = spawn_with(Backend::Sqlite, |s| s.guest_rate_per_invitation = 3).await;
    let created = app.create_invitation(json!({})).await;
    let other = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);
    assert_eq!(guest.get(&url_of(&created)).await.status, 200);
    assert_eq!(guest.get("/g/s").await.status, 200);
    assert_eq!(Guest::new(&app).get(&url_of(&created)).await.status, 200);
    let limited = guest.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_html(&limited, 429, "en");
    assert_guest_headers(&limited);
    assert!(connections(&app).await.is_empty());
    assert_eq!(invitation(&app, &created).await["use_count"], 0);
    // Another invitation has its own budget.
    let (_, done) = finish(&app, &url_of(&other), "k").await;
    assert_eq!(done.status, 200, "{}", done.text);
}

// ---------------------------------------------------------------------------------------------
// Secrets stay in

async fn a_canary_secret_typed_in_the_form_appears_in_no_page_event_or_email(app: TestApp) {
    let canary = format!("canary-{}", Uuid::new_v4().simple());
    let mut pages: Vec<Reply> = Vec::new();

    // A field error with the canary as the password.
    let pg = app
        .create_invitation(json!({
            "connector": "postgres", "direction": "source", "connection_name": "Warehouse",
            "allowed_emails": ["julia@example.com"], "send_email": true
        }))
        .await;
    let mut guest = Guest::new(&app);
    pages.push(guest.get(&url_of(&pg)).await);
    pages.push(prove(&app, &mut guest, "julia@example.com", 2).await);
    pages.push(
        guest
            .post(
                "/g/s/submit",
                &[
                    ("host", "db.example.com"),
                    ("port", "x"),
                    ("password", &canary),
                ],
            )
            .await,
    );
    // The canary as a too long secret: the length error does not echo it either.
    pages.push(
        guest
            .post("/g/s/submit", &[("password", &canary.repeat(40))])
            .await,
    );

    // A sandbox flow that succeeds with the canary as the secret, after a failed check.
    let sandbox = app
        .create_invitation(json!({"allowed_emails": ["ops@example.com"], "send_email": true}))
        .await;
    let mut guest = Guest::new(&app);
    pages.push(guest.get(&url_of(&sandbox)).await);
    pages.push(
        guest
            .post("/g/s/email", &[("email", "ops@example.com")])
            .await,
    );
    pages.push(guest.post("/g/s/code", &[("code", &canary)]).await);
    let code = app.code_sent_to("ops@example.com", 2).await;
    pages.push(guest.post("/g/s/code", &[("code", &code)]).await);
    pages.push(guest.post("/g/s/submit", &[("api_key", "invalid")]).await);
    pages.push(guest.post("/g/s/submit", &[("api_key", &canary)]).await);
    assert_eq!(
        pages.last().unwrap().status,
        200,
        "{}",
        pages.last().unwrap().text
    );
    pages.push(guest.get(&url_of(&sandbox)).await);
    pages.push(guest.get("/g/s").await);

    for page in &pages {
        assert!(
            !page.text.contains(&canary),
            "a page with the canary: {}",
            page.text
        );
        for (name, value) in &page.headers {
            assert!(!value.to_str().unwrap_or("").contains(&canary), "{name}");
        }
    }
    let events = app.get("/v1/events?limit=100").await;
    assert_eq!(events.status, 200);
    assert!(events.text.contains("connection.created"));
    assert!(!events.text.contains(&canary), "an event with the canary");
    let invitations = app.get("/v1/invitations").await;
    assert!(!invitations.text.contains(&canary));
    let listed = connections(&app).await;
    assert!(!serde_json::to_string(&listed).unwrap().contains(&canary));
    let mail = mailbox_files(&app);
    assert!(
        mail.len() >= 4,
        "invitation and code emails: {}",
        mail.len()
    );
    for message in &mail {
        assert!(!message.contains(&canary), "an email with the canary");
        assert!(!crate::helpers::decode_quoted_printable(message).contains(&canary));
    }
    // Positive control: the canary was stored, and only the credentials endpoint returns it.
    let credentials = app
        .get(&format!(
            "/v1/connections/{}/credentials",
            id_of(&listed[0])
        ))
        .await;
    assert_eq!(credentials.json["config"]["api_key"], canary.as_str());
}
both!(a_canary_secret_typed_in_the_form_appears_in_no_page_event_or_email);

async fn ten_concurrent_code_requests_send_one_email(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": ["julia@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let mut guest = guest.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                guest
                    .post("/g/s/email", &[("email", "julia@example.com")])
                    .await
            })
        })
        .collect();
    let mut sent = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status.as_u16() {
            200 => sent += 1,
            429 => {}
            other => panic!("{other}: {}", reply.text),
        }
    }
    assert_eq!(sent, 1, "one code per minute");
    let code = app.code_sent_to("julia@example.com", 1).await;
    // A control message after them: once it is there, every earlier one is too.
    let other = app
        .create_invitation(json!({"allowed_emails": ["ops@example.com"]}))
        .await;
    let mut ops = Guest::new(&app);
    ops.get(&url_of(&other)).await;
    prove(&app, &mut ops, "ops@example.com", 1).await;
    assert_eq!(app.emails_to("julia@example.com", 1).await.len(), 1);
    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
}
both!(ten_concurrent_code_requests_send_one_email);
