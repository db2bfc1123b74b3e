//! The store story: the SQL that repeats the invitation's rules for atomicity (the list filter
//! by status, the conditional increment of a use, the expiry worker's query and its partial
//! index, the conditional write of a renewal request) agrees with the domain's
//! `Invitation::status`, `Invitation::can_be_used` and `Invitation::records_renewal_request`, on
//! SQLite and on PostgreSQL, edge cases included.

use chrono::{DateTime, Duration, Utc};
use portico::crypto::WrappedKey;
use portico::domain::connection::Connection;
use portico::domain::connector::Direction;
use portico::domain::event::{EventType, NewEvent};
use portico::domain::invitation::{EndUser, Invitation, InvitationKind, InvitationStatus};
use portico::domain::result::ResultCode;
use portico::domain::values::TokenHash;
use portico::store::{
    ConnectionWrite, Inserted, InvitationFilter, InvitationUse, Page, Store, Use,
};
use serde_json::{Map, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, TestApp, fresh_store, start_time};

const STATUSES: [InvitationStatus; 4] = [
    InvitationStatus::Active,
    InvitationStatus::Expired,
    InvitationStatus::Revoked,
    InvitationStatus::Fulfilled,
];

/// Every page of this story fits in one.
const ALL: Page = Page {
    limit: 100,
    before: None,
};

/// The edges of the rules at `now`: each status, and each precedence between them.
fn edge_cases(account_id: Uuid, now: DateTime<Utc>) -> Vec<(&'static str, Invitation)> {
    let hour = Duration::hours(1);
    let ms = Duration::milliseconds(1);
    let later = Some(now + hour);
    let earlier = Some(now - hour);
    [
        ("active, expires later", later, Some(1), 0, None),
        (
            "active, expires a millisecond after now",
            Some(now + ms),
            Some(1),
            0,
            None,
        ),
        ("active, no expiry, one use left", None, Some(2), 1, None),
        ("active, no max_uses", later, None, 1_000, None),
        ("active, neither expiry nor max_uses", None, None, 0, None),
        (
            "expired, expires_at exactly now",
            Some(now),
            Some(1),
            0,
            None,
        ),
        ("expired, no max_uses", earlier, None, 5, None),
        ("fulfilled, use_count == max_uses", later, Some(3), 3, None),
        ("fulfilled, no expiry", None, Some(1), 1, None),
        ("fulfilled and expired", earlier, Some(1), 1, None),
        ("revoked", later, Some(1), 0, Some(now - hour)),
        ("revoked and fulfilled", later, Some(1), 1, Some(now - hour)),
        ("revoked and expired", earlier, None, 0, Some(now - hour)),
        (
            "revoked, fulfilled and expired at now",
            Some(now),
            Some(2),
            2,
            Some(now),
        ),
    ]
    .into_iter()
    .map(|(name, expires_at, max_uses, use_count, revoked_at)| {
        let invitation = Invitation {
            id: Uuid::now_v7(),
            account_id,
            kind: InvitationKind::CreateConnection,
            connector: Some("sandbox".into()),
            category: None,
            remote_environment: None,
            direction: Direction::Source,
            connection_id: None,
            connection_name: name.into(),
            allowed_emails: vec![],
            expires_at,
            max_uses,
            use_count,
            language: "en".into(),
            prefill: Map::new(),
            locked_fields: vec![],
            end_user: EndUser::default(),
            redirect_url: None,
            send_email: false,
            metadata: Map::new(),
            created_at: now - Duration::days(1),
            revoked_at,
            opened_at: None,
            renewal_requested_at: None,
            renewed_from: None,
        };
        (name, invitation)
    })
    .collect()
}

async fn insert_all(store: &dyn Store, cases: &[(&str, Invitation)]) {
    for (name, invitation) in cases {
        let token_hash = portico::domain::values::TokenHash::of(Uuid::new_v4().as_bytes());
        let inserted = store
            .insert_invitation(invitation, &token_hash, &[], &[], None)
            .await
            .unwrap();
        assert_eq!(inserted, Inserted::Yes, "{name}");
    }
}

async fn listed(
    store: &dyn Store,
    account_id: Uuid,
    status: Option<InvitationStatus>,
    at: DateTime<Utc>,
) -> Vec<Invitation> {
    let filter = InvitationFilter {
        status,
        ..InvitationFilter::default()
    };
    store
        .list_invitations(account_id, &filter, at, ALL)
        .await
        .unwrap()
}

fn names(invitations: &[Invitation], ids: &BTreeSet<Uuid>) -> Vec<String> {
    invitations
        .iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| i.connection_name.clone())
        .collect()
}

/// For each status, the store's filter lists exactly the invitations whose domain status at
/// `at` is that one.
async fn assert_filters_agree(store: &dyn Store, account_id: Uuid, at: DateTime<Utc>) {
    let all = listed(store, account_id, None, at).await;
    for status in STATUSES {
        let expected: BTreeSet<Uuid> = all
            .iter()
            .filter(|i| i.status(at) == status)
            .map(|i| i.id)
            .collect();
        let got: BTreeSet<Uuid> = listed(store, account_id, Some(status), at)
            .await
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(
            names(&all, &got),
            names(&all, &expected),
            "listed as {} at {at}",
            status.as_str()
        );
    }
}

/// The expiry worker's query returns exactly the invitations whose domain status at `at` is
/// expired and whose expiry was not announced yet, soonest expiry first.
async fn assert_expiry_query_agrees(
    store: &dyn Store,
    account_id: Uuid,
    at: DateTime<Utc>,
    announced: &BTreeSet<Uuid>,
) {
    let all = listed(store, account_id, None, at).await;
    let expected: BTreeSet<Uuid> = all
        .iter()
        .filter(|i| i.status(at) == InvitationStatus::Expired && !announced.contains(&i.id))
        .map(|i| i.id)
        .collect();
    let due = store.invitations_to_expire(at, 100).await.unwrap();
    let got: BTreeSet<Uuid> = due.iter().map(|i| i.id).collect();
    assert_eq!(
        names(&all, &got),
        names(&all, &expected),
        "due to expire at {at}"
    );
    assert!(
        due.windows(2)
            .all(|w| (w[0].expires_at, w[0].id) <= (w[1].expires_at, w[1].id)),
        "soonest expiry first"
    );
}

/// A connection the guest's use of `invitation` writes.
fn connection_for(invitation: &Invitation, now: DateTime<Utc>) -> Connection {
    Connection {
        id: Uuid::now_v7(),
        account_id: invitation.account_id,
        connector: "sandbox".into(),
        direction: Direction::Source,
        name: invitation.connection_name.clone(),
        config: Map::new(),
        secrets: BTreeMap::new(),
        data_key: WrappedKey {
            key_id: "test".into(),
            bytes: vec![0; 32],
        },
        end_user: EndUser::default(),
        metadata: Map::new(),
        invitation_id: Some(invitation.id),
        last_check: None,
        created_at: now,
        updated_at: now,
        remote_environment: None,
        enabled: true,
    }
}

/// The result code that use mints.
fn result_for(connection: &Connection, now: DateTime<Utc>) -> ResultCode {
    let hash = TokenHash::of(connection.id.as_bytes());
    let invitation_id = connection
        .invitation_id
        .expect("made through an invitation");
    ResultCode::minted(
        hash,
        connection.account_id,
        invitation_id,
        connection.id,
        now,
    )
}

/// Tries one use of every invitation at `now`: it succeeds exactly where the domain's
/// `can_be_used` says so, and counts one use then.
async fn assert_uses_agree(store: &dyn Store, account_id: Uuid, now: DateTime<Utc>) {
    for before in listed(store, account_id, None, now).await {
        let fulfilled = NewEvent::new(account_id, EventType::InvitationFulfilled, now, json!({}));
        let connection = connection_for(&before, now);
        let used = store
            .use_invitation(InvitationUse {
                invitation_id: before.id,
                at: now,
                write: ConnectionWrite::Create(&connection),
                result: &result_for(&connection, now),
                events: &[],
                fulfilled: &fulfilled,
                session: None,
            })
            .await
            .unwrap();
        let after = store
            .get_invitation(account_id, before.id)
            .await
            .unwrap()
            .unwrap();
        let name = &before.connection_name;
        if before.can_be_used(now) {
            assert_eq!(used, Use::Used(before.use_count + 1), "{name}");
            assert_eq!(after.use_count, before.use_count + 1, "{name}");
        } else {
            assert_eq!(used, Use::Refused, "{name}");
            assert_eq!(after, before, "{name}: nothing written");
        }
    }
}

async fn the_store_agrees_with_the_domain_on_every_status(backend: Backend) {
    let (store, _dir) = fresh_store(backend).await;
    let now = start_time();
    let account = store.create_account("Story", None, now).await.unwrap();
    let cases = edge_cases(account.id, now);
    insert_all(&*store, &cases).await;
    let statuses: BTreeSet<&str> = cases.iter().map(|(_, i)| i.status(now).as_str()).collect();
    assert_eq!(statuses.len(), STATUSES.len(), "every status has its cases");

    let ms = Duration::milliseconds(1);
    let mut announced = BTreeSet::new();
    for at in [now - ms, now, now + ms, now + Duration::hours(1) + ms] {
        assert_filters_agree(&*store, account.id, at).await;
        assert_expiry_query_agrees(&*store, account.id, at, &announced).await;
    }

    // Once announced, an expired invitation leaves the worker's query (and its index).
    let due = store.invitations_to_expire(now, 100).await.unwrap();
    let first = due.first().expect("an invitation due to expire");
    let expired = NewEvent::new(account.id, EventType::InvitationExpired, now, json!({}));
    assert!(
        store
            .mark_invitation_expired(first.id, now, &expired)
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_invitation_expired(first.id, now, &expired)
            .await
            .unwrap(),
        "announced once"
    );
    announced.insert(first.id);
    assert_expiry_query_agrees(&*store, account.id, now, &announced).await;

    // Two rounds of uses: the first takes the last use of some (they become fulfilled), the
    // second finds them used up; the filters follow.
    for _ in 0..2 {
        assert_uses_agree(&*store, account.id, now).await;
        assert_filters_agree(&*store, account.id, now).await;
        assert_expiry_query_agrees(&*store, account.id, now, &announced).await;
    }
}

both!(the_store_agrees_with_the_domain_on_every_status);

/// `GET /v1/invitations?status=...` for each of the four statuses, `fulfilled` included, lists
/// what the domain says.
async fn the_api_lists_each_status_as_the_domain_computes_it(app: TestApp) {
    let now = start_time();
    let cases = edge_cases(app.account.id, now);
    insert_all(&*app.portico.store, &cases).await;
    for status in STATUSES {
        let reply = app
            .get(&format!(
                "/v1/invitations?status={}&limit=100",
                status.as_str()
            ))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let data = reply.json["data"].as_array().unwrap();
        let got: BTreeSet<&str> = data
            .iter()
            .map(|i| i["connection_name"].as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = cases
            .iter()
            .filter(|(_, i)| i.status(now) == status)
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(got, expected, "?status={}", status.as_str());
        assert!(data.iter().all(|i| i["status"] == status.as_str()));
    }
}
both!(the_api_lists_each_status_as_the_domain_computes_it);

/// Asks for a renewal of every invitation at `at`: it is recorded exactly where the domain's
/// `records_renewal_request` says so (expired or fulfilled, not revoked, none within the
/// hour), and nothing is written elsewhere.
async fn assert_renewal_requests_agree(store: &dyn Store, account_id: Uuid, at: DateTime<Utc>) {
    for before in listed(store, account_id, None, at).await {
        let event = NewEvent::new(
            account_id,
            EventType::InvitationRenewalRequested,
            at,
            json!({}),
        );
        let recorded = store
            .record_renewal_request(before.id, at, &event)
            .await
            .unwrap();
        let after = store
            .get_invitation(account_id, before.id)
            .await
            .unwrap()
            .unwrap();
        let name = &before.connection_name;
        if before.records_renewal_request(at) {
            assert!(recorded, "{name} at {at}");
            assert_eq!(after.renewal_requested_at, Some(at), "{name} at {at}");
        } else {
            assert!(!recorded, "{name} at {at}");
            assert_eq!(after, before, "{name} at {at}: nothing written");
        }
    }
}

async fn the_store_records_renewal_requests_as_the_domain_says(backend: Backend) {
    let (store, _dir) = fresh_store(backend).await;
    let now = start_time();
    let account = store.create_account("Story", None, now).await.unwrap();
    let cases = edge_cases(account.id, now);
    insert_all(&*store, &cases).await;
    let ms = Duration::milliseconds(1);
    let hour = Duration::hours(1);
    for at in [
        now - ms,
        now,
        now + ms,
        now + hour - ms,
        now + hour,
        now + hour + ms,
    ] {
        assert_renewal_requests_agree(&*store, account.id, at).await;
    }
}

both!(the_store_records_renewal_requests_as_the_domain_says);
