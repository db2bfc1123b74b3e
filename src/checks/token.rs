//! Token endpoint requests (RFC 6749, 4.1.3 and 6): a code exchanged, a refresh token used.
//! Sent like a check: to an address the egress policy vetted, never through a proxy or a
//! redirect, within the checks' time limit and slots. Nothing said about a failure holds a
//! token or the client's secret.

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use super::{Checker, http};
use crate::domain::connector::TokenAuth;
use crate::domain::oauth::{OAuthEndpoints, TokenRefusal, Tokens, read_token_response};

/// The largest token response read.
const MAX_BODY: usize = 64 * 1024;

/// The owner's OAuth client, as the token endpoint authenticates it.
#[derive(Clone, Copy)]
pub struct OAuthClient<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

/// What is traded for tokens.
#[derive(Clone, Copy)]
pub enum Grant<'a> {
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a str,
        /// PKCE's code verifier, when the flow used a challenge.
        verifier: Option<&'a str>,
    },
    Refresh {
        refresh_token: &'a str,
    },
}

impl Checker {
    /// Asks the token endpoint for tokens. `now` dates their expiry.
    pub async fn token(
        &self,
        endpoints: &OAuthEndpoints,
        client: OAuthClient<'_>,
        grant: Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<Tokens, TokenRefusal> {
        let Ok(_slot) = self.slots.try_acquire() else {
            return Err(TokenRefusal::Failed(
                "too many requests to vendors are running; try again shortly".into(),
            ));
        };
        match tokio::time::timeout(
            self.timeout,
            self.token_unbounded(endpoints, client, grant, now),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => Err(TokenRefusal::Failed(format!(
                "the token endpoint did not answer within {}",
                super::human(self.timeout)
            ))),
        }
    }

    async fn token_unbounded(
        &self,
        endpoints: &OAuthEndpoints,
        client: OAuthClient<'_>,
        grant: Grant<'_>,
        now: DateTime<Utc>,
    ) -> Result<Tokens, TokenRefusal> {
        let url = url::Url::parse(&endpoints.token_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| TokenRefusal::Failed("the token URL is not an http(s) URL".into()))?;
        let target = http::url_target(&url).unwrap_or_default();
        let failed = |f: super::CheckFailure| TokenRefusal::Failed(f.detail);
        let http_client = http::vetted_client(&self.policy, &url, self.timeout, None)
            .await
            .map_err(failed)?;
        let mut form: Vec<(&str, &str)> = match grant {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                verifier,
            } => {
                let mut form = vec![
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", redirect_uri),
                ];
                if let Some(verifier) = verifier {
                    form.push(("code_verifier", verifier));
                }
                form
            }
            Grant::Refresh { refresh_token } => vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        };
        let mut request = http_client
            .post(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        match endpoints.token_auth {
            TokenAuth::ClientSecretBasic => {
                // RFC 6749, 2.3.1: each part form-encoded before Basic.
                let encode = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                request = request.basic_auth(encode(client.id), Some(encode(client.secret)));
            }
            TokenAuth::ClientSecretPost => {
                form.push(("client_id", client.id));
                form.push(("client_secret", client.secret));
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let response = request
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| failed(http::failure(e.without_url(), &target, self.timeout, None)))?;
        let status = response.status().as_u16();
        let body = read_capped(response)
            .await
            .map_err(|e| failed(http::failure(e.without_url(), &target, self.timeout, None)))?;
        read_token_response(status, &body, &endpoints.scopes, now)
    }
}

/// The body, up to `MAX_BODY` bytes (a longer one is cut: it fails to parse).
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            body.truncate(MAX_BODY);
            break;
        }
    }
    Ok(body)
}
