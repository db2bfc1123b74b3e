//! Connector checks against real servers: this machine's PostgreSQL and MariaDB on 127.0.0.1, a
//! closed port, listeners that never answer, and a loopback HTTP server standing in for Toggl.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Redirect;
use axum::routing::get;
use base64::Engine;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, Executor, MySqlConnection, PgConnection};

use portico::catalog::Catalog;
use portico::checks::{CheckFailure, Checker, Reason};
use portico::egress::EgressPolicy;

const POSTGRES_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/test";
const MYSQL_ADMIN: &str = "mysql://root@127.0.0.1:3306/test";
/// What a guest would wait for at most; the tests only bound it, they never time it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// Outer bound so a hanging check fails the test instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(15);

fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Validates `config` against the built-in connector `id` (so defaults apply as for a guest) and
/// runs its check.
async fn check_with(id: &str, config: Value, timeout: Duration) -> Result<(), CheckFailure> {
    install_crypto_provider();
    let catalog = Catalog::builtin().expect("the built-in catalog loads");
    let spec = catalog.get(id).expect("a built-in connector");
    let config = spec
        .validate(config.as_object().expect("a JSON object"))
        .expect("the config is valid");
    // This machine's servers are on loopback: allowed here, refused by default (see below).
    let checker = Checker::new(EgressPolicy::new(true, vec![]), timeout, 32);
    tokio::time::timeout(TEST_BOUND, checker.run(spec, &config))
        .await
        .expect("the check ends within its own timeout")
}

async fn check(id: &str, config: Value) -> Result<(), CheckFailure> {
    check_with(id, config, CHECK_TIMEOUT).await
}

/// Asserts that the failure message says each of `expected` and none of `secrets`.
fn assert_failure(result: Result<(), CheckFailure>, expected: &[&str], secrets: &[&str]) {
    let failure = result.expect_err("the check should fail");
    let message = failure.to_string();
    for part in expected {
        assert!(
            message.contains(part),
            "{message:?} should mention {part:?}"
        );
    }
    for secret in secrets {
        assert!(!message.contains(secret), "{message:?} leaks a secret");
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// A port on 127.0.0.1 that nothing listens on: bound once by us, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A listener that completes TCP handshakes (the kernel does that) but never reads or replies.
fn silent_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind")
}

fn postgres_config(database: &str, user: &str, password: &str) -> Value {
    json!({
        "host": "127.0.0.1",
        "port": 5432,
        "database": database,
        "user": user,
        "password": password,
    })
}

// ---- the egress policy -------------------------------------------------------------------

/// Runs a check under the default policy, as a fresh install does.
async fn check_by_default(id: &str, config: Value) -> Result<(), CheckFailure> {
    install_crypto_provider();
    let catalog = Catalog::builtin().expect("the built-in catalog loads");
    let spec = catalog.get(id).expect("a built-in connector");
    let config = spec.validate(config.as_object().unwrap()).expect("valid");
    let checker = Checker::new(EgressPolicy::default(), CHECK_TIMEOUT, 32);
    tokio::time::timeout(TEST_BOUND, checker.run(spec, &config))
        .await
        .expect("bounded")
}

#[tokio::test]
async fn by_default_no_database_check_reaches_this_machine() {
    for host in [
        "127.0.0.1",
        "localhost",
        "::1",
        "::ffff:127.0.0.1",
        "10.0.0.1",
    ] {
        let mut config = postgres_config("test", "postgres", "pw");
        config["host"] = json!(host);
        let failure = check_by_default("postgres", config).await.unwrap_err();
        assert_eq!(failure.reason, Reason::RefusedByPolicy, "{host}: {failure}");
        assert_eq!(failure.field.as_deref(), Some("host"));
        assert!(
            failure.detail.contains("not reachable from Portico"),
            "{failure}"
        );
    }
    let failure = check_by_default("mysql", mysql_config("test", "root", "x"))
        .await
        .unwrap_err();
    assert_eq!(failure.reason, Reason::RefusedByPolicy, "{failure}");
}

#[tokio::test]
async fn failures_fall_into_the_guest_s_categories() {
    let missing = unique("portico_missing");
    let failure = check("postgres", postgres_config(&missing, "postgres", "pw"))
        .await
        .unwrap_err();
    assert_eq!(failure.reason, Reason::WrongCredentials, "{failure}");
    let mut config = postgres_config("test", "postgres", "pw");
    config["port"] = json!(closed_port());
    assert_eq!(
        check("postgres", config).await.unwrap_err().reason,
        Reason::Unreachable
    );
    let listener = silent_listener();
    let mut config = postgres_config("test", "postgres", "pw");
    config["port"] = json!(listener.local_addr().unwrap().port());
    assert_eq!(
        check_with("postgres", config, Duration::from_secs(1))
            .await
            .unwrap_err()
            .reason,
        Reason::TimedOut
    );
    let mut config = postgres_config("test", "postgres", "pw");
    config["ssl_mode"] = json!("verify-full");
    assert_eq!(
        check("postgres", config).await.unwrap_err().reason,
        Reason::TlsRequired
    );
}

// ---- sandbox -------------------------------------------------------------------------------

#[tokio::test]
async fn sandbox_check_accepts_any_other_key() {
    check("sandbox", json!({"api_key": "anything-at-all"}))
        .await
        .expect("any key but `invalid` works");
}

#[tokio::test]
async fn sandbox_check_rejects_the_key_invalid() {
    assert_failure(
        check("sandbox", json!({"api_key": "invalid"})).await,
        &["rejected the API key"],
        &["invalid"],
    );
}

// ---- PostgreSQL ----------------------------------------------------------------------------
//
// This machine's pg_hba.conf trusts every TCP login from 127.0.0.1, so PostgreSQL accepts any
// password there and a wrong password cannot fail on this server. The tests below prove the
// refusals it can produce instead: a role or a database that does not exist.

#[tokio::test]
async fn postgres_check_with_working_credentials_succeeds() {
    check(
        "postgres",
        postgres_config("test", "postgres", "ignored-under-trust"),
    )
    .await
    .expect("postgres@127.0.0.1/test logs in");
}

#[tokio::test]
async fn postgres_check_logs_in_as_a_newly_created_role() {
    install_crypto_provider();
    let role = unique("portico_check");
    let mut admin = PgConnection::connect(POSTGRES_ADMIN).await.expect("admin");
    admin
        .execute(AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'right-pw-8Kq'"
        )))
        .await
        .expect("create role");

    let result = check("postgres", postgres_config("test", &role, "right-pw-8Kq")).await;

    admin
        .execute(AssertSqlSafe(format!("DROP ROLE {role}")))
        .await
        .expect("drop role");
    result.expect("the new role logs in");
}

#[tokio::test]
async fn postgres_check_with_wrong_database_fails_clearly() {
    let database = unique("portico_missing");
    assert_failure(
        check(
            "postgres",
            postgres_config(&database, "postgres", "pw-Zr81-secret"),
        )
        .await,
        &[
            &format!("database \"{database}\" does not exist"),
            "127.0.0.1:5432",
        ],
        &["pw-Zr81-secret"],
    );
}

#[tokio::test]
async fn postgres_check_with_unknown_user_is_rejected() {
    let user = unique("portico_nobody");
    assert_failure(
        check("postgres", postgres_config("test", &user, "pw-Qx42-secret")).await,
        &["the server rejected the login", &user, "does not exist"],
        &["pw-Qx42-secret"],
    );
}

#[tokio::test]
async fn postgres_check_requiring_a_verified_certificate_fails_clearly() {
    // The local server's certificate is self-signed (or it has no TLS at all): either way,
    // verify-full must refuse it and say it is about TLS.
    let mut config = postgres_config("test", "postgres", "pw-Tl55-secret");
    config["ssl_mode"] = json!("verify-full");
    assert_failure(
        check("postgres", config).await,
        &["TLS", "127.0.0.1:5432"],
        &["pw-Tl55-secret"],
    );
}

#[tokio::test]
async fn postgres_check_against_a_closed_port_says_connection_refused() {
    let port = closed_port();
    let mut config = postgres_config("test", "postgres", "pw-Cl07-secret");
    config["port"] = json!(port);
    assert_failure(
        check("postgres", config).await,
        &[&format!(
            "could not connect to 127.0.0.1:{port}: connection refused"
        )],
        &["pw-Cl07-secret"],
    );
}

#[tokio::test]
async fn postgres_check_against_a_mysql_server_says_it_is_not_postgres() {
    let mut config = postgres_config("test", "root", "pw-Wr99-secret");
    config["port"] = json!(3306);
    assert_failure(
        check("postgres", config).await,
        &["the server at 127.0.0.1:3306 closed the connection; is it a PostgreSQL server?"],
        &["pw-Wr99-secret"],
    );
}

#[tokio::test]
async fn postgres_check_against_a_server_that_never_replies_times_out() {
    let listener = silent_listener();
    let port = listener.local_addr().expect("addr").port();
    let mut config = postgres_config("test", "postgres", "pw-Si13-secret");
    config["port"] = json!(port);
    assert_failure(
        check_with("postgres", config, Duration::from_secs(2)).await,
        &[&format!("timed out after 2s waiting for 127.0.0.1:{port}")],
        &["pw-Si13-secret"],
    );
    drop(listener);
}

#[tokio::test]
async fn postgres_check_against_a_host_that_never_answers_fails_within_the_timeout() {
    // 10.255.255.1 is normally routed nowhere: the SYN goes unanswered (a timeout) or the network
    // reports it unreachable. Some sandboxes intercept all outbound TCP instead (this one answers
    // with an HTTP server). Whatever happens, the guest must get a clear message naming the host,
    // within the timeout.
    let mut config = postgres_config("test", "postgres", "pw-Nv20-secret");
    config["host"] = json!("10.255.255.1");
    assert_failure(
        check_with("postgres", config, Duration::from_secs(2)).await,
        &["10.255.255.1:5432"],
        &["pw-Nv20-secret"],
    );
}

#[tokio::test]
async fn postgres_check_with_an_unresolvable_host_says_so() {
    let mut config = postgres_config("test", "postgres", "pw-Dn66-secret");
    config["host"] = json!("portico-check.invalid");
    assert_failure(
        check_with("postgres", config, Duration::from_secs(5)).await,
        &["portico-check.invalid"],
        &["pw-Dn66-secret"],
    );
}

// ---- MySQL (MariaDB) -----------------------------------------------------------------------

/// A MariaDB user with a password, dropped when the test is done with it.
struct MysqlUser {
    name: String,
    admin: MySqlConnection,
}

impl MysqlUser {
    async fn create(password: &str) -> MysqlUser {
        install_crypto_provider();
        let name = unique("pc");
        let mut admin = MySqlConnection::connect(MYSQL_ADMIN).await.expect("admin");
        admin
            .execute(AssertSqlSafe(format!(
                "CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{password}'"
            )))
            .await
            .expect("create user");
        // A global privilege, so that an unknown database reads as unknown, not as forbidden.
        admin
            .execute(AssertSqlSafe(format!(
                "GRANT SELECT ON *.* TO '{name}'@'127.0.0.1'"
            )))
            .await
            .expect("grant");
        MysqlUser { name, admin }
    }

    async fn drop_user(mut self) {
        self.admin
            .execute(AssertSqlSafe(format!(
                "DROP USER '{}'@'127.0.0.1'",
                self.name
            )))
            .await
            .expect("drop user");
    }
}

fn mysql_config(database: &str, user: &str, password: &str) -> Value {
    json!({
        "host": "127.0.0.1",
        "port": 3306,
        "database": database,
        "user": user,
        "password": password,
    })
}

#[tokio::test]
async fn mysql_check_with_working_credentials_succeeds() {
    let user = MysqlUser::create("right-pw-3Jd").await;
    let result = check("mysql", mysql_config("test", &user.name, "right-pw-3Jd")).await;
    user.drop_user().await;
    result.expect("the new user logs in");
}

#[tokio::test]
async fn mysql_check_with_wrong_password_is_rejected() {
    let user = MysqlUser::create("right-pw-7Hs").await;
    let result = check("mysql", mysql_config("test", &user.name, "wrong-pw-7Hs")).await;
    user.drop_user().await;
    assert_failure(
        result,
        &["the server rejected the user name or password"],
        &["wrong-pw-7Hs", "right-pw-7Hs"],
    );
}

#[tokio::test]
async fn mysql_check_with_wrong_database_fails_clearly() {
    let user = MysqlUser::create("right-pw-9Lb").await;
    let database = unique("portico_missing");
    let result = check("mysql", mysql_config(&database, &user.name, "right-pw-9Lb")).await;
    user.drop_user().await;
    assert_failure(
        result,
        &[&format!(
            "database \"{database}\" does not exist on 127.0.0.1:3306"
        )],
        &["right-pw-9Lb"],
    );
}

#[tokio::test]
async fn mysql_check_requiring_a_verified_certificate_fails_clearly() {
    // The local MariaDB has TLS disabled (a server with a self-signed certificate would fail the
    // verification instead): either way the message is about TLS.
    let user = MysqlUser::create("right-pw-2Vc").await;
    let mut config = mysql_config("test", &user.name, "right-pw-2Vc");
    config["ssl_mode"] = json!("verify_identity");
    let result = check("mysql", config).await;
    user.drop_user().await;
    assert_failure(result, &["TLS", "127.0.0.1:3306"], &["right-pw-2Vc"]);
}

#[tokio::test]
async fn mysql_verify_identity_for_a_host_name_checks_the_certificate_for_that_name() {
    // Portico makes its own TLS handshake naming the host first: the local server has no
    // certificate for "localhost" from a trusted root (or no TLS at all).
    let user = MysqlUser::create("pw-Vi31-secret").await;
    let mut config = mysql_config("test", &user.name, "pw-Vi31-secret");
    config["host"] = json!("localhost");
    config["ssl_mode"] = json!("verify_identity");
    let failure = check("mysql", config).await.unwrap_err();
    user.drop_user().await;
    assert_eq!(failure.reason, Reason::TlsRequired, "{failure}");
    assert!(failure.detail.contains("localhost:3306"), "{failure}");
    assert!(!failure.detail.contains("pw-Vi31-secret"));
}

#[tokio::test]
async fn mysql_check_against_a_closed_port_says_connection_refused() {
    let port = closed_port();
    let mut config = mysql_config("test", "root", "pw-Mc31-secret");
    config["port"] = json!(port);
    assert_failure(
        check("mysql", config).await,
        &[&format!(
            "could not connect to 127.0.0.1:{port}: connection refused"
        )],
        &["pw-Mc31-secret"],
    );
}

// ---- HTTP (Toggl) --------------------------------------------------------------------------

const TOGGL_TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// A stand-in for api.track.toggl.com: `GET /api/v9/me` answers 200 only to the basic-auth pair
/// Toggl documents (the token as user name, `api_token` as password), 401 to anything else.
async fn spawn_fake_toggl() -> SocketAddr {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TOGGL_TOKEN}:api_token"))
    );
    let me = move |headers: HeaderMap| async move {
        match headers.get(header::AUTHORIZATION) {
            Some(value) if value.as_bytes() == expected.as_bytes() => {
                (StatusCode::OK, r#"{"id": 1, "email": "guest@example.com"}"#)
            }
            _ => (
                StatusCode::UNAUTHORIZED,
                "Incorrect username and/or password",
            ),
        }
    };
    let app = Router::new().route("/api/v9/me", get(me)).route(
        "/moved/api/v9/me",
        get(|| async { Redirect::temporary("/api/v9/me") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn toggl_check_with_the_right_token_succeeds() {
    let addr = spawn_fake_toggl().await;
    check(
        "toggl",
        json!({"api_token": TOGGL_TOKEN, "base_url": format!("http://{addr}")}),
    )
    .await
    .expect("the right token is accepted");
}

#[tokio::test]
async fn toggl_check_with_a_wrong_token_reports_401() {
    let addr = spawn_fake_toggl().await;
    let wrong = "ffffffffffffffffffffffffffffffff";
    assert_failure(
        check(
            "toggl",
            json!({"api_token": wrong, "base_url": format!("http://{addr}")}),
        )
        .await,
        &[&format!(
            "unexpected HTTP status 401 Unauthorized from {addr}"
        )],
        &[wrong, TOGGL_TOKEN],
    );
}

#[tokio::test]
async fn toggl_check_does_not_follow_redirects() {
    // Following one would carry the credentials to wherever the redirect points.
    let addr = spawn_fake_toggl().await;
    assert_failure(
        check(
            "toggl",
            json!({"api_token": TOGGL_TOKEN, "base_url": format!("http://{addr}/moved")}),
        )
        .await,
        &["unexpected HTTP status 307"],
        &[TOGGL_TOKEN],
    );
}

#[tokio::test]
async fn toggl_check_against_a_closed_port_says_connection_refused() {
    let port = closed_port();
    assert_failure(
        check(
            "toggl",
            json!({"api_token": TOGGL_TOKEN, "base_url": format!("http://127.0.0.1:{port}")}),
        )
        .await,
        &[&format!(
            "could not connect to 127.0.0.1:{port}: connection refused"
        )],
        &[TOGGL_TOKEN],
    );
}

#[tokio::test]
async fn toggl_check_against_a_server_that_never_replies_times_out() {
    let listener = silent_listener();
    let addr = listener.local_addr().expect("addr");
    assert_failure(
        check_with(
            "toggl",
            json!({"api_token": TOGGL_TOKEN, "base_url": format!("http://{addr}")}),
            Duration::from_secs(2),
        )
        .await,
        &[&format!("timed out after 2s waiting for {addr}")],
        &[TOGGL_TOKEN],
    );
    drop(listener);
}

#[tokio::test]
async fn toggl_check_with_an_unresolvable_host_says_so() {
    assert_failure(
        check_with(
            "toggl",
            json!({"api_token": TOGGL_TOKEN, "base_url": "https://portico-check.invalid"}),
            Duration::from_secs(5),
        )
        .await,
        &["portico-check.invalid"],
        &[TOGGL_TOKEN],
    );
}

#[tokio::test]
async fn toggl_check_over_https_to_a_plain_http_server_fails_clearly() {
    let addr = spawn_fake_toggl().await;
    assert_failure(
        check(
            "toggl",
            json!({"api_token": TOGGL_TOKEN, "base_url": format!("https://{addr}")}),
        )
        .await,
        &["TLS", &addr.to_string()],
        &[TOGGL_TOKEN],
    );
}
