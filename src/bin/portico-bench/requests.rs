//! The requests the scenarios send, as an owner's backend and a guest's browser send them, and
//! how an answer counts.

use crate::driver::Outcome;
use anyhow::{Context, bail};
use axum::http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

/// The body of every invitation the bench creates: the sandbox connector, no email proof (so a
/// guest goes straight to the form), one use or, with `unlimited`, `max_uses: null`.
pub fn invitation_body(unlimited: bool) -> Value {
    let mut body = json!({
        "connector": "sandbox",
        "connection_name": "Acme HR",
        "expires_in_seconds": 86400,
        "prefill": {},
        "end_user": {"organization_name": "Acme", "origin_id": "cust_42"},
        "metadata": {"plan": "pro"}
    });
    if unlimited {
        body["max_uses"] = Value::Null;
    }
    body
}

/// A guest who opened a link and holds a session cookie and the form's CSRF token.
pub struct ReadyGuest {
    pub cookie: String,
    pub csrf: String,
}

pub const GUEST_COOKIE: &str = "portico_guest";

/// Creates an invitation over the API (`POST /v1/invitations`): its id and its link.
pub async fn create_invitation(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    unlimited: bool,
) -> anyhow::Result<(Uuid, String)> {
    let response = http
        .post(format!("{base}/v1/invitations"))
        .header(header::AUTHORIZATION, auth.clone())
        .json(&invitation_body(unlimited))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if status != StatusCode::CREATED {
        bail!("creating an invitation answered {status}: {body}");
    }
    let id = body["id"].as_str().context("the invitation has an id")?;
    let url = body["url"].as_str().context("a new invitation has a url")?;
    Ok((id.parse()?, url.to_string()))
}

/// Creates a one-use invitation and opens its link like a browser would: the session cookie
/// from `Set-Cookie`, the CSRF token from the form.
pub async fn open_as_guest(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
) -> anyhow::Result<ReadyGuest> {
    let (_, url) = create_invitation(http, base, auth, false).await?;
    let response = http.get(&url).send().await?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(cookie_value)
        .context("no session cookie")?;
    let html = response.text().await?;
    if status != StatusCode::OK {
        bail!("the link answered {status}");
    }
    let csrf = attr_after(&html, r#"name="csrf" value=""#).context("no CSRF token on the page")?;
    Ok(ReadyGuest { cookie, csrf })
}

/// The guest cookie's value in one `Set-Cookie` header.
fn cookie_value(set_cookie: &str) -> Option<String> {
    let (name, value) = set_cookie.split(';').next()?.split_once('=')?;
    (name.trim() == GUEST_COOKIE).then(|| value.to_string())
}

/// The text between `prefix` and the next `"`.
fn attr_after(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// Reads the whole body (so the connection goes back to the pool) and checks the status.
pub async fn expect(response: reqwest::Result<reqwest::Response>, status: u16) -> Outcome {
    let response = match response {
        Ok(response) => response,
        Err(e) => return Outcome::Failed(format!("request: {e}")),
    };
    let got = response.status().as_u16();
    match response.bytes().await {
        Ok(_) if got == status => Outcome::Done,
        Ok(body) => Outcome::Failed(format!(
            "expected {status}, got {got}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
        Err(e) => Outcome::Failed(format!("reading the body: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico::domain::invitation::NewInvitation;

    #[test]
    fn the_guest_cookie_and_csrf_token_are_found() {
        assert_eq!(
            cookie_value("portico_guest=abc_-1; Path=/; HttpOnly").as_deref(),
            Some("abc_-1")
        );
        assert_eq!(cookie_value("other=1; Path=/"), None);
        let html = r#"<input type="hidden" name="csrf" value="tok-EN_1">"#;
        assert_eq!(
            attr_after(html, r#"name="csrf" value=""#).as_deref(),
            Some("tok-EN_1")
        );
    }

    #[test]
    fn every_bench_invitation_is_a_valid_request() {
        for unlimited in [false, true] {
            let request: NewInvitation = serde_json::from_value(invitation_body(unlimited))
                .expect("the bench's invitation body parses");
            assert_eq!(request.connector.as_deref(), Some("sandbox"));
        }
    }
}
