//! What a link holder can reach: on default settings a guest's (or owner's) connection details
//! that point at Portico's own network are refused before anything connects, and a failed
//! check tells the guest a category, never the remote server's words.

use axum::Router;
use axum::routing::any;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::both;
use crate::guest_client::Guest;
use crate::helpers::{TestApp, eventually, spawn_with};

/// The default egress policy, as a fresh install has it.
const DEFAULTS: fn(&mut portico::config::Settings) = |s| s.checks_allow_private = false;

async fn defaults(backend: crate::helpers::Backend) -> TestApp {
    spawn_with(backend, DEFAULTS).await
}

fn url_of(created: &Value) -> String {
    created["url"].as_str().expect("url").to_string()
}

/// A loopback web server that counts the requests it gets and answers 200.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(any(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "secret internal data" }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/export"), hits)
}

async fn connection_count(app: &TestApp) -> usize {
    let reply = app.get("/v1/connections").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"].as_array().unwrap().len()
}

async fn use_count(app: &TestApp, created: &Value) -> i64 {
    let id = created["id"].as_str().unwrap();
    let reply = app.get(&format!("/v1/invitations/{id}")).await;
    reply.json["use_count"].as_i64().unwrap()
}

/// The field error shown next to `field` on the guest's form.
fn refused_on_field(html: &str, field: &str) -> bool {
    let Some(at) = html.find(&format!(r#"id="{field}-error""#)) else {
        return false;
    };
    html[at..]
        .split("</")
        .next()
        .is_some_and(|s| s.contains("This address is not reachable from Portico."))
}

/// A guest's submission on a new postgres invitation; the reply and the invitation.
async fn postgres_submission(
    app: &TestApp,
    host: &str,
    port: &str,
) -> (crate::helpers::Reply, Value) {
    let created = app
        .create_invitation(json!({
            "connector": "postgres", "direction": "source", "connection_name": "Warehouse"
        }))
        .await;
    let mut guest = Guest::new(app);
    guest.get(&url_of(&created)).await;
    let reply = guest
        .post(
            "/g/s/submit",
            &[
                ("host", host),
                ("port", port),
                ("database", "test"),
                ("user", "postgres"),
                ("password", "anything"),
                ("ssl_mode", "disable"),
            ],
        )
        .await;
    (reply, created)
}

async fn a_guest_cannot_log_in_to_portico_s_own_postgres(app: TestApp) {
    // This machine's PostgreSQL trusts every login from 127.0.0.1: without the policy the check
    // passes and the connection is stored.
    let (reply, created) = postgres_submission(&app, "127.0.0.1", "5432").await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(refused_on_field(&reply.text, "host"), "{}", reply.text);
    assert_eq!(connection_count(&app).await, 0, "nothing is stored");
    assert_eq!(use_count(&app, &created).await, 0, "the link is not used");
}
both!(
    a_guest_cannot_log_in_to_portico_s_own_postgres,
    super::DEFAULTS
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_ipv6_forms_of_loopback_are_refused_too() {
    let app = defaults(crate::helpers::Backend::Sqlite).await;
    for host in [
        "localhost",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "10.0.0.1",
    ] {
        let (reply, created) = postgres_submission(&app, host, "5432").await;
        assert_eq!(use_count(&app, &created).await, 0);
        assert_eq!(reply.status, 422, "{host}: {}", reply.text);
        assert!(
            refused_on_field(&reply.text, "host"),
            "{host}: {}",
            reply.text
        );
    }
    assert_eq!(connection_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_guest_succeeds_where_the_operator_allows_private_addresses() {
    // The control of the test above: the refusal is the policy's, not a broken check.
    let app = spawn_with(crate::helpers::Backend::Sqlite, |s| {
        s.checks_allow_private = false;
        s.egress_allow = "127.0.0.0/8".into();
    })
    .await;
    let (reply, _) = postgres_submission(&app, "127.0.0.1", "5432").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(connection_count(&app).await, 1);
}

async fn rexx_submission(app: &TestApp, export_url: &str) -> crate::helpers::Reply {
    let created = app
        .create_invitation(json!({"connector": "rexx", "connection_name": "HR"}))
        .await;
    let mut guest = Guest::new(app);
    guest.get(&url_of(&created)).await;
    guest
        .post(
            "/g/s/submit",
            &[("export_url", export_url), ("api_token", "tok-secret")],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_check_never_requests_an_internal_url() {
    let app = defaults(crate::helpers::Backend::Sqlite).await;
    let (internal, hits) = counting_server().await;
    let localhost = internal.replace("127.0.0.1", "localhost");
    for url in [
        internal.as_str(),
        localhost.as_str(),
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ] {
        let reply = rexx_submission(&app, url).await;
        assert_eq!(reply.status, 422, "{url}: {}", reply.text);
        assert!(
            refused_on_field(&reply.text, "export_url"),
            "{url}: {}",
            reply.text
        );
        assert!(!reply.text.contains("secret internal data"));
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no request reached the server"
    );
    assert_eq!(connection_count(&app).await, 0);

    // With private addresses allowed the same form reaches it: the count above is meaningful.
    let open = spawn_with(crate::helpers::Backend::Sqlite, |_| {}).await;
    let reply = rexx_submission(&open, &internal).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

async fn the_owner_api_follows_the_same_policy(app: TestApp) {
    let reply = app
        .post(
            "/v1/connections",
            json!({"connector": "postgres", "direction": "source", "name": "Own db", "config": {
                "host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres",
                "password": "x"
            }}),
        )
        .await;
    let fields = reply.assert_problem(422);
    assert_eq!(fields, vec!["config.host"], "{}", reply.text);
    assert!(
        reply.text.contains("not reachable from Portico"),
        "{}",
        reply.text
    );
    assert_eq!(connection_count(&app).await, 0);

    // A connection created with a public address cannot be pointed inside afterwards.
    let created = app
        .post(
            "/v1/connections",
            json!({"connector": "postgres", "direction": "source", "name": "Db", "config": {
                "host": "8.8.8.8", "port": 5432, "database": "d", "user": "u", "password": "x"
            }}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap();
    let patched = app
        .patch(
            &format!("/v1/connections/{id}"),
            json!({"config": {"host": "169.254.169.254"}}),
        )
        .await;
    assert_eq!(patched.assert_problem(422), vec!["config.host"]);
    let stored = app.get(&format!("/v1/connections/{id}")).await;
    assert_eq!(stored.json["config"]["host"], "8.8.8.8", "nothing changed");
}
both!(the_owner_api_follows_the_same_policy, super::DEFAULTS);

async fn a_failed_check_tells_the_guest_a_category_never_the_server_s_words(app: TestApp) {
    // Allowed to reach this machine's PostgreSQL (the suite's default), a database that does
    // not exist: the server's own text names it; the guest must not see that text.
    let missing = format!("portico_missing_{}", uuid::Uuid::new_v4().simple());
    let created = app
        .create_invitation(json!({
            "connector": "postgres", "direction": "source", "connection_name": "Warehouse"
        }))
        .await;
    let mut guest = Guest::new(&app);
    guest.get(&url_of(&created)).await;
    let reply = guest
        .post(
            "/g/s/submit",
            &[
                ("host", "127.0.0.1"),
                ("port", "5432"),
                ("database", &missing),
                ("user", "postgres"),
                ("password", "pw-Cat1-secret"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("PostgreSQL did not accept these credentials."),
        "{}",
        reply.text
    );
    // The database name is in the form again (the guest typed it); the server's text is not.
    for leak in [
        "does not exist",
        "SQLSTATE",
        "127.0.0.1:5432",
        "pw-Cat1-secret",
    ] {
        assert!(!reply.text.contains(leak), "the page tells {leak:?}");
    }
    // The owner gets the detail, without the secret.
    let events = app.get("/v1/events?limit=100").await;
    let failed = events.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "connection.check_failed")
        .expect("a connection.check_failed event")
        .to_string();
    assert!(failed.contains("does not exist"), "{failed}");
    assert!(!failed.contains("pw-Cat1-secret"), "{failed}");
}
both!(a_failed_check_tells_the_guest_a_category_never_the_server_s_words);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_beyond_the_concurrency_bound_is_a_busy_page_and_writes_nothing() {
    let app = spawn_with(crate::helpers::Backend::Sqlite, |s| {
        s.max_concurrent_checks = 1;
        s.check_timeout = 10;
    })
    .await;
    // A web server that accepts and never answers holds the one slot.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/export", silent.local_addr().unwrap());
    let first = {
        let created = app
            .create_invitation(json!({"connector": "rexx", "connection_name": "HR"}))
            .await;
        let mut guest = Guest::new(&app);
        guest.get(&url_of(&created)).await;
        let url = silent_url.clone();
        tokio::spawn(async move {
            guest
                .post("/g/s/submit", &[("export_url", &url), ("api_token", "t")])
                .await
        })
    };
    // Wait (bounded) until the first check has connected: the slot is taken.
    let (_held, _) = tokio::time::timeout(std::time::Duration::from_secs(10), silent.accept())
        .await
        .expect("the first check connects")
        .unwrap();

    let reply = rexx_submission(&app, "https://example.com/export").await;
    assert_eq!(reply.status, 503, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("Portico is busy checking other connections."),
        "{}",
        reply.text
    );
    assert_eq!(
        reply
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert_eq!(connection_count(&app).await, 0);
    first.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_proxy_from_the_environment_carries_a_check_or_a_webhook() {
    // A proxy named in every variable reqwest reads: it would see credentials and reach what
    // the policy refuses. It counts the connections it gets.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let proxied = Arc::new(AtomicUsize::new(0));
    let count = proxied.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = proxy.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let (vendor, vendor_hits) = counting_server().await;
    let (receiver, receiver_hits) = counting_server().await;

    let dir = tempfile::tempdir().unwrap();
    let mut command = crate::cli::serve_command(dir.path(), None);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env(name, &proxy_url);
    }
    command
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("PORTICO_CHECKS_ALLOW_PRIVATE", "true")
        .env("PORTICO_WEBHOOKS_ALLOW_PRIVATE", "true");
    let mut served = crate::cli::Served::start(command).await;
    let key = served.printed_key.clone().expect("the first key");
    let client = crate::cli::http();
    let api = |path: &str| format!("{}{path}", served.base);

    let endpoint = client
        .post(api("/v1/webhook-endpoints"))
        .bearer_auth(&key)
        .json(&json!({"url": receiver}))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), 201);
    let invitation: Value = client
        .post(api("/v1/invitations"))
        .bearer_auth(&key)
        .json(&json!({"connector": "rexx", "connection_name": "HR"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut guest = Guest {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap(),
        base: served.base.clone(),
        cookie: None,
        csrf: None,
    };
    guest.get(&url_of(&invitation)).await;
    let done = guest
        .post(
            "/g/s/submit",
            &[("export_url", &vendor), ("api_token", "tok-Px1")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(
        vendor_hits.load(Ordering::SeqCst),
        1,
        "the check went straight"
    );

    let receiver_hits = &receiver_hits;
    eventually("a webhook arrives", || async move {
        receiver_hits.load(Ordering::SeqCst) > 0
    })
    .await;
    assert_eq!(
        proxied.load(Ordering::SeqCst),
        0,
        "nothing went through the proxy"
    );
    served.stop().await;
}
