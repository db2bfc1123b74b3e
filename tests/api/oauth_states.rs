//! The OAuth flows under way in the store: a state is taken once, only by the session that
//! began it, only before it expires; fifty callbacks racing with one state take it once; the
//! session's row goes in with the flow; the purge drops expired flows.

use chrono::Duration;
use portico::clock::Clock;
use portico::crypto::token::random_token;
use portico::domain::guest::GuestSession;
use portico::domain::oauth::{OAuthState, STATE_TTL};
use portico::domain::values::TokenHash;
use serde_json::json;
use std::sync::Arc;

use crate::both;
use crate::helpers::{TestApp, id_of};

fn hash() -> TokenHash {
    TokenHash::of(random_token().expose().as_bytes())
}

async fn flow(app: &TestApp) -> OAuthState {
    let invitation = app.create_invitation(json!({})).await;
    let now = app.clock.now();
    OAuthState {
        state_hash: hash(),
        session_hash: hash(),
        invitation_id: id_of(&invitation),
        connector: "oauth2".into(),
        config: json!({"tenant": "acme"}).as_object().unwrap().clone(),
        code_challenge: Some("challenge".into()),
        created_at: now,
        expires_at: now + STATE_TTL,
    }
}

async fn a_state_is_taken_once_by_its_own_session_before_it_expires(app: TestApp) {
    let store = &app.portico.store;
    let started = flow(&app).await;
    let session = GuestSession::unstored(
        started.session_hash,
        started.invitation_id,
        "fr",
        started.expires_at,
    );
    store.start_oauth(&started, Some(&session)).await.unwrap();
    let now = app.clock.now();

    // Another session's callback takes nothing, and leaves the flow to its own.
    let foreign = store
        .take_oauth_state(&started.state_hash, &hash(), now)
        .await
        .unwrap();
    assert_eq!(foreign, None);
    let taken = store
        .take_oauth_state(&started.state_hash, &started.session_hash, now)
        .await
        .unwrap();
    assert_eq!(taken, Some(started.clone()));
    let replayed = store
        .take_oauth_state(&started.state_hash, &started.session_hash, now)
        .await
        .unwrap();
    assert_eq!(replayed, None, "a state is good once");
    // The session's row went in with the flow.
    let (stored, _) = store
        .get_guest_session(&started.session_hash, started.invitation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.map(|s| s.language), Some("fr".to_string()));

    // Ten minutes on, a flow is over.
    let late = flow(&app).await;
    store.start_oauth(&late, None).await.unwrap();
    let expired = store
        .take_oauth_state(&late.state_hash, &late.session_hash, late.expires_at)
        .await
        .unwrap();
    assert_eq!(expired, None);
    let purged = store
        .purge_expired(
            late.expires_at,
            late.expires_at - Duration::days(1),
            late.expires_at - Duration::days(7),
        )
        .await
        .unwrap();
    assert!(purged >= 1, "the expired flow is purged");
    let after = store
        .take_oauth_state(&late.state_hash, &late.session_hash, late.created_at)
        .await
        .unwrap();
    assert_eq!(after, None, "gone from the table");
}
both!(a_state_is_taken_once_by_its_own_session_before_it_expires);

async fn fifty_callbacks_racing_with_one_state_take_it_once(app: TestApp) {
    let started = Arc::new(flow(&app).await);
    app.portico.store.start_oauth(&started, None).await.unwrap();
    let now = app.clock.now();
    let mut racing = Vec::new();
    for _ in 0..50 {
        let (store, started) = (app.portico.store.clone(), started.clone());
        racing.push(tokio::spawn(async move {
            store
                .take_oauth_state(&started.state_hash, &started.session_hash, now)
                .await
                .unwrap()
        }));
    }
    let mut taken = 0;
    for task in racing {
        if task.await.unwrap().is_some() {
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
}
both!(fifty_callbacks_racing_with_one_state_take_it_once);
