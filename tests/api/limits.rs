//! Guest attempt limits kept in the database, across sessions and nodes, each tried as an
//! attacker holding a link would: codes asked from many sessions, codes guessed from many
//! sessions, failed checks from many sessions, links opened without a cookie, and a session
//! cookie planted before the victim proves an address.

use chrono::Duration;
use portico::config::Settings;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;

use crate::both;
use crate::guest_client::{Guest, set_cookies};
use crate::helpers::{Backend, Reply, TestApp};

const JULIA: &str = "julia@example.com";

/// Another `portico serve` on the same database and key file: a second node, without workers.
struct Node {
    base: String,
    _shutdown: oneshot::Sender<()>,
}

async fn second_node(app: &TestApp) -> Node {
    let mut settings = Settings::defaults_in(app.data_dir.path());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.guest_rate_per_ip = 1_000_000;
    settings.guest_rate_per_invitation = 1_000_000;
    if app.backend == Backend::Postgres {
        settings.database_url = app.database_url.clone();
    }
    let (listener, _addr, base) = portico::app::bind(&settings).await.expect("bind");
    let portico = portico::app::open(&settings, base.clone(), app.clock.clone())
        .await
        .expect("a second node");
    let state = portico::app::state(portico);
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        portico::http::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    Node {
        base,
        _shutdown: tx,
    }
}

/// The invitation's link on `base` (one node or another).
fn link_on(base: &str, invitation: &Value) -> String {
    format!("{base}/g/{}", invitation["token"].as_str().unwrap())
}

/// A new guest (no cookie) on `base` that opens the link there.
async fn open_on(app: &TestApp, base: &str, invitation: &Value) -> (Guest, Reply) {
    let mut guest = Guest::new(app);
    guest.base = base.to_string();
    let page = guest.get(&link_on(base, invitation)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    (guest, page)
}

/// `SELECT count(*) FROM {table}` on the test's database.
async fn rows(app: &TestApp, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}"));
    match app.backend {
        Backend::Sqlite => {
            let mut db = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
        Backend::Postgres => {
            let mut db = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
    }
}

/// The account's events of one type, oldest first.
async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let reply = app.get("/v1/events?limit=100").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

fn assert_locked(reply: &Reply, lang: &str, says: &str) {
    assert_eq!(reply.status, 429, "{}", reply.text);
    assert!(
        reply.text.contains(&format!(r#"<html lang="{lang}">"#)),
        "{}",
        reply.text
    );
    assert!(reply.text.contains(says), "{says}: {}", reply.text);
    let retry: i64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After: {retry}");
    assert!(!reply.text.contains(r#"name="api_key""#), "no form");
}

/// Proves `ops@example.com` on a fresh invitation: once that code is in the mailbox, every
/// message queued before it has been written too.
async fn flush_mail(app: &TestApp) {
    let other = app
        .create_invitation(json!({"allowed_emails": ["ops@example.com"]}))
        .await;
    let (mut ops, _) = open_on(app, &app.base, &other).await;
    let asked = ops
        .post("/g/s/email", &[("email", "ops@example.com")])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    app.code_sent_to("ops@example.com", 1).await;
}

// ---------------------------------------------------------------------------------------------
// Codes asked

async fn seven_sessions_on_two_nodes_get_five_codes_for_one_address(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": [JULIA]}))
        .await;
    let node = second_node(&app).await;
    let bases = [app.base.clone(), node.base.clone()];
    let mut answers = Vec::new();
    for i in 0..7 {
        let (mut guest, _) = open_on(&app, &bases[i % 2], &created).await;
        answers.push(guest.post("/g/s/email", &[("email", JULIA)]).await);
    }
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    for refused in &answers[5..] {
        assert!(
            refused.text.contains("Please wait up to an hour"),
            "{}",
            refused.text
        );
    }

    // An address nobody listed gets the same answers: the limit tells nothing.
    let mut strangers = Vec::new();
    for i in 0..7 {
        let (mut guest, _) = open_on(&app, &bases[i % 2], &created).await;
        let email = "mallory@example.com";
        strangers.push(guest.post("/g/s/email", &[("email", email)]).await);
    }
    let stranger_statuses: Vec<u16> = strangers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(stranger_statuses, statuses);

    flush_mail(&app).await;
    assert_eq!(
        app.emails_to(JULIA, 5).await.len(),
        5,
        "the sixth and seventh asked mailed nothing"
    );

    // An hour on, the address may have a code again.
    app.clock.advance(Duration::hours(1));
    let (mut guest, _) = open_on(&app, &node.base, &created).await;
    let again = guest.post("/g/s/email", &[("email", JULIA)]).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let code = app.code_sent_to(JULIA, 6).await;
    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(proven.text.contains(r#"name="api_key""#));
}
both!(seven_sessions_on_two_nodes_get_five_codes_for_one_address);

// ---------------------------------------------------------------------------------------------
// Codes guessed

/// A code that is surely not `code`.
fn not(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn eleven_wrong_codes_across_sessions_lock_the_email_step_for_an_hour(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": [JULIA]}))
        .await;
    let node = second_node(&app).await;
    let mut sessions = Vec::new();
    for (i, base) in [&app.base, &node.base, &app.base].into_iter().enumerate() {
        let (mut guest, _) = open_on(&app, base, &created).await;
        let asked = guest.post("/g/s/email", &[("email", JULIA)]).await;
        assert_eq!(asked.status, 200, "{}", asked.text);
        let code = app.code_sent_to(JULIA, i + 1).await;
        sessions.push((guest, code));
    }

    // Ten wrong codes from two sessions on two nodes: the tenth locks the email step.
    let mut tries = 0;
    for (guest, code) in sessions.iter_mut().take(2) {
        for _ in 0..5 {
            tries += 1;
            let reply = guest.post("/g/s/code", &[("code", &not(code))]).await;
            if tries < 10 {
                assert_eq!(reply.status, 422, "try {tries}: {}", reply.text);
                assert!(reply.text.contains("This code is not right"));
            } else {
                assert_locked(&reply, "en", "Too many wrong codes were entered");
            }
        }
    }
    let locked = events_of(&app, "invitation.locked").await;
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0]["data"]["id"], created["id"]);
    assert_eq!(locked[0]["data"]["lock"]["scope"], "email");

    // The eleventh, from a third session, is refused; so is the right code.
    let (third, code) = &mut sessions[2];
    let code = code.clone();
    let eleventh = third.post("/g/s/code", &[("code", &not(&code))]).await;
    assert_locked(&eleventh, "en", "Too many wrong codes were entered");
    let right = third.post("/g/s/code", &[("code", &code)]).await;
    assert_locked(&right, "en", "Too many wrong codes were entered");
    assert!(
        events_of(&app, "invitation.email_verified")
            .await
            .is_empty()
    );
    assert_eq!(
        third.post("/g/s/submit", &[("api_key", "k")]).await.status,
        403
    );
    // No code is sent while the step is locked, to any session; a new guest on another node
    // is shown the lock instead of the email step.
    let (first, _) = &mut sessions[0];
    let asked = first.post("/g/s/email", &[("email", JULIA)]).await;
    assert_locked(&asked, "en", "Too many wrong codes were entered");
    let mut fresh = Guest::new(&app);
    fresh.base = node.base.clone();
    let opened = fresh.get(&link_on(&node.base, &created)).await;
    assert_locked(&opened, "en", "Too many wrong codes were entered");
    assert_eq!(events_of(&app, "invitation.locked").await.len(), 1, "once");

    // An hour on, the step opens again.
    app.clock.advance(Duration::hours(1));
    let (mut guest, _) = open_on(&app, &app.base, &created).await;
    let asked = guest.post("/g/s/email", &[("email", JULIA)]).await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let code = app.code_sent_to(JULIA, 4).await;
    let proven = guest.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert!(proven.text.contains(r#"name="api_key""#));
}
both!(eleven_wrong_codes_across_sessions_lock_the_email_step_for_an_hour);

async fn twelve_concurrent_wrong_codes_from_twelve_sessions_judge_ten(app: TestApp) {
    let emails: Vec<String> = (0..12).map(|i| format!("p{i}@example.com")).collect();
    let created = app
        .create_invitation(json!({"allowed_emails": emails}))
        .await;
    let node = second_node(&app).await;
    let mut guesses = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        let base = if i % 2 == 0 { &app.base } else { &node.base };
        let (mut guest, _) = open_on(&app, base, &created).await;
        guest.post("/g/s/email", &[("email", email)]).await;
        let code = app.code_sent_to(email, 1).await;
        guesses.push((guest, not(&code)));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(guesses.len()));
    let tasks: Vec<_> = guesses
        .into_iter()
        .map(|(mut guest, guess)| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                guest.post("/g/s/code", &[("code", &guess)]).await
            })
        })
        .collect();
    let (mut wrong, mut locked) = (0, 0);
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == 422 && reply.text.contains("This code is not right") {
            wrong += 1;
        } else {
            assert_locked(&reply, "en", "Too many wrong codes were entered");
            locked += 1;
        }
    }
    // Ten tries are judged (the tenth wrong one answers with the lock), two are refused.
    assert_eq!((wrong, locked), (9, 3));
    assert_eq!(events_of(&app, "invitation.locked").await.len(), 1, "once");
}
both!(twelve_concurrent_wrong_codes_from_twelve_sessions_judge_ten);

async fn a_right_code_does_not_count_as_a_wrong_one(app: TestApp) {
    // Nine guests of a ten-person link each typo once, then prove: nobody is locked out.
    let emails: Vec<String> = (0..10).map(|i| format!("p{i}@example.com")).collect();
    let created = app
        .create_invitation(json!({"allowed_emails": emails, "max_uses": null}))
        .await;
    for (i, email) in emails.iter().enumerate() {
        let (mut guest, _) = open_on(&app, &app.base, &created).await;
        guest.post("/g/s/email", &[("email", email)]).await;
        let code = app.code_sent_to(email, 1).await;
        if i < 9 {
            let typo = guest.post("/g/s/code", &[("code", &not(&code))]).await;
            assert_eq!(typo.status, 422, "{}", typo.text);
        }
        let proven = guest.post("/g/s/code", &[("code", &code)]).await;
        assert_eq!(proven.status, 200, "guest {i}: {}", proven.text);
    }
    assert!(events_of(&app, "invitation.locked").await.is_empty());
}
both!(a_right_code_does_not_count_as_a_wrong_one);

// ---------------------------------------------------------------------------------------------
// Failed checks

async fn eleven_failed_checks_across_sessions_lock_the_form_for_an_hour(app: TestApp) {
    let created = app.create_invitation(json!({"language": "de"})).await;
    // A guest whose page was open before the lock.
    let (mut late, _) = open_on(&app, &app.base, &created).await;
    for i in 1..=10 {
        let (mut guest, _) = open_on(&app, &app.base, &created).await;
        let reply = guest.post("/g/s/submit", &[("api_key", "invalid")]).await;
        if i < 10 {
            assert_eq!(reply.status, 422, "check {i}: {}", reply.text);
            assert!(reply.text.contains(r#"name="api_key""#), "the form again");
        } else {
            assert_locked(&reply, "de", "das Formular für eine Stunde gesperrt");
        }
    }
    // The eleventh is refused before its check runs: with good credentials, nothing is made.
    let eleventh = late.post("/g/s/submit", &[("api_key", "valid")]).await;
    assert_locked(&eleventh, "de", "das Formular für eine Stunde gesperrt");
    // A locked form is not shown either: opening the link, or the page again, says so.
    let mut fresh = Guest::new(&app);
    let opened = fresh.get(&link_on(&app.base, &created)).await;
    assert_locked(&opened, "de", "das Formular für eine Stunde gesperrt");
    let again = late.get("/g/s").await;
    assert_locked(&again, "de", "das Formular für eine Stunde gesperrt");
    let connections = app.get("/v1/connections").await;
    assert_eq!(connections.json["data"], json!([]));

    let failed = events_of(&app, "connection.check_failed").await;
    assert_eq!(
        failed.len(),
        10,
        "one event per failed check, none for the refused one"
    );
    for event in &failed {
        assert_eq!(event["data"]["invitation_id"], created["id"]);
        assert_eq!(event["data"]["connector"], "sandbox");
        let detail = event["data"]["detail"].as_str().unwrap();
        assert!(!detail.is_empty());
    }
    let locked = events_of(&app, "invitation.locked").await;
    assert_eq!(locked.len(), 1, "written once: {locked:?}");
    assert_eq!(locked[0]["data"]["id"], created["id"]);
    assert_eq!(locked[0]["data"]["lock"]["scope"], "form");

    // An hour on, the form opens again.
    app.clock.advance(Duration::hours(1));
    let (mut guest, _) = open_on(&app, &app.base, &created).await;
    let done = guest.post("/g/s/submit", &[("api_key", "valid")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
}
both!(eleven_failed_checks_across_sessions_lock_the_form_for_an_hour);

// ---------------------------------------------------------------------------------------------
// Limits before writes

async fn cookieless_opens_of_a_link_write_no_session_row(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": [JULIA]}))
        .await;
    for _ in 0..20 {
        let (_, page) = open_on(&app, &app.base, &created).await;
        assert_eq!(set_cookies(&page).len(), 1);
        assert!(page.text.contains(r#"name="email""#));
    }
    assert_eq!(rows(&app, "guest_sessions").await, 0);
    assert_eq!(
        app.event_types().await,
        ["invitation.created", "invitation.opened"]
    );

    // The language switch of a session without a row: kept in its cookie.
    let (mut guest, _) = open_on(&app, &app.base, &created).await;
    let first_cookie = guest.cookie.clone().unwrap();
    let french = guest.get("/g/s?lang=fr").await;
    assert_eq!(french.status, 200);
    assert!(french.text.contains(r#"<html lang="fr">"#));
    assert_eq!(set_cookies(&french).len(), 1, "a cookie with the language");
    assert_ne!(guest.cookie.as_deref(), Some(first_cookie.as_str()));
    let again = guest.get("/g/s").await;
    assert!(again.text.contains(r#"<html lang="fr">"#));
    assert_eq!(rows(&app, "guest_sessions").await, 0);

    // The first form posted stores the session, in its language.
    let asked = guest.post("/g/s/email", &[("email", JULIA)]).await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    assert!(asked.text.contains(r#"<html lang="fr">"#));
    assert_eq!(rows(&app, "guest_sessions").await, 1);

    // Revoking ends the sessions with a row and those without, at once.
    let (mut rowless, _) = open_on(&app, &app.base, &created).await;
    let revoked = app
        .post(
            &format!("/v1/invitations/{}/revoke", created["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(rowless.get("/g/s").await.status, 410);
    assert_eq!(guest.get("/g/s").await.status, 410);
    assert_eq!(rows(&app, "guest_sessions").await, 1);
}
both!(cookieless_opens_of_a_link_write_no_session_row);

async fn a_submission_stores_its_session_with_what_it_writes(app: TestApp) {
    let created = app.create_invitation(json!({"max_uses": 1})).await;
    let (mut guest, _) = open_on(&app, &app.base, &created).await;
    // An invalid form writes nothing, not even the session's row.
    let invalid = guest.post("/g/s/submit", &[("api_key", "")]).await;
    assert_eq!(invalid.status, 422, "{}", invalid.text);
    assert_eq!(rows(&app, "guest_sessions").await, 0);
    // A failed check is counted with the session's row, in one transaction.
    let failed = guest.post("/g/s/submit", &[("api_key", "invalid")]).await;
    assert_eq!(failed.status, 422, "{}", failed.text);
    assert_eq!(rows(&app, "guest_sessions").await, 1);
    assert_eq!(rows(&app, "guest_attempts").await, 1);
    // A first submission of another session stores its row with the use.
    let (mut other, _) = open_on(&app, &app.base, &created).await;
    let (mut late, _) = open_on(&app, &app.base, &created).await;
    let done = other.post("/g/s/submit", &[("api_key", "valid")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(rows(&app, "guest_sessions").await, 2);
    assert_eq!(rows(&app, "connections").await, 1);
    // A session on a link used up meanwhile is refused and writes nothing, not even its row.
    let gone = late.post("/g/s/submit", &[("api_key", "valid")]).await;
    assert_eq!(gone.status, 410, "{}", gone.text);
    assert_eq!(rows(&app, "guest_sessions").await, 2);
    assert_eq!(rows(&app, "connections").await, 1);
}
both!(a_submission_stores_its_session_with_what_it_writes);

// ---------------------------------------------------------------------------------------------
// Session fixation

async fn proving_an_address_replaces_the_session_cookie(app: TestApp) {
    let created = app
        .create_invitation(json!({"allowed_emails": [JULIA]}))
        .await;
    // A cookie an attacker got from the link and planted in the victim's browser.
    let (mut victim, _) = open_on(&app, &app.base, &created).await;
    let mut attacker = victim.clone();
    let asked = victim.post("/g/s/email", &[("email", JULIA)]).await;
    assert_eq!(asked.status, 200);
    let code = app.code_sent_to(JULIA, 1).await;
    let proven = victim.post("/g/s/code", &[("code", &code)]).await;
    assert_eq!(proven.status, 200, "{}", proven.text);
    assert_eq!(set_cookies(&proven).len(), 1, "a new cookie with the proof");
    assert_ne!(victim.cookie, attacker.cookie);
    assert_ne!(victim.csrf, attacker.csrf);

    // The planted cookie opens nothing now.
    let step = attacker.get("/g/s").await;
    assert_eq!(step.status, 403, "{}", step.text);
    assert!(step.text.contains("Your session has ended"));
    let forged = attacker.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(forged.status, 403);
    let reopened = attacker.get(&link_on(&app.base, &created)).await;
    assert_eq!(reopened.status, 200);
    assert!(reopened.text.contains(r#"name="email""#), "proof again");
    assert!(!reopened.text.contains(r#"name="api_key""#));

    let done = victim.post("/g/s/submit", &[("api_key", "k")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
}
both!(proving_an_address_replaces_the_session_cookie);
