//! Webhooks: every event delivered and signed per Standard Webhooks (checked by the official
//! Python library, an independent implementation), retried in order, filtered, disabled by a
//! 410, refused for private targets; and `invitation.expired` emitted once.

use chrono::Duration;
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::both;
use crate::helpers::{Reply, TestApp, eventually};

/// The Python receiver of tests/support/webhook_receiver.py, on a free loopback port.
pub struct Receiver {
    _child: Child,
    pub url: String,
    control: String,
    client: reqwest::Client,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let python = concat!(env!("CARGO_MANIFEST_DIR"), "/target/venv/bin/python");
        assert!(
            std::path::Path::new(python).exists(),
            "{python} is missing: run `bash scripts/test`, which installs standardwebhooks"
        );
        let mut child = Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/webhook_receiver.py"
            ))
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the webhook receiver");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver starts within 30 s")
            .unwrap()
            .expect("a first line");
        let port = first.strip_prefix("listening ").expect("listening PORT");
        Receiver {
            _child: child,
            url: format!("http://127.0.0.1:{port}/hook"),
            control: format!("http://127.0.0.1:{port}/_control"),
            client: reqwest::Client::new(),
        }
    }

    pub async fn control(&self, settings: Value) {
        self.client
            .post(&self.control)
            .json(&settings)
            .send()
            .await
            .unwrap();
    }

    pub async fn deliveries(&self) -> Vec<Value> {
        let url = self.control.replace("/_control", "/_deliveries");
        self.client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The deliveries once `done` holds for them.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let done = &done;
        eventually(what, || async move {
            let deliveries = self.deliveries().await;
            if done(&deliveries) {
                Ok(deliveries)
            } else {
                Err(deliveries)
            }
        })
        .await
    }
}

/// Webhooks may go to this machine's receiver.
pub const ALLOW_PRIVATE: fn(&mut portico::config::Settings) = |s| s.webhooks_allow_private = true;

/// Subscribes the receiver and tells it the secret.
async fn subscribe(app: &TestApp, receiver: &Receiver, event_types: Value) -> Value {
    let created = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": receiver.url, "event_types": event_types}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.json["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    receiver.control(json!({"secrets": [secret]})).await;
    created.json
}

fn types(deliveries: &[Value]) -> Vec<&str> {
    deliveries
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect()
}

async fn every_event_arrives_signed_and_in_order(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe(&app, &receiver, json!([])).await;
    assert_eq!(endpoint["event_types"], json!([]));
    assert!(
        app.get("/v1/webhook-endpoints")
            .await
            .text
            .find("whsec_")
            .is_none(),
        "shown once"
    );

    let invitation = app.create_invitation(json!({})).await;
    app.post(
        &format!(
            "/v1/invitations/{}/revoke",
            invitation["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    app.create_connection("k").await;
    let deliveries = receiver.wait_for("three events", |d| d.len() >= 3).await;
    assert_eq!(
        types(&deliveries),
        [
            "invitation.created",
            "invitation.revoked",
            "connection.created"
        ]
    );
    let events = app.get("/v1/events").await.json["data"].clone();
    for (delivery, event) in deliveries.iter().zip(events.as_array().unwrap()) {
        assert_eq!(
            delivery["verified"],
            json!([true]),
            "standardwebhooks verifies it"
        );
        assert_eq!(delivery["id"], event["id"], "the body is the event");
        assert_eq!(
            delivery["webhook_id"], event["id"],
            "webhook-id is the event id"
        );
    }
    let attempts = app
        .get(&format!(
            "/v1/webhook-endpoints/{}/attempts",
            endpoint["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(attempts.json["data"].as_array().unwrap().len(), 3);
    assert_eq!(attempts.json["data"][0]["status"], 200);

    let metrics = app.get("/metrics").await.text;
    for name in [
        "portico_webhook_attempts_total",
        "portico_webhook_queue_depth",
        "portico_email_queue_depth",
        "portico_webhook_delivery_latency_seconds",
    ] {
        assert!(metrics.contains(name), "{name} in /metrics");
    }
}

both!(
    every_event_arrives_signed_and_in_order,
    super::ALLOW_PRIVATE
);

async fn after_three_500s_the_event_arrives_exactly_once_more_in_order(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe(&app, &receiver, json!(["connection.created"])).await;
    receiver
        .control(json!({"fail": 3, "fail_status": 500}))
        .await;
    let first = app.create_connection("one").await;
    let second = app.create_connection("two").await;

    // Failures 1, 2 and 3 of the first event; the second waits behind it.
    for (n, wait) in [
        (1, Duration::seconds(5)),
        (2, Duration::minutes(5)),
        (3, Duration::minutes(30)),
    ] {
        receiver
            .wait_for(&format!("failure {n}"), |d| d.len() >= n)
            .await;
        assert_eq!(
            receiver.deliveries().await.len(),
            n,
            "no retry before it is due"
        );
        app.clock.advance(wait);
    }
    let deliveries = receiver.wait_for("both events", |d| d.len() >= 5).await;
    let statuses: Vec<(String, i64)> = deliveries
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["status"].as_i64().unwrap(),
            )
        })
        .collect();
    let events: Vec<Value> = app.get("/v1/events?limit=100").await.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "connection.created")
        .cloned()
        .collect();
    assert_eq!(events[0]["data"]["id"], first["id"]);
    assert_eq!(events[1]["data"]["id"], second["id"]);
    let (one, two) = (
        events[0]["id"].as_str().unwrap(),
        events[1]["id"].as_str().unwrap(),
    );
    assert_eq!(
        statuses,
        vec![
            (one.to_string(), 500),
            (one.to_string(), 500),
            (one.to_string(), 500),
            (one.to_string(), 200),
            (two.to_string(), 200),
        ],
        "in order, the first exactly once more after its failures"
    );
    // The receiver answers before the server records the attempt: wait for the fifth.
    let attempts = format!(
        "/v1/webhook-endpoints/{}/attempts",
        endpoint["id"].as_str().unwrap()
    );
    let listed: Vec<i64> = eventually("five attempts are recorded", || async {
        let listed: Vec<i64> = app.get(&attempts).await.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].as_i64().unwrap())
            .collect();
        if listed.len() == 5 {
            Ok(listed)
        } else {
            Err(listed)
        }
    })
    .await;
    assert_eq!(listed, vec![200, 200, 500, 500, 500], "newest first");
}

both!(
    after_three_500s_the_event_arrives_exactly_once_more_in_order,
    super::ALLOW_PRIVATE
);

async fn a_410_disables_the_endpoint(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe(&app, &receiver, json!([])).await;
    receiver
        .control(json!({"fail": 1, "fail_status": 410}))
        .await;
    app.create_connection("a").await;
    receiver.wait_for("the 410", |d| d.len() == 1).await;
    let path = format!("/v1/webhook-endpoints/{}", endpoint["id"].as_str().unwrap());
    let (app, path) = (&app, &path);
    eventually("the endpoint is disabled", || async move {
        !app.get(path).await.json["disabled_at"].is_null()
    })
    .await;
    app.create_connection("b").await;
    app.clock.advance(Duration::hours(1));
    // Nothing more is queued for a disabled endpoint.
    let (hooks, _) = app.portico.store.queue_depths().await.unwrap();
    assert_eq!(hooks, 0);
    assert_eq!(receiver.deliveries().await.len(), 1);
}

both!(a_410_disables_the_endpoint, super::ALLOW_PRIVATE);

async fn a_rotated_secret_signs_alongside_the_old_one_for_a_day(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe(&app, &receiver, json!([])).await;
    let old = endpoint["secret"].as_str().unwrap().to_string();
    let path = format!(
        "/v1/webhook-endpoints/{}/rotate-secret",
        endpoint["id"].as_str().unwrap()
    );
    let rotated = app.post(&path, json!({})).await;
    let new = rotated.json["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    receiver.control(json!({"secrets": [old, new]})).await;
    app.create_connection("a").await;
    let first = receiver.wait_for("one", |d| d.len() == 1).await;
    assert_eq!(
        first[0]["verified"],
        json!([true, true]),
        "both secrets verify"
    );
    app.clock.advance(Duration::hours(25));
    app.create_connection("b").await;
    let both = receiver.wait_for("two", |d| d.len() == 2).await;
    assert_eq!(
        both[1]["verified"],
        json!([false, true]),
        "only the new one after a day"
    );
}
both!(
    a_rotated_secret_signs_alongside_the_old_one_for_a_day,
    super::ALLOW_PRIVATE
);

async fn event_type_filters_and_bad_requests(app: TestApp) {
    let refused = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await;
    assert_eq!(
        refused.assert_problem(422),
        vec!["url"],
        "private targets need the option"
    );
    for url in [
        "http://localhost/hook",
        "ftp://example.com/",
        "http://[::1]/",
        "https://u:p@example.com/",
    ] {
        let reply = app.post("/v1/webhook-endpoints", json!({"url": url})).await;
        assert_eq!(reply.assert_problem(422), vec!["url"], "{url}");
    }
    let reply = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://example.com/h", "event_types": ["nope"]}),
        )
        .await;
    assert_eq!(reply.assert_problem(422), vec!["event_types[0]"]);
    let created = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "https://example.com/h", "event_types": ["connection.created", "invitation.expired"]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.json["id"].as_str().unwrap();
    let other = app.other_account_key().await;
    let foreign = Reply::read(
        app.client
            .get(format!("{}/v1/webhook-endpoints/{id}/attempts", app.base))
            .bearer_auth(other)
            .send()
            .await
            .unwrap(),
    )
    .await;
    foreign.assert_problem(404);
    assert_eq!(
        app.delete(&format!("/v1/webhook-endpoints/{id}"))
            .await
            .status,
        204
    );
    app.delete(&format!("/v1/webhook-endpoints/{id}"))
        .await
        .assert_problem(404);
}
both!(event_type_filters_and_bad_requests);

async fn a_name_resolving_to_loopback_is_refused_at_delivery(app: TestApp) {
    // This machine's own name resolves to a loopback address (from /etc/hosts); the name
    // passes the check at creation, and the resolver refuses it when delivering.
    let host = String::from_utf8(
        std::process::Command::new("hostname")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let resolved: Vec<_> = tokio::net::lookup_host((host.as_str(), 80))
        .await
        .unwrap()
        .collect();
    assert!(
        resolved.iter().any(|a| a.ip().is_loopback()),
        "{host} should resolve to loopback here: {resolved:?}"
    );
    let created = app
        .post(
            "/v1/webhook-endpoints",
            json!({"url": format!("http://{host}:9/hook")}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    app.create_connection("a").await;
    let path = format!(
        "/v1/webhook-endpoints/{}/attempts",
        created.json["id"].as_str().unwrap()
    );
    let (app, path) = (&app, &path);
    let attempt = eventually("an attempt is recorded", || async move {
        app.get(path).await.json["data"]
            .as_array()
            .and_then(|a| a.first().cloned())
    })
    .await;
    assert_eq!(attempt["status"], Value::Null);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .contains("is not reachable from Portico: 127.0.0.1 is a loopback address"),
        "{attempt}"
    );
}
both!(a_name_resolving_to_loopback_is_refused_at_delivery);

async fn an_expired_invitation_emits_its_event_once(app: TestApp) {
    let created = app
        .create_invitation(json!({"expires_in_seconds": 60}))
        .await;
    app.create_invitation(json!({"expires_in_seconds": null}))
        .await;
    app.clock.advance(Duration::seconds(61));
    let app = &app;
    eventually("invitation.expired is emitted", || async move {
        app.event_types()
            .await
            .iter()
            .any(|t| t == "invitation.expired")
    })
    .await;
    // Another pass finds nothing more to emit.
    assert_eq!(app.portico.expire_invitations().await.unwrap(), 0);
    let events = app.get("/v1/events?limit=100").await.json["data"].clone();
    let expired: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "invitation.expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["data"]["id"], created["id"]);
    assert_eq!(expired[0]["data"]["status"], "expired");
}
both!(an_expired_invitation_emits_its_event_once);

/// Two `portico serve` processes on one PostgreSQL database, one receiver.
struct TwoNodes {
    nodes: Vec<crate::cli::Served>,
    key: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TwoNodes {
    async fn start() -> TwoNodes {
        let dir = tempfile::tempdir().unwrap();
        let database_url = crate::helpers::fresh_pg_database().await;
        let command = || {
            let mut command = crate::cli::serve_command(dir.path(), Some(&database_url));
            command
                .env("PORTICO_WEBHOOKS_ALLOW_PRIVATE", "true")
                .env("PORTICO_DELIVERY_LEASE", "3");
            command
        };
        let first = crate::cli::Served::start(command()).await;
        let key = first
            .printed_key
            .clone()
            .expect("the first node prints a key");
        let second = crate::cli::Served::start(command()).await;
        assert!(second.printed_key.is_none());
        TwoNodes {
            nodes: vec![first, second],
            key,
            client: crate::cli::http(),
            _dir: dir,
        }
    }

    /// Makes `count` events (sandbox connections), alternating between the nodes that live.
    async fn make_events(&self, count: usize, live: &[usize]) {
        for i in 0..count {
            let node = &self.nodes[live[i % live.len()]];
            let reply = self
                .client
                .post(format!("{}/v1/connections", node.base))
                .bearer_auth(&self.key)
                .json(&json!({"connector": "sandbox", "name": format!("c{i}"), "config": {"api_key": "k"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 201);
        }
    }
}

/// Event ids delivered with a 200, and how often each.
fn delivered(deliveries: &[Value]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for d in deliveries.iter().filter(|d| d["status"] == 200) {
        *counts
            .entry(d["id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_500_events_once_each_and_survive_a_kill_9() {
    let mut cluster = TwoNodes::start().await;
    let receiver = Receiver::start().await;
    let created = cluster
        .client
        .post(format!("{}/v1/webhook-endpoints", cluster.nodes[0].base))
        .bearer_auth(&cluster.key)
        .json(&json!({"url": receiver.url, "event_types": ["connection.created"]}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    receiver
        .control(json!({"secrets": [created["secret"].as_str().unwrap()]}))
        .await;

    // Both nodes live: 500 events, each delivered exactly once, all verified.
    cluster.make_events(500, &[0, 1]).await;
    let deliveries = receiver
        .wait_for("500 events", |d| delivered(d).len() >= 500)
        .await;
    let counts = delivered(&deliveries);
    assert_eq!(counts.len(), 500);
    assert!(
        counts.values().all(|n| *n == 1),
        "none delivered twice while both live"
    );
    assert!(deliveries.iter().all(|d| d["verified"] == json!([true])));

    // Kill -9 one node while it delivers; every event still arrives (at least once).
    cluster.make_events(300, &[0, 1]).await;
    receiver
        .wait_for("some of the next 300", |d| delivered(d).len() >= 520)
        .await;
    cluster.nodes[0].kill_hard().await;
    cluster.make_events(200, &[1]).await;
    let deliveries = receiver
        .wait_for("all 1000 events", |d| delivered(d).len() >= 1000)
        .await;
    let counts = delivered(&deliveries);
    assert_eq!(counts.len(), 1000, "every event arrived");
    let twice = counts.values().filter(|n| **n > 1).count();
    println!(
        "two nodes: 500 events delivered once each; after kill -9: 1000 of 1000 events arrived, \
         {twice} delivered twice (the one in flight on the killed node)"
    );
    assert!(
        twice <= 1,
        "only an event in flight on the killed node may arrive twice"
    );
}

/// The console's *Retry now*, *Disable* and *Enable* are API calls too.
async fn retry_disable_and_enable_over_the_api(app: TestApp) {
    let receiver = Receiver::start().await;
    let endpoint = subscribe(&app, &receiver, json!(["connection.created"])).await;
    let id = endpoint["id"].as_str().unwrap();
    receiver
        .control(json!({"fail": 1, "fail_status": 503}))
        .await;
    app.create_connection("one").await;
    receiver
        .wait_for("the failed attempt", |d| d.len() == 1)
        .await;
    // Its retry is due in 5 s of a clock that stands still: only "retry" sends it now.
    let path = format!("/v1/webhook-endpoints/{id}/attempts");
    let (app_ref, path_ref) = (&app, &path);
    eventually("the attempt is recorded", || async move {
        app_ref.get(path_ref).await.json["data"]
            .as_array()
            .unwrap()
            .len()
            == 1
    })
    .await;
    let retried = app
        .post(&format!("/v1/webhook-endpoints/{id}/retry"), json!({}))
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(
        retried.json,
        json!({"object": "webhook_retry", "retried": 1})
    );
    let deliveries = receiver.wait_for("the retry", |d| d.len() == 2).await;
    assert_eq!(deliveries[1]["status"], 200);

    let disabled = app
        .post(&format!("/v1/webhook-endpoints/{id}/disable"), json!({}))
        .await;
    assert_eq!(disabled.status, 200);
    assert!(!disabled.json["disabled_at"].is_null());
    app.create_connection("two").await;
    let (hooks, _) = app.portico.store.queue_depths().await.unwrap();
    assert_eq!(hooks, 0, "nothing is kept for a disabled endpoint");
    let enabled = app
        .post(&format!("/v1/webhook-endpoints/{id}/enable"), json!({}))
        .await;
    assert!(enabled.json["disabled_at"].is_null());

    let unknown = uuid::Uuid::now_v7();
    for action in ["retry", "disable", "enable"] {
        let reply = app
            .post(
                &format!("/v1/webhook-endpoints/{unknown}/{action}"),
                json!({}),
            )
            .await;
        reply.assert_problem(404);
    }
}

both!(retry_disable_and_enable_over_the_api, super::ALLOW_PRIVATE);
