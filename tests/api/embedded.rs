//! The guest pages inside an embedding app's frame: the headers that say who may frame them,
//! the framed session's cookie, and, in real Chromium, Kombo's own front-end library
//! (`@kombo-api/connect` 1.3.0 from npm, which `scripts/test` installs into
//! `target/node_modules`) opening a link from a host page on another site
//! (`http://localhost:<port>` against Portico's `http://127.0.0.1:<port>`).

use crate::both;
use crate::browser::Browser;
use crate::guest_client::{Guest, attr_after, set_cookies};
use crate::helpers::{Backend, Reply, TestApp, eventually, spawn};
use crate::kombo_sdk::{assert_kombo_error, ok, sdk};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

/// Where `scripts/test` installs the pinned library.
const KOMBO_CONNECT: &str = "target/node_modules/@kombo-api/connect";

/// The library's ES module, read from `target/node_modules`; its absence fails the test.
fn kombo_connect_module() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(KOMBO_CONNECT);
    let package = std::fs::read_to_string(root.join("package.json")).unwrap_or_else(|e| {
        panic!(
            "{KOMBO_CONNECT} is missing ({e}): scripts/test installs @kombo-api/connect@1.3.0 \
             (npm install --prefix target --no-save @kombo-api/connect@1.3.0)"
        )
    });
    let version: Value = serde_json::from_str(&package).expect("package.json");
    assert_eq!(version["version"], "1.3.0", "the pinned version");
    std::fs::read_to_string(root.join("dist/index.mjs")).expect("dist/index.mjs")
}

/// The owner's app: `/kombo?link=` opens the link with `showKomboConnect` and writes how its
/// promise ended into `#outcome`; `/plain?link=` frames the link in a bare iframe and lists
/// every message it receives in `#messages`.
struct HostSite {
    /// `http://localhost:<port>`: another site than Portico's `127.0.0.1`.
    origin: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

const KOMBO_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Owner app</title></head>
<body><h1>Owner app</h1><p>Connect your HR system.</p><p id="outcome">pending</p>
<script type="module">
import { showKomboConnect } from "/assets/kombo-connect.mjs";
const link = new URLSearchParams(location.search).get("link");
const outcome = document.getElementById("outcome");
showKomboConnect(link).then(
  (token) => { outcome.dataset.token = token; outcome.textContent = "resolved"; },
  (error) => { outcome.textContent = "rejected:" + error.name; },
);
</script></body></html>"#;

const PLAIN_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Owner app</title>
<style>body{margin:0;font-family:sans-serif} iframe{border:0;width:100%;height:80vh} pre{white-space:pre-wrap;word-break:break-all}</style></head>
<body><p>Owner app</p><iframe id="portico"></iframe><pre id="messages"></pre>
<script>
const frame = document.getElementById("portico");
const seen = [];
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  seen.push({origin: event.origin, data: event.data});
  document.getElementById("messages").textContent = JSON.stringify(seen);
});
frame.addEventListener("load", () => { document.body.dataset.loads = (Number(document.body.dataset.loads || 0) + 1).toString(); });
frame.src = new URLSearchParams(location.search).get("link");
</script></body></html>"#;

async fn host_site() -> HostSite {
    let module = kombo_connect_module();
    let router = axum::Router::new()
        .route("/kombo", axum::routing::get(|| async { Html(KOMBO_PAGE) }))
        .route("/plain", axum::routing::get(|| async { Html(PLAIN_PAGE) }))
        .route(
            "/assets/kombo-connect.mjs",
            axum::routing::get(move || async move {
                ([(header::CONTENT_TYPE, "text/javascript")], module).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the host site");
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .expect("host site");
    });
    HostSite {
        origin: format!("http://localhost:{port}"),
        _shutdown: tx,
    }
}

impl HostSite {
    fn page(&self, page: &str, link: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/{page}", self.origin)).unwrap();
        url.query_pairs_mut().append_pair("link", link);
        url.to_string()
    }
}

/// Lists `origins` as the account's embed origins.
async fn embed(app: &TestApp, origins: &[&str]) {
    let reply = app
        .patch("/v1/account", json!({ "embed_origins": origins }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn exchange(app: &TestApp, result: &str) -> Reply {
    app.post("/v1/results/exchange", json!({ "result": result }))
        .await
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

fn frame_ancestors(reply: &Reply) -> String {
    let csp = header(reply, "content-security-policy").expect("a CSP");
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors "))
        .unwrap_or_else(|| panic!("no frame-ancestors in {csp}"))
        .to_string()
}

fn script_src(reply: &Reply) -> Option<String> {
    let csp = header(reply, "content-security-policy").expect("a CSP");
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "))
        .map(str::to_string)
}

/// A GET as a frame navigation (the header Chromium sends when it loads an iframe).
async fn get_framed(guest: &mut Guest, path: &str) -> Reply {
    let request = guest
        .request(Method::GET, path)
        .header("sec-fetch-dest", "iframe");
    guest.send(request).await
}

async fn post_framed(guest: &mut Guest, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = guest.csrf.clone().expect("a page with a CSRF token");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let request = guest.form(path, &all).header("sec-fetch-dest", "iframe");
    guest.send(request).await
}

/// Pages of an account without embed origins are never framed, a frame navigation or not.
async fn without_embed_origins_pages_deny_every_frame(app: TestApp) {
    let invitation = app.create_invitation(json!({})).await;
    let mut guest = Guest::new(&app);

    let framed = get_framed(&mut guest, invitation["url"].as_str().unwrap()).await;

    assert_eq!(framed.status, 200, "{}", framed.text);
    assert_eq!(header(&framed, "x-frame-options"), Some("DENY"));
    assert_eq!(frame_ancestors(&framed), "'none'");
    assert_eq!(script_src(&framed), None, "no script on an unframed page");
    assert!(!framed.text.contains("embed.js"));
    assert!(!framed.text.contains("data-embed-origins"));
    let cookies = set_cookies(&framed);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].contains("SameSite=Strict"), "{cookies:?}");
    assert!(!cookies[0].contains("Partitioned"), "{cookies:?}");

    // Nor is a page of no known invitation, even for an account that lists origins.
    embed(&app, &["https://app.example.com"]).await;
    let unknown = get_framed(&mut Guest::new(&app), "/g/not-a-token").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(header(&unknown, "x-frame-options"), Some("DENY"));
    assert_eq!(frame_ancestors(&unknown), "'none'");
}
both!(without_embed_origins_pages_deny_every_frame);

/// With embed origins: exactly those may frame, whether or not this request is a frame; only a
/// frame navigation gets the partitioned cross-site cookie, the script and the origins.
async fn embed_origins_and_only_they_may_frame_the_pages(app: TestApp) {
    embed(&app, &["https://app.example.com", "http://localhost:3000"]).await;
    // Another account lists its own origin: it never shows up in ours.
    let other = app.other_account_key().await;
    let patched = app
        .client
        .patch(format!("{}/v1/account", app.base))
        .bearer_auth(&other)
        .json(&json!({"embed_origins": ["https://other.example.net"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let invitation = app.create_invitation(json!({})).await;
    let link = invitation["url"].as_str().unwrap();

    // A top-level visit: may be framed by them, but it is not a frame: Strict cookie, no script.
    let mut top = Guest::new(&app);
    let page = top.get(link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(header(&page, "x-frame-options"), None);
    assert_eq!(
        frame_ancestors(&page),
        "https://app.example.com http://localhost:3000"
    );
    assert_eq!(script_src(&page), None);
    assert!(!page.text.contains("embed.js"));
    let cookie = &set_cookies(&page)[0];
    assert!(
        cookie.contains("SameSite=Strict") && !cookie.contains("SameSite=None"),
        "{cookie}"
    );
    assert!(!cookie.contains("Partitioned"), "{cookie}");

    // Kombo's library adds `sdkv` to the link, inside a frame.
    let mut framed = Guest::new(&app);
    let page = get_framed(&mut framed, &format!("{link}?sdkv=1.3.0")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(r#"action="/g/s/submit""#));
    assert_eq!(header(&page, "x-frame-options"), None);
    assert_eq!(
        frame_ancestors(&page),
        "https://app.example.com http://localhost:3000"
    );
    assert_eq!(script_src(&page).as_deref(), Some("'self'"));
    assert!(
        page.text
            .contains(r#"<script src="/g/assets/embed.js" defer></script>"#)
    );
    assert_eq!(
        attr_after(&page.text, r#"data-embed-origins=""#).as_deref(),
        Some("https://app.example.com http://localhost:3000"),
        "the page names only its own account's origins"
    );
    assert!(!page.text.contains("other.example.net"));
    assert!(page.text.contains(r#"id="portico-cancel""#));
    assert!(!page.text.contains("data-activation-token"));
    let cookie = &set_cookies(&page)[0];
    assert!(
        cookie.ends_with("; SameSite=None; Secure; Partitioned"),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    // The script itself, served as JavaScript; its messages name a target, never "*".
    let script = app
        .client
        .get(format!("{}/g/assets/embed.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(script.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        frame_ancestors(
            &Reply::read(
                app.client
                    .get(format!("{}/g/assets/embed.js", app.base))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        ),
        "'none'"
    );
    let js = script.text().await.unwrap();
    assert!(js.contains("window.parent.postMessage(message, origin)"));
    for wildcard in [r#", "*")"#, ", '*')"] {
        assert!(!js.contains(wildcard), "a wildcard target in embed.js");
    }
}
both!(embed_origins_and_only_they_may_frame_the_pages);

/// A revoked link says so inside the embedding app's frame, with Cancel to close it (Kombo's
/// frame covers the whole window); for an account without embed origins it stays unframable.
async fn a_dead_link_says_so_inside_the_frame(app: TestApp) {
    embed(&app, &["http://localhost:3000"]).await;
    let revoked = app.create_invitation(json!({})).await;
    let path = format!("/v1/invitations/{}/revoke", revoked["id"].as_str().unwrap());
    assert_eq!(app.post(&path, json!({})).await.status, 200);
    let link = revoked["url"].as_str().unwrap();

    let gone = get_framed(&mut Guest::new(&app), link).await;
    assert_eq!(gone.status, 410, "{}", gone.text);
    assert_eq!(frame_ancestors(&gone), "http://localhost:3000");
    assert_eq!(header(&gone, "x-frame-options"), None);
    assert!(
        gone.text.contains(r#"id="portico-cancel""#),
        "{}",
        gone.text
    );
    assert!(gone.text.contains("embed.js"));

    let top = Guest::new(&app).get(link).await;
    assert_eq!(top.status, 410);
    assert!(
        !top.text.contains("portico-cancel"),
        "no Cancel at top level"
    );

    embed(&app, &[]).await;
    let denied = get_framed(&mut Guest::new(&app), link).await;
    assert_eq!(denied.status, 410);
    assert_eq!(header(&denied, "x-frame-options"), Some("DENY"));
    assert_eq!(frame_ancestors(&denied), "'none'");
}
both!(a_dead_link_says_so_inside_the_frame);

/// A framed submission with a `redirect_url` ends on the done page with the activation token
/// (no redirect inside the frame), and the token exchanges once; the same link opened at top
/// level still redirects with `result`.
async fn a_framed_submission_hands_over_the_activation_token_instead_of_redirecting(app: TestApp) {
    embed(&app, &["http://localhost:3000"]).await;
    let redirect = json!({"redirect_url": "https://app.example.com/done", "max_uses": 2});
    let invitation = app.create_invitation(redirect).await;
    let link = invitation["url"].as_str().unwrap();

    let mut framed = Guest::new(&app);
    get_framed(&mut framed, link).await;
    let done = post_framed(&mut framed, "/g/s/submit", &[("api_key", "sk-framed")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(header(&done, "location").is_none());
    assert_eq!(frame_ancestors(&done), "http://localhost:3000");
    let token = attr_after(&done.text, r#"data-activation-token=""#).expect("the token");
    assert!(token.len() >= 43, "{token}");
    assert!(
        !done.text.contains(r#"id="portico-cancel""#),
        "nothing to cancel"
    );
    let exchanged = exchange(&app, &token).await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.text);
    assert_eq!(exchanged.json["invitation"]["id"], invitation["id"]);
    assert_eq!(exchange(&app, &token).await.status, 404, "once");

    // Not framed: the redirect as before, and no token in any page.
    let mut top = Guest::new(&app);
    top.get(link).await;
    let redirected = top.post("/g/s/submit", &[("api_key", "sk-top")]).await;
    assert_eq!(redirected.status, 303, "{}", redirected.text);
    let location = header(&redirected, "location").unwrap();
    assert!(location.starts_with("https://app.example.com/done?"));
    assert!(location.contains("result="));
}
both!(a_framed_submission_hands_over_the_activation_token_instead_of_redirecting);

/// The host page's `#outcome` once the library's promise settled.
async fn outcome(browser: &Browser) -> String {
    browser.client.enter_parent_frame().await.ok();
    eventually("the promise of showKomboConnect settles", || async move {
        let text = browser.text("#outcome").await;
        if text == "pending" {
            Err(text)
        } else {
            Ok(text)
        }
    })
    .await
}

async fn enter_portico_frame(browser: &Browser) {
    let frame = browser.wait_for("iframe").await;
    frame.enter_frame().await.expect("into the iframe");
}

/// Kombo's library on a host page of another site opens the link in its iframe; the guest
/// fills the form inside it; the promise resolves with an activation token that
/// `POST /v1/results/exchange` accepts once.
async fn kombo_connect_resolves_with_an_activation_token_that_exchanges_once(app: TestApp) {
    let host = host_site().await;
    embed(&app, &[&host.origin]).await;
    // The link as a Kombo client makes it: create-link through Kombo's official SDK.
    let created = sdk(
        &app,
        json!([["connect", "create_connection_link", {
            "end_user_email": "it@acme.example", "end_user_organization_name": "Acme HR",
            "end_user_origin_id": "acme-1", "integration_tool": "sandbox"}]]),
    )
    .await;
    let link = ok(&created[0])["data"]["link"]
        .as_str()
        .unwrap()
        .to_string();
    let link = link.as_str();
    let mut browser = Browser::start(
        "kombo_connect_resolves_with_an_activation_token_that_exchanges_once",
        &app,
    )
    .await;

    browser.goto(&host.page("kombo", link)).await;
    enter_portico_frame(&browser).await;
    browser.wait_for("form[action='/g/s/submit']").await;
    assert_eq!(browser.text("h1").await, "Connect Sandbox");
    let cancel = browser.wait_for("#portico-cancel").await;
    assert!(
        cancel.is_displayed().await.unwrap(),
        "Cancel shows when framed"
    );
    browser.client.enter_parent_frame().await.unwrap();
    browser.screenshots("framed-form").await;

    enter_portico_frame(&browser).await;
    // A field error first: the session (its cookie) carries the guest through a POST.
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    browser.wait_for("#api_key-error").await;
    browser
        .type_into("input[name=api_key]", "sk-live-embedded")
        .await;
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    assert_eq!(outcome(&browser).await, "resolved");
    let token = browser
        .attr("#outcome", "data-token")
        .await
        .expect("the activation token");
    assert!(
        browser.client.find(Locator::Css("iframe")).await.is_err(),
        "the library removed its frame"
    );
    browser.screenshot("resolved").await;

    // The token from the library's promise, exchanged by the SDK, once.
    let exchanged = sdk(
        &app,
        json!([
            ["connect", "get_integration_by_token", {"token": token}],
            ["connect", "get_integration_by_token", {"token": token}],
        ]),
    )
    .await;
    let integration = &ok(&exchanged[0])["data"];
    assert_eq!(integration["tool"], "sandbox");
    assert_eq!(integration["end_user_origin_id"], "acme-1");
    assert_eq!(integration["end_user_organization_name"], "Acme HR");
    assert_eq!(integration["end_user_email"], "it@acme.example");
    let connection = app
        .get(&format!(
            "/v1/connections/{}",
            integration["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        connection.status, 200,
        "the integration id is the connection's"
    );
    assert_kombo_error(&exchanged[1], "PLATFORM.INTEGRATION_NOT_FOUND", 404);
    assert_eq!(
        exchange(&app, &token).await.status,
        404,
        "spent natively too"
    );
    browser.close().await;
}
both!(kombo_connect_resolves_with_an_activation_token_that_exchanges_once);

/// The Cancel control rejects the library's promise with `KomboConnectCancelledError`; and the
/// framed session's (partitioned) cookie is no session at top level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_rejects_kombo_connect_and_the_framed_session_stays_in_its_frame() {
    let app = spawn(Backend::Sqlite).await;
    let host = host_site().await;
    embed(&app, &[&host.origin]).await;
    let invitation = app.create_invitation(json!({})).await;
    let link = invitation["url"].as_str().unwrap();
    let mut browser = Browser::start(
        "cancel_rejects_kombo_connect_and_the_framed_session_stays_in_its_frame",
        &app,
    )
    .await;

    browser.goto(&host.page("kombo", link)).await;
    enter_portico_frame(&browser).await;
    browser.wait_for("form[action='/g/s/submit']").await;
    // A POST inside the frame: the framed cookie came back with it.
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    browser.wait_for("#api_key-error").await;
    browser.click_closing_frame("#portico-cancel").await;
    assert_eq!(
        outcome(&browser).await,
        "rejected:KomboConnectCancelledError"
    );
    browser.screenshot("cancelled").await;

    // The session lives in the host site's partition: Portico's own top-level page has none.
    browser.goto(&format!("{}/g/s", app.base)).await;
    browser.wait_for_text("h1", "").await;
    assert_eq!(browser.status().await, 403, "no session outside the frame");
    browser.screenshot("top-level-no-session").await;
    browser.close().await;
}

/// A bare iframe on the host page: the done page stays, its message is `{type: "success",
/// data: {activation_token}}` from Portico's origin, and the token is the page's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_done_page_posts_success_with_the_activation_token_to_its_parent() {
    let app = spawn(Backend::Sqlite).await;
    let host = host_site().await;
    embed(&app, &[&host.origin]).await;
    let invitation = app
        .create_invitation(json!({"connection_name": "Payroll"}))
        .await;
    let link = invitation["url"].as_str().unwrap();
    let mut browser = Browser::start(
        "the_done_page_posts_success_with_the_activation_token_to_its_parent",
        &app,
    )
    .await;

    browser.goto(&host.page("plain", link)).await;
    enter_portico_frame(&browser).await;
    browser.type_into("input[name=api_key]", "sk-plain").await;
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "All set").await;
    let token = browser
        .attr("body", "data-activation-token")
        .await
        .expect("the token on the done page");
    browser.client.enter_parent_frame().await.unwrap();
    let messages = eventually("the host page receives the message", || async {
        let text = browser.text("#messages").await;
        if text.is_empty() { Err(text) } else { Ok(text) }
    })
    .await;
    let messages: Value = serde_json::from_str(&messages).expect("JSON");
    let ours = url::Url::parse(&app.base)
        .unwrap()
        .origin()
        .ascii_serialization();
    assert_eq!(
        messages,
        json!([{"origin": ours, "data": {"type": "success", "data": {"activation_token": token}}}])
    );
    browser.screenshots("framed-done").await;
    assert_eq!(exchange(&app, &token).await.status, 200);
    browser.close().await;
}

/// A host page on an origin the invitation's account does not list cannot frame the link,
/// even though another account lists that origin: Chromium shows its own error in the frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_an_unlisted_origin_cannot_frame_the_link() {
    let app = spawn(Backend::Sqlite).await;
    let host = host_site().await;
    embed(&app, &["http://localhost:1"]).await;
    let other = app.other_account_key().await;
    let patched = app
        .client
        .patch(format!("{}/v1/account", app.base))
        .bearer_auth(&other)
        .json(&json!({"embed_origins": [host.origin]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let invitation = app.create_invitation(json!({})).await;
    let mut browser =
        Browser::start("a_page_on_an_unlisted_origin_cannot_frame_the_link", &app).await;

    browser
        .goto(&host.page("plain", invitation["url"].as_str().unwrap()))
        .await;
    let loads = eventually("the iframe finishes loading", || async {
        browser.attr("body", "data-loads").await
    })
    .await;
    assert_eq!(loads, "1");
    enter_portico_frame(&browser).await;
    let url: Value = browser
        .client
        .execute("return document.URL", vec![])
        .await
        .expect("the frame's URL");
    assert!(
        !url.as_str().unwrap_or_default().starts_with(&app.base),
        "the frame shows Portico's page: {url}"
    );
    assert!(
        browser.client.find(Locator::Css("form")).await.is_err(),
        "no form in the frame"
    );
    browser.client.enter_parent_frame().await.unwrap();
    browser.screenshot("blocked").await;
    browser.close().await;
}

/// The email proof inside a frame: the session that replaces the proven one keeps the framed
/// cookie, and its pages stay framable with Cancel.
async fn the_email_proof_in_a_frame_keeps_the_partitioned_cookie(app: TestApp) {
    embed(&app, &["http://localhost:3000"]).await;
    let invitation = app
        .create_invitation(json!({"allowed_emails": ["ops@example.com"]}))
        .await;
    let mut guest = Guest::new(&app);
    let asked = get_framed(&mut guest, invitation["url"].as_str().unwrap()).await;
    assert!(asked.text.contains(r#"name="email""#), "{}", asked.text);
    assert!(asked.text.contains(r#"id="portico-cancel""#));

    let code_page = post_framed(&mut guest, "/g/s/email", &[("email", "ops@example.com")]).await;
    assert_eq!(code_page.status, 200, "{}", code_page.text);
    assert_eq!(frame_ancestors(&code_page), "http://localhost:3000");
    assert!(code_page.text.contains(r#"id="portico-cancel""#));
    let code = app.code_sent_to("ops@example.com", 1).await;
    let form = post_framed(&mut guest, "/g/s/code", &[("code", &code)]).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains(r#"action="/g/s/submit""#));
    let cookies = set_cookies(&form);
    assert_eq!(cookies.len(), 1, "a new session for the proven address");
    assert!(
        cookies[0].ends_with("; SameSite=None; Secure; Partitioned"),
        "{cookies:?}"
    );
    let done = post_framed(&mut guest, "/g/s/submit", &[("api_key", "sk-proven")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("data-activation-token"));
}
both!(the_email_proof_in_a_frame_keeps_the_partitioned_cookie);
