//! A real OAuth 2 authorization server for the tests: `oidc-provider` (npm, pinned, installed
//! by `scripts/test` into `target/node_modules`) started on loopback by
//! `tests/support/oidc_provider.mjs`, and a browser-less user who signs in and consents on its
//! pages the way a guest would.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::BOUND;

pub const PROVIDER_MODULE: &str = "target/node_modules/oidc-provider";
/// Where the test clients say they are sent back; nothing listens there: the user stops at
/// the redirect and reads its query.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

/// A running provider; stopped when dropped.
pub struct Provider {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    http: Client,
    _child: Child,
}

/// Two clients: `basic` authenticates with HTTP Basic, `post` in the form body.
pub fn clients() -> Value {
    json!([
        {"client_id": "basic", "client_secret": "basic-secret", "redirect_uris": [REDIRECT_URI],
         "token_endpoint_auth_method": "client_secret_basic"},
        {"client_id": "post", "client_secret": "post-secret", "redirect_uris": [REDIRECT_URI],
         "token_endpoint_auth_method": "client_secret_post"},
    ])
}

impl Provider {
    /// Starts the provider with its access tokens living `access_ttl` seconds. Its absence
    /// fails the test: `scripts/test` installs it.
    pub async fn start(access_ttl: i64) -> Provider {
        assert!(
            std::path::Path::new(PROVIDER_MODULE)
                .join("package.json")
                .exists(),
            "{PROVIDER_MODULE} is missing: run scripts/test, which installs oidc-provider"
        );
        let config = json!({"access_ttl": access_ttl, "clients": clients(),
            "exit_on_stdin_close": true});
        let mut child = Command::new("node")
            .arg("tests/support/oidc_provider.mjs")
            .arg(config.to_string())
            .env("OIDC_PROVIDER_MODULE", PROVIDER_MODULE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(BOUND, lines.next_line())
            .await
            .expect("the provider starts in time")
            .expect("its stdout reads")
            .expect("a line: its endpoints");
        let started: Value = serde_json::from_str(&line).expect("JSON");
        let text = |k: &str| started[k].as_str().expect(k).to_string();
        Provider {
            issuer: text("issuer"),
            authorization_endpoint: text("authorization_endpoint"),
            token_endpoint: text("token_endpoint"),
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _child: child,
        }
    }

    /// `/test/counters`: token requests by grant type and outcome.
    pub async fn counters(&self) -> Value {
        let url = format!("{}/test/counters", self.issuer);
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Revokes every grant: what a vendor does when the user withdraws access.
    pub async fn revoke_grants(&self) {
        let url = format!("{}/test/revoke-grants", self.issuer);
        let reply = self.http.post(url).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
    }

    /// `GET /api/me` with an access token: the status.
    pub async fn me(&self, access_token: &str) -> StatusCode {
        let url = format!("{}/api/me", self.issuer);
        let reply = self.http.get(url).bearer_auth(access_token).send().await;
        reply.unwrap().status()
    }

    /// Opens `authorize_url`, signs in as `login` and answers the consent page with
    /// `decision` (`allow` or `deny`): the query the provider sends the user back with.
    pub async fn sign_in(
        &self,
        authorize_url: &str,
        login: &str,
        decision: &str,
    ) -> BTreeMap<String, String> {
        let mut jar = BTreeMap::<String, String>::new();
        let mut next = self.absolute(authorize_url);
        let mut form: Option<Vec<(&str, &str)>> = None;
        for _ in 0..12 {
            if next.starts_with(REDIRECT_URI) {
                let url = url::Url::parse(&next).unwrap();
                return url.query_pairs().into_owned().collect();
            }
            let cookies = jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let request = match form.take() {
                Some(fields) => {
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(fields)
                        .finish();
                    self.http
                        .post(&next)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body)
                }
                None => self.http.get(&next),
            };
            let reply = request.header(COOKIE, cookies).send().await.unwrap();
            for set in reply.headers().get_all(SET_COOKIE) {
                let pair = set.to_str().unwrap().split(';').next().unwrap();
                if let Some((name, value)) = pair.split_once('=') {
                    jar.insert(name.to_string(), value.to_string());
                }
            }
            if let Some(location) = reply.headers().get(LOCATION) {
                next = self.absolute(location.to_str().unwrap());
                continue;
            }
            let status = reply.status();
            let page = reply.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{page}");
            let action = attribute(&page, "action").expect("a form on the page");
            next = self.absolute(&action.replace("&amp;", "&"));
            form = Some(if page.contains("id=\"login\"") {
                vec![("login", login), ("password", "any")]
            } else {
                vec![("decision", decision)]
            });
        }
        panic!("the provider never sent the user back");
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.issuer)
        } else {
            location.to_string()
        }
    }
}

/// The value of the first `name="..."` attribute in `html`.
fn attribute(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}
