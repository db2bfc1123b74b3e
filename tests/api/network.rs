//! What a client can do to the server's sockets and to per-IP limits: request heads that never
//! finish, bodies that never arrive, forwarding headers from anyone, IPv6 address rotation.

use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, spawn_with};

/// Upper bound on waiting for the server to answer or close; never a sleep.
const BOUND: Duration = Duration::from_secs(10);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection; `None` if it is still open
/// after `BOUND`.
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_closed_after_header_read_timeout() {
    let app = spawn_with(Backend::Sqlite, |s| s.header_read_timeout = 1).await;
    let mut stream = connect(&app).await;

    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portico\r\nX-Slow: ")
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let answer = read_until_closed(&mut stream).await;

    let answer = answer.expect("the server closes a connection whose head never ends");
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(started.elapsed() < BOUND);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_too() {
    let app = spawn_with(Backend::Sqlite, |s| s.header_read_timeout = 1).await;
    let mut stream = connect(&app).await;

    let answer = read_until_closed(&mut stream).await;

    assert!(answer.is_some(), "the server closes an idle connection");
}

#[tokio::test]
async fn a_complete_request_head_is_answered_under_a_short_header_read_timeout() {
    let app = spawn_with(Backend::Sqlite, |s| s.header_read_timeout = 1).await;
    let mut stream = connect(&app).await;

    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portico\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await.expect("answered");

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // And through an ordinary client, on a kept-alive connection, twice.
    for _ in 0..2 {
        assert_eq!(app.get("/healthz").await.status, 200);
    }
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_gets_503_after_request_timeout() {
    let app = spawn_with(Backend::Sqlite, |s| s.request_timeout = 1).await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /v1/invitations HTTP/1.1\r\nHost: portico\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"connector\"",
        app.key
    );

    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream)
        .await
        .expect("the server answers and closes");

    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    let listed = app.get("/v1/invitations").await;
    assert_eq!(listed.json["data"], json!([]), "nothing was created");
}

#[tokio::test]
async fn a_check_that_outlasts_request_timeout_is_bounded_by_check_timeout_instead() {
    // A server that accepts and never answers: the check runs its full check_timeout (3 s).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let app = spawn_with(Backend::Sqlite, |s| {
        s.request_timeout = 1;
        s.check_timeout = 3;
    })
    .await;
    let created = app
        .post(
            "/v1/connections",
            json!({"connector": "toggl", "name": "Time", "config": {
                "api_token": "t0ggl-token", "base_url": format!("http://{silent_addr}"),
            }}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap();

    let reply = app
        .post(&format!("/v1/connections/{id}/check"), json!({}))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["status"], "failed");
    drop(silent);
}

/// `GET /g/assets/style.css` as if sent by `client`, through the headers a proxy would add.
async fn guest_get(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let mut request = app
        .client
        .request(Method::GET, format!("{}/g/assets/style.css", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET").status().as_u16()
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_with(Backend::Sqlite, |s| s.guest_rate_per_ip = 2).await;

    let statuses = [
        guest_get(&app, &[("x-forwarded-for", "198.51.100.1")]).await,
        guest_get(&app, &[("forwarded", "for=198.51.100.2")]).await,
        guest_get(&app, &[("x-forwarded-for", "198.51.100.3")]).await,
    ];

    assert_eq!(
        statuses,
        [200, 200, 429],
        "all three count against the peer"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_with(Backend::Sqlite, |s| {
        s.guest_rate_per_ip = 2;
        s.trusted_proxies = "127.0.0.0/8, 10.0.0.0/8".into();
    })
    .await;
    let a = [("x-forwarded-for", "198.51.100.1")];
    assert_eq!(guest_get(&app, &a).await, 200);
    assert_eq!(
        guest_get(&app, &[("forwarded", "for=198.51.100.1;proto=https")]).await,
        200
    );

    // A forged leftmost hop does not buy a new budget: the walk starts from the right.
    let forged = [("x-forwarded-for", "203.0.113.77, 198.51.100.1, 10.0.0.3")];
    assert_eq!(guest_get(&app, &forged).await, 429);
    assert_eq!(guest_get(&app, &a).await, 429);
    // Another client behind the same proxy is not affected.
    assert_eq!(
        guest_get(&app, &[("x-forwarded-for", "198.51.100.2")]).await,
        200
    );
}

#[tokio::test]
async fn ipv6_clients_of_one_64_share_a_budget() {
    let app = spawn_with(Backend::Sqlite, |s| {
        s.guest_rate_per_ip = 2;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    let from = |ip: &'static str| [("forwarded", ip)];

    assert_eq!(
        guest_get(&app, &from(r#"for="[2001:db8:1:2::1]""#)).await,
        200
    );
    assert_eq!(
        guest_get(&app, &from(r#"for="[2001:db8:1:2:ffff::9]:443""#)).await,
        200
    );
    assert_eq!(
        guest_get(&app, &from(r#"for="[2001:db8:1:2::3]""#)).await,
        429
    );
    assert_eq!(
        guest_get(&app, &from(r#"for="[2001:db8:1:3::1]""#)).await,
        200
    );
    // An IPv4-mapped address is the IPv4 address.
    assert_eq!(
        guest_get(&app, &from(r#"for="[::ffff:192.0.2.9]""#)).await,
        200
    );
    assert_eq!(guest_get(&app, &from("for=192.0.2.9")).await, 200);
    assert_eq!(guest_get(&app, &from("for=192.0.2.9")).await, 429);
}

#[tokio::test]
async fn serve_refuses_a_trusted_proxies_entry_that_is_not_a_cidr_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = crate::cli::portico(dir.path());
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("PORTICO_TRUSTED_PROXIES", "10.0.0.0/8 proxy.internal");

    let ran = crate::cli::run(command).await;

    ran.assert_failed();
    assert!(
        ran.stderr.contains("PORTICO_TRUSTED_PROXIES"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("`proxy.internal`"), "{}", ran.stderr);
}
