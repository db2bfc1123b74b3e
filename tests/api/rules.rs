//! The SQL that repeats a domain rule, for atomicity or speed, checked against the rule itself
//! on both backends: the event fan-out trigger against `WebhookEndpoint::receives`.

use std::collections::BTreeSet;

use portico::crypto::WrappedKey;
use portico::domain::event::{EventType, NewEvent};
use portico::domain::webhook::WebhookEndpoint;
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, fresh_store, start_time};

fn endpoint(account_id: Uuid, event_types: &[&str], disabled: bool) -> WebhookEndpoint {
    WebhookEndpoint {
        id: Uuid::now_v7(),
        account_id,
        url: "https://hooks.example.com/portico".into(),
        event_types: event_types.iter().map(|t| t.to_string()).collect(),
        data_key: WrappedKey {
            key_id: "test".into(),
            bytes: vec![0; 8],
        },
        sealed_secret: "sealed".into(),
        sealed_previous_secret: None,
        previous_until: None,
        disabled_at: disabled.then(start_time),
        created_at: start_time(),
        format: portico::domain::webhook::WebhookFormat::Standard,
    }
}

async fn every_event_reaches_exactly_the_endpoints_that_receive_it(backend: Backend) {
    let (store, _dir) = fresh_store(backend).await;
    let now = start_time();
    let own = store.create_account("Own", None, now).await.unwrap().id;
    let other = store.create_account("Other", None, now).await.unwrap().id;
    let endpoints = [
        endpoint(own, &[], false),
        endpoint(own, &["connection.created"], false),
        endpoint(own, &["invitation.created", "invitation.fulfilled"], false),
        // A type whose name is a prefix of others' must match whole names only.
        endpoint(own, &["invitation.opened"], false),
        endpoint(own, &[], true),
        endpoint(other, &[], false),
    ];
    for e in &endpoints {
        store.create_webhook_endpoint(e).await.unwrap();
    }
    let events: Vec<NewEvent> = [own, other]
        .into_iter()
        .flat_map(|account| {
            EventType::ALL
                .iter()
                .map(move |t| NewEvent::new(account, *t, now, serde_json::json!({})))
        })
        .collect();
    store.record_events(&events).await.unwrap();

    for e in &endpoints {
        let delivered: BTreeSet<Uuid> = store
            .pending_webhook_deliveries(e.id, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event.id)
            .collect();
        let expected: BTreeSet<Uuid> = events
            .iter()
            .filter(|n| e.receives(n.account_id, &n.event.kind))
            .map(|n| n.event.id)
            .collect();
        assert_eq!(
            delivered,
            expected,
            "endpoint with filter {:?}, disabled {}",
            e.event_types,
            e.disabled_at.is_some()
        );
    }
}

both!(every_event_reaches_exactly_the_endpoints_that_receive_it);
