//! The guest's pages end to end in real headless Chromium: each test starts its own
//! `chromedriver` (which starts Chromium with a fresh profile), drives the pages the way a
//! person on a phone would (typing, clicking, following links and redirects), and saves a
//! screenshot of every page it sees under `target/test-output/screenshots/`.
//!
//! Chromium and chromedriver come from Debian (`chromium`, `chromium-driver`); `scripts/test`
//! installs them when missing. Without them these tests fail, they never skip.

use crate::both;
use crate::helpers::{Backend, TestApp, eventually, spawn};
use axum::extract::{RawQuery, State};
use base64::Engine;
use chrono::Duration as ChronoDuration;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any one wait in the browser may take before the test fails.
pub(crate) const WAIT: Duration = Duration::from_secs(30);
/// A phone's viewport (the window size given to Chromium).
const PHONE: (u32, u32) = (412, 915);
/// WebDriver's code for the Tab key.
const TAB: &str = "\u{E004}";

/// At most two browsers at once: Chromium is heavy on a 2-core machine, and the rest of the
/// suite runs beside it.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// One headless Chromium behind its own chromedriver, ended when dropped.
pub(crate) struct Browser {
    pub(crate) client: Client,
    /// `<test>-<backend>`: the screenshots' name prefix.
    name: String,
    /// Portico's base URL: its pages must fit a phone's width.
    site: String,
    step: usize,
    /// The viewport's size now (CSS pixels): Portico's pages must fit its width.
    screen: (u32, u32),
    /// Every request Chromium sent, in order: (method, url, Origin header if any).
    requests: Vec<(String, String, Option<String>)>,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    _permit: SemaphorePermit<'static>,
}

/// chromedriver's Chrome log (the `performance` one: DevTools network events).
#[derive(Debug)]
struct PerformanceLog;

impl WebDriverCompatibleCommand for PerformanceLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "performance"}).to_string()),
        )
    }
}

/// A DevTools command run through chromedriver.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots")
}

impl Browser {
    /// Starts chromedriver on a free port, waits (bounded) until it answers, and opens a
    /// session of headless Chromium with a fresh profile and a phone-sized window.
    pub(crate) async fn start(test: &str, app: &TestApp) -> Browser {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: the browser tests need Debian's chromium and \
                 chromium-driver; run scripts/test, which installs them"
            );
        }
        let permit = BROWSERS
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let profile = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = profile.path().join("chromedriver.log");
        let mut command = tokio::process::Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            // Its own process group, so Chromium (its child) can be ended with it.
            .process_group(0)
            .kill_on_drop(true);
        let driver = command
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER} did not start ({e}); run scripts/test"));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let (http, status, driver_log) = (&http, &format!("{base}/status"), &log);
        eventually(
            &format!("chromedriver answers on {status}"),
            || async move {
                let ready = match http.get(status).send().await {
                    Ok(r) => r
                        .json::<Value>()
                        .await
                        .is_ok_and(|v| v["value"]["ready"] == true),
                    Err(_) => false,
                };
                ready.then_some(()).ok_or_else(|| {
                    format!(
                        "its log: {}",
                        std::fs::read_to_string(driver_log).unwrap_or_default()
                    )
                })
            },
        )
        .await;
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            format!("--window-size={},{}", PHONE.0, PHONE.1),
            format!(
                "--user-data-dir={}",
                profile.path().join("chromium").display()
            ),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args}),
        );
        capabilities.insert("goog:loggingPrefs".into(), json!({"performance": "ALL"}));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&base)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no Chromium session through chromedriver ({e}); run scripts/test. Log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        // Headless Chromium keeps its window at least 500 px wide and counts its (invisible)
        // toolbar in the height: emulate the phone's viewport itself.
        client
            .issue_cmd(Cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": PHONE.0, "height": PHONE.1, "deviceScaleFactor": 1, "mobile": true}),
            ))
            .await
            .expect("a phone-sized viewport");
        std::fs::create_dir_all(screenshot_dir()).expect("screenshot folder");
        let backend = match app.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        Browser {
            client,
            name: format!("{test}-{backend}"),
            site: app.base.clone(),
            step: 0,
            screen: PHONE,
            requests: Vec::new(),
            driver,
            _profile: profile,
            _permit: permit,
        }
    }

    /// Ends the browser session (Chromium quits); the drop ends chromedriver.
    pub(crate) async fn close(mut self) {
        self.read_network_log().await;
        let client = self.client.clone();
        client.close().await.expect("close the browser session");
    }

    /// Signs in to the console of `app` as `email` (with the suite's console password) through
    /// the sign-in page, and waits for the console's start page.
    pub(crate) async fn console_sign_in(&self, app: &TestApp, email: &str) {
        self.goto(&format!("{}/console/login", app.base)).await;
        self.type_into("#email", email).await;
        self.type_into("#password", crate::console::PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_for_url(&format!("{}/console", app.base)).await;
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits (bounded) for an element matching `css`.
    pub(crate) async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` within {WAIT:?}: {e}"))
    }

    /// Waits (bounded) for a `css` element whose text contains `text`; returns its text.
    pub(crate) async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let what = format!("a `{css}` containing {text:?}");
        eventually(&what, || async move {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(found) = element.text().await
                && found.contains(text)
            {
                return Ok(found);
            }
            Err(format!(
                "page: {}",
                self.client.source().await.unwrap_or_default()
            ))
        })
        .await
    }

    /// Waits (bounded) until the address bar shows a URL starting with `prefix`.
    pub(crate) async fn wait_for_url(&self, prefix: &str) -> url::Url {
        eventually(&format!("the browser reaches {prefix}"), || async move {
            match self.client.current_url().await {
                Ok(url) if url.as_str().starts_with(prefix) => Ok(url),
                other => Err(other),
            }
        })
        .await
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    pub(crate) async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
    }

    pub(crate) async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.expect("attribute")
    }

    /// The live value of an input (what the browser would submit).
    pub(crate) async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Replaces an input's value by typing, as a person would.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Clicks the `css` element once it is there (bounded): after a navigation the URL can
    /// change before the new document's body is parsed.
    pub(crate) async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    /// Clicks a button that removes the frame it is in (the host page closes it): the click's
    /// answer may then be "target frame detached", which is the click having worked. The test
    /// asserts what the click led to, not this answer.
    pub(crate) async fn click_closing_frame(&self, css: &str) {
        match self.find(css).await.click().await {
            Ok(()) => {}
            Err(e) if e.to_string().contains("frame detached") => {}
            Err(e) => panic!("click: {e:?}"),
        }
    }

    /// The HTTP status of the document shown (from the Navigation Timing entry).
    pub(crate) async fn status(&self) -> u16 {
        let status = self
            .client
            .execute(
                "return performance.getEntriesByType('navigation')[0].responseStatus",
                vec![],
            )
            .await
            .expect("navigation status");
        status.as_u64().expect("a status number") as u16
    }

    pub(crate) async fn lang(&self) -> String {
        self.attr("html", "lang").await.unwrap_or_default()
    }

    /// Saves what the screen shows (`<name>-NN-step.png`) and, for Portico's pages taller
    /// than the screen, the whole page (`...-full.png`). Portico's pages must not be wider
    /// than the screen (no sideways scrolling).
    pub(crate) async fn screenshot(&mut self, step: &str) {
        self.step += 1;
        let base = format!("{}-{:02}-{step}", self.name, self.step);
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_dir().join(format!("{base}.png")), png).expect("write png");
        let ours = self
            .client
            .current_url()
            .await
            .is_ok_and(|u| u.as_str().starts_with(&self.site));
        if !ours {
            return;
        }
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let height = metrics["cssContentSize"]["height"].as_f64().unwrap_or(0.0);
        let width = metrics["cssContentSize"]["width"].as_f64().unwrap_or(0.0);
        assert!(
            width <= f64::from(self.screen.0),
            "{base}: the page is {width}px wide on a {}px screen",
            self.screen.0
        );
        if height > f64::from(self.screen.1) {
            let shot = self
                .cdp(
                    "Page.captureScreenshot",
                    json!({"format": "png", "captureBeyondViewport": true,
                           "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
                )
                .await;
            let png = base64::engine::general_purpose::STANDARD
                .decode(shot["data"].as_str().expect("screenshot data"))
                .expect("base64 png");
            std::fs::write(screenshot_dir().join(format!("{base}-full.png")), png)
                .expect("write png");
        }
    }

    pub(crate) async fn cdp(&self, command: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp(command, params))
            .await
            .unwrap_or_else(|e| panic!("DevTools {command}: {e}"))
    }

    /// Sets the viewport's size (CSS pixels), for screenshots at other widths than a phone's.
    pub(crate) async fn viewport(&mut self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": width < 600}),
        )
        .await;
        self.screen = (width, height);
    }

    /// Screenshots of what the browser shows now, at a phone's (390 px) and a laptop's
    /// (1280 px) width; the viewport is a phone's again afterwards.
    pub(crate) async fn screenshots(&mut self, step: &str) {
        for (width, height) in [(390, 844), (1280, 800)] {
            self.viewport(width, height).await;
            self.screenshot(&format!("{step}-{width}px")).await;
        }
        self.viewport(390, 844).await;
    }

    /// Moves the DevTools network events chromedriver collected so far into `requests`.
    async fn read_network_log(&mut self) {
        let entries = self
            .client
            .issue_cmd(PerformanceLog)
            .await
            .unwrap_or_else(|e| panic!("chromedriver's performance log: {e}"));
        let mut sent: Vec<(String, String, Option<String>)> = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let Some(message) = entry["message"]
                .as_str()
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
            else {
                continue;
            };
            let message = &message["message"];
            let params = &message["params"];
            let header = |headers: &Value| {
                headers.as_object().and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("origin"))
                        .and_then(|(_, v)| v.as_str().map(str::to_string))
                })
            };
            match message["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    let request = &params["request"];
                    ids.push(params["requestId"].as_str().unwrap_or_default().into());
                    sent.push((
                        request["method"].as_str().unwrap_or_default().into(),
                        request["url"].as_str().unwrap_or_default().into(),
                        header(&request["headers"]),
                    ));
                }
                // The headers as really sent (the first event may not have them all yet).
                Some("Network.requestWillBeSentExtraInfo") => {
                    let id = params["requestId"].as_str().unwrap_or_default();
                    if let Some(origin) = header(&params["headers"])
                        && let Some(i) = ids.iter().rposition(|x| x == id)
                    {
                        sent[i].2 = Some(origin);
                    }
                }
                _ => {}
            }
        }
        self.requests.extend(sent);
    }

    /// The `Origin` header of every POST Chromium sent so far, with its URL.
    async fn post_origins(&mut self) -> Vec<(String, Option<String>)> {
        self.read_network_log().await;
        self.requests
            .iter()
            .filter(|(method, _, _)| method == "POST")
            .map(|(_, url, origin)| (url.clone(), origin.clone()))
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed midway leaves Chromium running under chromedriver: end the whole
        // process group this browser started (chromedriver's own id), by its id.
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// A tiny site on loopback standing in for the owner's app: answers `landed` and records the
/// query string of every visit.
struct Landing {
    url: String,
    queries: Arc<Mutex<Vec<String>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn landing_site() -> Landing {
    async fn landed(
        State(queries): State<Arc<Mutex<Vec<String>>>>,
        RawQuery(query): RawQuery,
    ) -> &'static str {
        queries.lock().unwrap().push(query.unwrap_or_default());
        "landed"
    }
    let queries = Arc::new(Mutex::new(Vec::new()));
    let router = axum::Router::new()
        .route("/landed", axum::routing::get(landed))
        .with_state(queries.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the landing site");
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .expect("landing site");
    });
    Landing {
        url: format!("http://127.0.0.1:{}/landed", addr.port()),
        queries,
        _shutdown: tx,
    }
}

fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The origins Chromium may send on our POSTs: `null` (the pages say `no-referrer`) or ours.
fn assert_post_origins(app: &TestApp, origins: &[(String, Option<String>)], expected_posts: usize) {
    let ours = url::Url::parse(&app.base)
        .unwrap()
        .origin()
        .ascii_serialization();
    let to_us: Vec<_> = origins
        .iter()
        .filter(|(url, _)| url.starts_with(&app.base))
        .collect();
    assert_eq!(to_us.len(), expected_posts, "POSTs seen: {origins:?}");
    for (url, origin) in to_us {
        let origin = origin.as_deref().unwrap_or("(none)");
        eprintln!("Chromium sent Origin: {origin} on POST {url}");
        assert!(
            origin == "null" || origin == ours,
            "unexpected Origin {origin} on {url}"
        );
    }
}

/// Open the link, prove the email with the code from the mailbox, fill the form, see a field
/// error, fix it, finish, and land on the owner's redirect URL.
async fn guest_completes_the_whole_flow_in_chromium(app: TestApp) {
    let landing = landing_site().await;
    let email = "julia@example.com";
    let canary = "canary-pw-7f3a9c";
    let invitation = app
        .create_invitation(json!({
            "connector": "postgres",
            "connection_name": "Warehouse",
            "direction": "source",
            "allowed_emails": ["Julia@Example.com"],
            "prefill": {"host": "127.0.0.1", "database": "test"},
            "locked_fields": ["host"],
            "redirect_url": landing.url,
        }))
        .await;
    let link = invitation["url"].as_str().unwrap();
    let mut browser = Browser::start("guest_completes_the_whole_flow_in_chromium", &app).await;

    browser.goto(link).await;
    browser.wait_for("input[name=email]").await;
    assert_eq!(browser.status().await, 200);
    assert_eq!(browser.lang().await, "en");
    assert_eq!(browser.text("h1").await, "Confirm your email address");
    assert_eq!(browser.text(".context").await, "Warehouse · PostgreSQL");
    browser.screenshot("email").await;

    // The first Tab reaches the (otherwise hidden) skip link, which then shows.
    browser
        .find("body")
        .await
        .send_keys(TAB)
        .await
        .expect("press Tab");
    let focused = browser.client.active_element().await.expect("focus");
    assert_eq!(
        focused.attr("class").await.unwrap().as_deref(),
        Some("skip")
    );
    assert!(focused.is_displayed().await.unwrap());
    browser.screenshot("skip-link-focused").await;

    browser.type_into("input[name=email]", email).await;
    browser.screenshot("email-typed").await;
    browser
        .click("form[action='/g/s/email'] button[type=submit]")
        .await;
    browser.wait_for("input[name=code]").await;
    assert_eq!(browser.text("h1").await, "Enter your code");
    assert!(browser.text("main").await.contains(email));
    browser.screenshot("code").await;

    let code = app.code_sent_to(email, 1).await;
    browser.type_into("input[name=code]", &code).await;
    browser
        .click("form[action='/g/s/code'] button[type=submit]")
        .await;
    browser.wait_for("form[action='/g/s/submit']").await;
    assert_eq!(browser.status().await, 200);
    assert_eq!(browser.text("h1").await, "Connect PostgreSQL");
    assert_eq!(
        browser.client.title().await.unwrap(),
        "Connect PostgreSQL",
        "the tab's title"
    );
    assert!(
        browser.text("main").await.contains("“Warehouse”"),
        "the owner's connection name is shown"
    );
    assert_eq!(browser.value("input[name=host]").await, "127.0.0.1");
    assert!(
        browser.attr("input[name=host]", "readonly").await.is_some(),
        "the locked host is read-only"
    );
    assert_eq!(browser.value("input[name=database]").await, "test");
    assert_eq!(browser.value("input[name=port]").await, "5432");
    assert_eq!(
        browser
            .attr("input[name=password]", "type")
            .await
            .as_deref(),
        Some("password")
    );
    assert_eq!(browser.value("select[name=ssl_mode]").await, "prefer");
    let password_help = browser.text("#password-help").await;
    assert_eq!(
        password_help.matches("never shown again").count(),
        1,
        "said once: {password_help}"
    );
    browser.screenshot("form").await;

    // A port out of range: the form comes back with the field's error and no password.
    browser.type_into("input[name=user]", "postgres").await;
    browser.type_into("input[name=password]", canary).await;
    browser.type_into("input[name=port]", "70000").await;
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    let port_error = browser.wait_for("#port-error").await;
    assert_eq!(browser.status().await, 422);
    assert_eq!(
        port_error.text().await.unwrap(),
        "Enter a number between 1 and 65535."
    );
    let summary = browser.text("#errors").await;
    assert!(
        summary.contains("Port: Enter a number between 1 and 65535."),
        "{summary}"
    );
    assert_eq!(
        browser.attr("#errors a", "href").await.as_deref(),
        Some("#port")
    );
    assert_eq!(
        browser
            .attr("input[name=port]", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(browser.value("input[name=port]").await, "70000");
    assert_eq!(browser.value("input[name=user]").await, "postgres");
    assert_eq!(browser.value("input[name=host]").await, "127.0.0.1");
    assert_eq!(
        browser.value("input[name=password]").await,
        "",
        "never echoed"
    );
    assert!(!browser.client.source().await.unwrap().contains(canary));
    browser.screenshot("port-error").await;

    // Fixed: the check logs in to the real PostgreSQL, and the browser lands on the owner's app.
    browser.type_into("input[name=port]", "5432").await;
    browser.type_into("input[name=password]", canary).await;
    browser
        .find("select[name=ssl_mode]")
        .await
        .select_by_value("disable")
        .await
        .expect("choose ssl_mode");
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    let landed = browser.wait_for_url(&landing.url).await;
    browser.wait_for_text("body", "landed").await;
    browser.screenshot("landed").await;
    assert_eq!(query_value(&landed, "status").as_deref(), Some("success"));
    let connection_id = query_value(&landed, "connection_id").expect("connection_id");
    let seen = landing.queries.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains(&format!("connection_id={connection_id}")));

    let connection = app.get(&format!("/v1/connections/{connection_id}")).await;
    assert_eq!(connection.status, 200, "{}", connection.text);
    assert_eq!(connection.json["connector"], "postgres");
    assert_eq!(connection.json["name"], "Warehouse");
    assert!(!connection.text.contains(canary));
    let credentials = app
        .get(&format!("/v1/connections/{connection_id}/credentials"))
        .await;
    assert_eq!(
        credentials.json["config"],
        json!({"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres",
               "password": canary, "ssl_mode": "disable"})
    );
    let invitation = app
        .get(&format!(
            "/v1/invitations/{}",
            invitation["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(invitation.json["status"], "fulfilled");
    let events = app.event_types().await;
    for expected in [
        "invitation.opened",
        "invitation.email_verified",
        "connection.created",
        "invitation.fulfilled",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected} in {events:?}"
        );
    }

    // Three POSTs (email, code, the 422 submit) and the final one: none refused for its Origin.
    let origins = browser.post_origins().await;
    assert_post_origins(&app, &origins, 4);
    browser.close().await;
}
both!(guest_completes_the_whole_flow_in_chromium);

/// An `edit_connection` link: the form for the existing connection, a new key, the done page;
/// the connection keeps its id and holds the new key.
async fn guest_reconnects_an_existing_connection_in_chromium(app: TestApp) {
    let connection = app.create_connection("old-key-1").await;
    let id = connection["id"].as_str().unwrap().to_string();
    let invitation = app
        .create_invitation(json!({"kind": "edit_connection", "connection_id": id,
                                  "connector": null, "connection_name": null}))
        .await;
    let mut browser =
        Browser::start("guest_reconnects_an_existing_connection_in_chromium", &app).await;

    browser.goto(invitation["url"].as_str().unwrap()).await;
    browser.wait_for("form[action='/g/s/submit']").await;
    assert_eq!(browser.text("h1").await, "Update the Sandbox credentials");
    assert_eq!(
        browser.client.title().await.unwrap(),
        "Update the Sandbox credentials"
    );
    assert_eq!(
        browser.value("input[name=api_key]").await,
        "",
        "no secret shown"
    );
    assert_eq!(
        browser.attr("input[name=api_key]", "type").await.as_deref(),
        Some("password")
    );
    browser.screenshot("form").await;

    browser.type_into("input[name=api_key]", "new-key-2").await;
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    let done = browser.wait_for_text("h1", "All set").await;
    assert_eq!(done, "All set");
    assert_eq!(browser.status().await, 200);
    assert_eq!(
        browser.text("main p").await,
        "The connection “HR” is ready. You can close this page."
    );
    browser.screenshot("done").await;

    let credentials = app.get(&format!("/v1/connections/{id}/credentials")).await;
    assert_eq!(credentials.status, 200, "{}", credentials.text);
    assert_eq!(credentials.json["connection_id"], id.as_str());
    assert_eq!(credentials.json["config"]["api_key"], "new-key-2");
    let listed = app.get("/v1/connections").await;
    let ids: Vec<&str> = listed.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()], "the same connection, no new one");
    assert!(
        app.event_types()
            .await
            .iter()
            .any(|e| e == "connection.updated")
    );

    // The link is used up now: opening it again says so.
    browser.goto(invitation["url"].as_str().unwrap()).await;
    browser.wait_for_text("main", "already been used").await;
    assert_eq!(browser.status().await, 410);
    browser.screenshot("used-up").await;

    let origins = browser.post_origins().await;
    assert_post_origins(&app, &origins, 1);
    browser.close().await;
}
both!(guest_reconnects_an_existing_connection_in_chromium);

/// A German invitation: German page and `<html lang="de">`; the switcher's Français link
/// turns the page French.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_sees_the_page_in_german_and_switches_language_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let invitation = app.create_invitation(json!({"language": "de"})).await;
    let mut browser = Browser::start(
        "guest_sees_the_page_in_german_and_switches_language_in_chromium",
        &app,
    )
    .await;

    browser.goto(invitation["url"].as_str().unwrap()).await;
    browser.wait_for("form[action='/g/s/submit']").await;
    assert_eq!(browser.lang().await, "de");
    assert_eq!(browser.text("h1").await, "Sandbox verbinden");
    assert_eq!(
        browser.text("label[for=api_key]").await,
        "API-Schlüssel (erforderlich)"
    );
    assert_eq!(
        browser.text("nav [aria-current]").await,
        "Deutsch",
        "the current language is marked"
    );
    browser.screenshot("de").await;

    browser.click("nav a[hreflang=fr]").await;
    browser.wait_for_text("h1", "Connecter Sandbox").await;
    assert_eq!(browser.lang().await, "fr");
    assert_eq!(browser.text("nav [aria-current]").await, "Français");
    assert!(
        browser
            .text("label[for=api_key]")
            .await
            .starts_with("Clé d'API")
    );
    browser.screenshot("fr").await;

    // The choice sticks: a field error comes back in French too.
    browser
        .click("form[action='/g/s/submit'] button[type=submit]")
        .await;
    browser.wait_for("#api_key-error").await;
    assert_eq!(browser.lang().await, "fr");
    assert_eq!(browser.status().await, 422);
    browser.screenshot("fr-error").await;

    // And the switcher still works on a page that answered a POST.
    browser.click("nav a[hreflang=it]").await;
    browser.wait_for_text("h1", "Connetti Sandbox").await;
    assert_eq!(browser.lang().await, "it");
    browser.screenshot("it-after-post").await;
    browser.close().await;
}

/// The email-proof pages in German, and the switcher on the code page (reached by a POST).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_switches_language_on_the_code_page_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let invitation = app
        .create_invitation(json!({"language": "de", "allowed_emails": ["ops@example.com"]}))
        .await;
    let mut browser =
        Browser::start("guest_switches_language_on_the_code_page_in_chromium", &app).await;

    browser.goto(invitation["url"].as_str().unwrap()).await;
    browser.wait_for("input[name=email]").await;
    assert_eq!(
        browser.text("h1").await,
        "Bestätigen Sie Ihre E-Mail-Adresse"
    );
    browser.screenshot("email-de").await;
    browser
        .type_into("input[name=email]", "ops@example.com")
        .await;
    browser
        .click("form[action='/g/s/email'] button[type=submit]")
        .await;
    browser.wait_for("input[name=code]").await;
    assert_eq!(browser.text("h1").await, "Code eingeben");
    browser.screenshot("code-de").await;

    browser.click("nav a[hreflang=es]").await;
    browser.wait_for_text("h1", "Introduzca su código").await;
    assert_eq!(browser.lang().await, "es");
    assert_eq!(browser.status().await, 200);
    browser.screenshot("code-es").await;

    // A wrong code: the error in Spanish.
    browser.type_into("input[name=code]", "000000").await;
    browser
        .click("form[action='/g/s/code'] button[type=submit]")
        .await;
    browser.wait_for("#code-error").await;
    assert_eq!(browser.status().await, 422);
    assert_eq!(browser.lang().await, "es");
    browser.screenshot("code-wrong-es").await;
    browser.close().await;
}

/// An expired link shows the 410 page that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_sees_that_an_expired_link_has_expired_in_chromium() {
    let app = spawn(Backend::Sqlite).await;
    let invitation = app
        .create_invitation(json!({"expires_in_seconds": 3600}))
        .await;
    app.clock.advance(ChronoDuration::seconds(3601));
    let mut browser = Browser::start(
        "guest_sees_that_an_expired_link_has_expired_in_chromium",
        &app,
    )
    .await;

    browser.goto(invitation["url"].as_str().unwrap()).await;
    browser
        .wait_for_text("h1", "This link can no longer be used")
        .await;
    assert_eq!(browser.status().await, 410);
    let main = browser.text("main").await;
    assert!(main.contains("The link has expired."), "{main}");
    assert!(main.contains("Ask the sender for a new link"), "{main}");
    // The one form is the request for a new link (nothing of the flow is open).
    let forms = browser
        .client
        .find_all(Locator::Css("form"))
        .await
        .expect("forms");
    assert_eq!(forms.len(), 1);
    let action = forms[0].attr("action").await.unwrap().unwrap_or_default();
    assert!(action.ends_with("/renew"), "{action}");
    browser.screenshot("expired").await;
    browser.close().await;
}
