//! The owner's console over HTTP, as a browser would drive it (forms, cookies, redirects not
//! followed): sign-in and its lockout, sessions, CSRF, roles, password links, and seed 001's
//! "Create with a temporary user" flow. Every test runs on SQLite and PostgreSQL.

use crate::both;
use crate::helpers::{TestApp, id_of};
use chrono::Duration;
use portico::domain::user::Role;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A browser of the console: its own cookies, redirects shown rather than followed.
pub(crate) struct ConsoleClient {
    base: String,
    http: reqwest::Client,
    pub(crate) cookies: BTreeMap<String, String>,
}

/// A page as the console answered it.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `<input name="{name}" ... value="...">`.
    pub(crate) fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\"");
        let at = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name} in {}", self.body));
        let tag_start = self.body[..at].rfind('<').unwrap();
        let tag_end = at + self.body[at..].find('>').unwrap();
        let tag = &self.body[tag_start..tag_end];
        tag.split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or("")
            .to_string()
    }

    pub(crate) fn csrf(&self) -> String {
        self.input("csrf")
    }

    pub(crate) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

impl ConsoleClient {
    pub(crate) fn new(app: &TestApp) -> ConsoleClient {
        ConsoleClient {
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// A form POST from our own origin.
    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, form, &self.base.clone()).await
    }

    pub(crate) async fn post_from(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: &str,
    ) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Origin", origin)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// A `multipart/form-data` POST from our own origin, as a browser sends a form with a file
    /// input: the text `fields`, then each `(input, file name, content type, bytes)`.
    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        const BOUNDARY: &str = "----portico-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                     filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Origin", self.base.clone())
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Signs in (the sign-in page first, for its cookie and CSRF token).
    pub(crate) async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let login = self.get("/console/login").await;
        assert_eq!(login.status, StatusCode::OK);
        let csrf = login.csrf();
        self.post(
            "/console/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the signed-in session, from a console page.
    pub(crate) async fn csrf(&mut self) -> String {
        self.get("/console").await.csrf()
    }
}

/// A console user of the test account with [`PASSWORD`].
pub(crate) async fn user(app: &TestApp, email: &str, role: Role) {
    app.portico
        .create_user(app.account.id, email, role, Some(PASSWORD), None)
        .await
        .expect("user");
}

/// A signed-in console client of a new owner.
pub(crate) async fn signed_in_owner(app: &TestApp) -> ConsoleClient {
    user(app, "owner@example.com", Role::Owner).await;
    let mut console = ConsoleClient::new(app);
    let done = console.sign_in("owner@example.com", PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    console
}

async fn invitation_count(app: &TestApp) -> usize {
    let list = app.get("/v1/invitations").await;
    list.json["data"].as_array().unwrap().len()
}

both!(pages_without_a_session_redirect_to_sign_in);
async fn pages_without_a_session_redirect_to_sign_in(app: TestApp) {
    let mut console = ConsoleClient::new(&app);
    for path in [
        "/console",
        "/console/invitations/new",
        "/console/invitations/new?direction=source&connector=toggl",
        "/console/users",
        "/console/no/such/page",
    ] {
        let page = console.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/console/login", "{path}");
    }
    // A forged session cookie opens nothing either.
    console
        .cookies
        .insert("portico_console".into(), "forged".into());
    assert_eq!(console.get("/console").await.location(), "/console/login");
    let page = console
        .post(
            "/console/invitations",
            &[
                ("direction", "source"),
                ("connector", "toggl"),
                ("recipient_email", "guest@example.com"),
                ("connection_name", "Toggl"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(invitation_count(&app).await, 0);
}

both!(sign_in_opens_the_console_with_a_lax_http_only_session);
async fn sign_in_opens_the_console_with_a_lax_http_only_session(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    let mut console = ConsoleClient::new(&app);
    let login = console.get("/console/login").await;
    assert!(login.body.contains("name=\"email\""));
    assert!(login.body.contains("name=\"password\""));
    assert!(
        login.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(login.headers["x-frame-options"], "DENY");
    // Addresses compare case-insensitively.
    let done = console.sign_in("Ann@Example.com", PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/console");
    let session = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portico_console="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    let home = console.get("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("ann@example.com"));
}

both!(a_wrong_password_and_an_unknown_address_get_the_same_answer);
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    let mut console = ConsoleClient::new(&app);
    let wrong = console.sign_in("ann@example.com", "not the password").await;
    let unknown = console.sign_in("bob@example.com", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = |page: &Page| {
        let at = page.body.find("class=\"error\"").expect("an error");
        page.body[at..at + 120].to_string()
    };
    assert_eq!(error(&wrong), error(&unknown));
    assert!(!wrong.body.contains("not the password"), "no echo");
    assert!(!console.cookies.contains_key("portico_console"));
}

both!(ten_wrong_passwords_lock_sign_in_even_with_the_right_one);
async fn ten_wrong_passwords_lock_sign_in_even_with_the_right_one(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    user(&app, "bob@example.com", Role::Member).await;
    let mut console = ConsoleClient::new(&app);
    for n in 1..=9 {
        let page = console.sign_in("ann@example.com", "wrong password!").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
    }
    let tenth = console.sign_in("ann@example.com", "wrong password!").await;
    assert_eq!(tenth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(tenth.headers.contains_key("retry-after"));
    let right = console.sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked, the right password included"
    );
    assert!(!console.cookies.contains_key("portico_console"));
    // Another user is not locked.
    assert_eq!(
        console.sign_in("bob@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let locked: Vec<String> = app
        .event_types()
        .await
        .into_iter()
        .filter(|t| t == "console.user_locked")
        .collect();
    assert_eq!(locked.len(), 1);
    // Fifteen minutes later the right password works again.
    app.clock.advance(Duration::minutes(15));
    let mut later = ConsoleClient::new(&app);
    assert_eq!(
        later.sign_in("ann@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

both!(wrong_passwords_spread_over_more_than_fifteen_minutes_do_not_lock);
async fn wrong_passwords_spread_over_more_than_fifteen_minutes_do_not_lock(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    let mut console = ConsoleClient::new(&app);
    for _ in 0..9 {
        console.sign_in("ann@example.com", "wrong password!").await;
    }
    app.clock.advance(Duration::minutes(16));
    let page = console.sign_in("ann@example.com", "wrong password!").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        console.sign_in("ann@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

both!(concurrent_wrong_passwords_lock_once);
async fn concurrent_wrong_passwords_lock_once(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    let attempts = (0..20).map(|_| {
        let portico = app.portico.clone();
        tokio::spawn(async move {
            portico
                .sign_in("ann@example.com", "wrong password!")
                .await
                .unwrap()
        })
    });
    for attempt in attempts {
        attempt.await.unwrap();
    }
    let locked = app
        .event_types()
        .await
        .into_iter()
        .filter(|t| t == "console.user_locked")
        .count();
    assert_eq!(locked, 1);
    let mut console = ConsoleClient::new(&app);
    assert_eq!(
        console.sign_in("ann@example.com", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

fn toggl_form(csrf: &str) -> [(&'static str, &str); 5] {
    [
        ("csrf", csrf),
        ("direction", "source"),
        ("connector", "toggl"),
        ("recipient_email", "guest@example.com"),
        ("connection_name", "Toggl"),
    ]
}

both!(a_post_without_its_csrf_token_is_403_and_writes_nothing);
async fn a_post_without_its_csrf_token_is_403_and_writes_nothing(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let csrf = console.csrf().await;
    let form = toggl_form(&csrf);
    let missing = console.post("/console/invitations", &form[1..]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = console
        .post(
            "/console/invitations",
            &toggl_form("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let foreign = console
        .post_from("/console/invitations", &form, "https://evil.example")
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(invitation_count(&app).await, 0);
    let invite = console
        .post(
            "/console/users",
            &[("email", "eve@example.com"), ("role", "owner")],
        )
        .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN);
    let logout = console.post("/console/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(
        console.get("/console").await.status,
        StatusCode::OK,
        "still signed in"
    );
    // The token works.
    let created = console.post("/console/invitations", &form).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(invitation_count(&app).await, 1);
}

both!(sign_in_without_the_sign_in_cookie_token_is_403);
async fn sign_in_without_the_sign_in_cookie_token_is_403(app: TestApp) {
    user(&app, "ann@example.com", Role::Owner).await;
    // Login CSRF: a form posted from elsewhere has neither our cookie nor its token.
    let mut console = ConsoleClient::new(&app);
    let page = console
        .post(
            "/console/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!console.cookies.contains_key("portico_console"));
}

both!(sessions_end_after_twelve_idle_hours_and_at_sign_out);
async fn sessions_end_after_twelve_idle_hours_and_at_sign_out(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    app.clock.advance(Duration::hours(11));
    assert_eq!(console.get("/console").await.status, StatusCode::OK);
    // Seen an hour ago: idle time counts from then.
    app.clock.advance(Duration::hours(11));
    assert_eq!(console.get("/console").await.status, StatusCode::OK);
    app.clock.advance(Duration::hours(12));
    assert_eq!(console.get("/console").await.location(), "/console/login");

    let mut console = ConsoleClient::new(&app);
    console.sign_in("owner@example.com", PASSWORD).await;
    let session = console.cookies["portico_console"].clone();
    let csrf = console.csrf().await;
    let out = console.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!console.cookies.contains_key("portico_console"));
    // The old cookie, sent again, opens nothing.
    console.cookies.insert("portico_console".into(), session);
    assert_eq!(console.get("/console").await.location(), "/console/login");
}

/// The path of the console password link in an email.
fn password_link(email: &str, base: &str) -> String {
    let start = email
        .find(&format!("{base}/console/password/"))
        .expect("a password link");
    let link: String = email[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    link.trim_start_matches(base).to_string()
}

both!(owners_invite_teammates_who_set_their_password_once);
async fn owners_invite_teammates_who_set_their_password_once(app: TestApp) {
    let mut owner = signed_in_owner(&app).await;
    let csrf = owner.csrf().await;
    let invited = owner
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "mia@example.com"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let again = owner
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "MIA@example.com"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let emails = app.emails_to("mia@example.com", 1).await;
    let link = password_link(&emails[0], &app.base);

    let mut mia = ConsoleClient::new(&app);
    let form = mia.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let short = mia
        .post(
            &link,
            &[("csrf", &csrf), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mismatch = mia
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", "something else!"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    let set = mia
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    // Used once: the link is gone.
    assert_eq!(mia.get(&link).await.status, StatusCode::GONE);
    assert_eq!(
        mia.sign_in("mia@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // A member may not invite.
    let csrf = mia.csrf().await;
    let page = mia
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "zed@example.com"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let users = app.portico.list_users(app.account.id).await.unwrap();
    assert_eq!(users.len(), 2);
    let team = mia.get("/console/users").await;
    assert!(
        !team.body.contains("action=\"/console/users\""),
        "no invite form"
    );
}

both!(password_links_expire_after_an_hour);
async fn password_links_expire_after_an_hour(app: TestApp) {
    let created = app
        .portico
        .create_user(app.account.id, "kim@example.com", Role::Member, None, None)
        .await
        .unwrap();
    let url = created.password_link.expect("a link").expose().clone();
    let link = url.trim_start_matches(&app.base).to_string();
    let mut kim = ConsoleClient::new(&app);
    let form = kim.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(61));
    let csrf = form.csrf();
    let late = kim
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(
        kim.sign_in("kim@example.com", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

both!(a_reset_link_sets_a_new_password_and_ends_old_sessions);
async fn a_reset_link_sets_a_new_password_and_ends_old_sessions(app: TestApp) {
    let mut old = signed_in_owner(&app).await;
    let mut console = ConsoleClient::new(&app);
    let forgot = console.get("/console/password/forgot").await;
    let csrf = forgot.csrf();
    for email in ["owner@example.com", "nobody@example.com"] {
        let page = console
            .post(
                "/console/password/forgot",
                &[("csrf", &csrf), ("email", email)],
            )
            .await;
        // The same answer whether or not the address has a user.
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location(), "/console/login?done=reset&lang=en");
    }
    let emails = app.emails_to("owner@example.com", 1).await;
    assert!(app.emails_to("nobody@example.com", 0).await.is_empty());
    let link = password_link(&emails[0], &app.base);
    let form = console.get(&link).await;
    let csrf = form.csrf();
    let new_password = "a brand new passphrase";
    let set = console
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("password", new_password),
                ("confirm", new_password),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(old.get("/console").await.location(), "/console/login");
    assert_eq!(
        console.sign_in("owner@example.com", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        console
            .sign_in("owner@example.com", new_password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

both!(the_setup_link_makes_the_first_owner_once);
async fn the_setup_link_makes_the_first_owner_once(app: TestApp) {
    let url = app
        .portico
        .setup_link()
        .await
        .unwrap()
        .expect("no users yet");
    let link = url.expose().trim_start_matches(&app.base).to_string();
    let mut console = ConsoleClient::new(&app);
    let form = console.get(&link).await;
    assert!(form.body.contains("name=\"email\""));
    let csrf = form.csrf();
    let set = console
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("email", "first@example.com"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(app.portico.setup_link().await.unwrap().is_none());
    assert_eq!(console.get(&link).await.status, StatusCode::GONE);
    let users = app.portico.list_users(app.account.id).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, Role::Owner);
    assert_eq!(
        console.sign_in("first@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

both!(seed_001_create_with_a_temporary_user_emails_a_working_link);
async fn seed_001_create_with_a_temporary_user_emails_a_working_link(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    // New > Source > the picker (search and categories) > Toggl > "Create with a temporary user".
    let start = console.get("/console/invitations/new").await;
    assert!(
        start
            .body
            .contains("href=\"/console/invitations/new?direction=source\"")
    );
    let picker = console
        .get("/console/invitations/new?direction=source&q=toggl")
        .await;
    assert!(
        picker.body.contains("connector=toggl&amp;step=mode"),
        "{}",
        picker.body
    );
    assert!(!picker.body.contains("connector=postgres&amp;"));
    let mode = console
        .get("/console/invitations/new?direction=source&connector=toggl&step=mode")
        .await;
    assert!(
        mode.body
            .contains("href=\"/console/invitations/new?direction=source&amp;connector=toggl\"")
    );
    let form = console
        .get("/console/invitations/new?direction=source&connector=toggl")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"recipient_email\""));
    assert!(form.body.contains("name=\"connection_name\""));
    let csrf = form.csrf();
    // A bad address comes back on the form, and nothing is created.
    let bad = console
        .post(
            "/console/invitations",
            &[
                ("csrf", &csrf),
                ("direction", "source"),
                ("connector", "toggl"),
                ("recipient_email", "not-an-address"),
                ("connection_name", "Acme Toggl"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("value=\"Acme Toggl\""),
        "typed values kept"
    );
    assert_eq!(invitation_count(&app).await, 0);

    let saved = console
        .post(
            "/console/invitations",
            &[
                ("csrf", &csrf),
                ("direction", "source"),
                ("connector", "toggl"),
                ("recipient_email", "guest@customer.example"),
                ("connection_name", "Acme Toggl"),
                ("expires", "86400"),
                ("max_uses", "1"),
                ("language", "de"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let url = saved.input("link");
    assert!(url.starts_with(&format!("{}/g/", app.base)), "{url}");
    // The invitation is the API's, with the recipient as the end user.
    let list = app.get("/v1/invitations").await;
    let invitation = &list.json["data"][0];
    assert_eq!(invitation["connector"], "toggl");
    assert_eq!(invitation["direction"], "source");
    assert_eq!(invitation["connection_name"], "Acme Toggl");
    assert_eq!(invitation["end_user"]["email"], "guest@customer.example");
    assert_eq!(invitation["language"], "de");
    assert_eq!(invitation["allowed_emails"], serde_json::json!([]));
    let created =
        chrono::DateTime::parse_from_rfc3339(invitation["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(invitation["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, Duration::days(1));
    let _ = id_of(invitation);
    // The link arrives by email, and opens the guest's page.
    let emails = app.emails_to("guest@customer.example", 1).await;
    assert!(
        emails[0].contains(&url),
        "the emailed link is the shown one"
    );
    let guest = reqwest::get(&url).await.unwrap();
    assert_eq!(guest.status(), StatusCode::OK);
}

both!(more_options_reach_the_invitation);
async fn more_options_reach_the_invitation(app: TestApp) {
    let mut console = signed_in_owner(&app).await;
    let form = console
        .get("/console/invitations/new?direction=source&connector=postgres")
        .await;
    // Prefill inputs exist for the connector's non-secret fields only.
    assert!(form.body.contains("name=\"prefill.host\""));
    assert!(!form.body.contains("name=\"prefill.password\""));
    let csrf = form.csrf();
    let saved = console
        .post(
            "/console/invitations",
            &[
                ("csrf", &csrf),
                ("direction", "source"),
                ("connector", "postgres"),
                ("recipient_email", "dba@customer.example"),
                ("connection_name", "Warehouse"),
                ("expires", "never"),
                ("max_uses", ""),
                ("allowed_emails", "ops@customer.example"),
                ("prefill.host", "db.customer.example"),
                ("locked.host", "on"),
                ("prefill.port", "5433"),
                ("redirect_url", "https://app.example.com/done"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let list = app.get("/v1/invitations").await;
    let invitation = &list.json["data"][0];
    assert_eq!(invitation["expires_at"], serde_json::Value::Null);
    assert_eq!(invitation["max_uses"], serde_json::Value::Null);
    assert_eq!(
        invitation["allowed_emails"],
        serde_json::json!(["dba@customer.example", "ops@customer.example"])
    );
    assert_eq!(invitation["prefill"]["host"], "db.customer.example");
    assert_eq!(invitation["prefill"]["port"], 5433);
    assert_eq!(invitation["locked_fields"], serde_json::json!(["host"]));
    assert_eq!(invitation["redirect_url"], "https://app.example.com/done");
    // The recipient is one of the allowed addresses, and gets the link.
    app.emails_to("dba@customer.example", 1).await;
}

both!(the_console_speaks_the_users_language);
async fn the_console_speaks_the_users_language(app: TestApp) {
    let console = ConsoleClient::new(&app);
    let page = console
        .http
        .get(format!("{}/console/login", app.base))
        .header("Accept-Language", "fr-CH,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"fr\">"));
    let mut console = signed_in_owner(&app).await;
    let german = console.get("/console?lang=de").await;
    assert!(german.body.contains("<html lang=\"de\">"));
    // The choice stays with the user.
    let later = console.get("/console/users").await;
    assert!(later.body.contains("<html lang=\"de\">"));
}
