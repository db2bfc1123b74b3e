//! Durability on SQLite (issue 14, point 1): no request is answered before its transaction is
//! on disk. Guests finish N setup pages at once on a `portico serve` process, the process is
//! killed without warning (`kill -9`) right after the last "done" page, and a new process on
//! the same data directory finds every connection and every event.

use serde_json::{Value, json};

use crate::cli::{Served, http, serve_command};
use crate::guest_client::Guest;

const GUESTS: usize = 24;

async fn api(base: &str, key: &str, path: &str) -> Value {
    let reply = http()
        .get(format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "{path}");
    reply.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_done_page_survives_a_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Served::start(serve_command(dir.path(), None)).await;
    let key = first
        .printed_key
        .clone()
        .expect("a first start prints a key");
    let client = http();
    let mut urls = Vec::new();
    for i in 0..GUESTS {
        let created: Value = client
            .post(format!("{}/v1/invitations", first.base))
            .bearer_auth(&key)
            .json(&json!({"connector": "sandbox", "connection_name": format!("c{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        urls.push(created["url"].as_str().expect("a link").to_string());
    }
    // Every guest opens the page first; then all submit at once.
    let mut guests = Vec::new();
    for url in &urls {
        let mut guest = Guest::at(&first.base);
        assert_eq!(guest.get(url).await.status, 200);
        guests.push(guest);
    }
    let tasks: Vec<_> = guests
        .into_iter()
        .enumerate()
        .map(|(i, mut guest)| {
            tokio::spawn(async move {
                guest
                    .post("/g/s/submit", &[("api_key", &format!("k-{i}"))])
                    .await
            })
        })
        .collect();
    for task in tasks {
        let page = task.await.unwrap();
        assert_eq!(page.status, 200, "{}", page.text);
    }
    first.kill_hard().await;

    let second = Served::start(serve_command(dir.path(), None)).await;
    let connections = api(&second.base, &key, "/v1/connections?limit=100").await;
    let names: std::collections::BTreeSet<String> = connections["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), GUESTS, "{connections}");
    let events = api(&second.base, &key, "/v1/events?limit=100").await;
    let created = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "connection.created")
        .count();
    assert_eq!(created, GUESTS);
    let fulfilled = api(
        &second.base,
        &key,
        "/v1/invitations?status=fulfilled&limit=100",
    )
    .await;
    assert_eq!(fulfilled["data"].as_array().unwrap().len(), GUESTS);
}
