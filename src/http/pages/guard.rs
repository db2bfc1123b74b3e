//! What protects the guest pages: the session cookie, CSRF tokens with an Origin check, rate
//! limits, and the security headers, framing included.
//!
//! Embedding, end to end (issue 12):
//! - The owner lists `embed_origins` on its account (`PATCH /v1/account`, `domain::account`).
//! - Every page handler that knows the invitation (`GET /g/{token}` from the link, `/g/s/*`
//!   from the session cookie) asks the service for its account's embed origins
//!   (`Portico::embed_origins`) and builds a [`Framing`] from them and the request's
//!   `Sec-Fetch-Dest`: `framed` when the browser navigates a frame (`iframe`/`frame`) and the
//!   account lists at least one origin.
//! - [`Framing::apply`] puts a [`Policy`] on the response; the [`headers`] middleware turns it
//!   into `Content-Security-Policy` (`frame-ancestors` = exactly the account's origins, or
//!   `'none'`; `script-src 'self'` only on framed pages) and `X-Frame-Options: DENY` whenever
//!   nothing may frame. A response without a policy (no invitation known: 404, a dead session,
//!   the assets) keeps `'none'` and DENY.
//! - [`set_cookie`] gives a framed session `SameSite=None; Secure; Partitioned` (CHIPS: the
//!   browser keeps it in the embedding top-level site's partition, so it works in that
//!   embedding only); every other session keeps `SameSite=Strict`.
//! - Framed pages carry the embed origins (and, on the done page, the activation token: the
//!   completion's result code) as data attributes, a hidden Cancel button, and
//!   `/g/assets/embed.js` (`static/embed.js`), which shows Cancel and posts `{type: "close"}`
//!   or `{type: "success", data: {activation_token}}` to `window.parent`, targeted at the
//!   parent's origin when `location.ancestorOrigins` names a listed one, else at each listed
//!   origin (a message reaches only the matching one), never `"*"`.
//! - A framed submission ends on that done page even with a `redirect_url`: the embedding
//!   learns the outcome from the message, and a redirect would load the owner's page inside
//!   its own frame.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use uuid::Uuid;

use crate::domain::account::EmbedOrigin;
use crate::domain::client_ip::limit_key;
use crate::domain::guest::SESSION_TTL;
use crate::secret::Secret;

/// The session cookie's name: `__Host-` prefixed (so it is bound to this host, path `/` and
/// https) when the public URL is https.
pub fn cookie_name(public_url: &str) -> &'static str {
    if public_url.starts_with("https://") {
        "__Host-portico_guest"
    } else {
        "portico_guest"
    }
}

pub fn session_cookie(headers: &HeaderMap, public_url: &str) -> Option<Secret<String>> {
    let name = cookie_name(public_url);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| Secret::new(v.to_string()))
}

/// The `Set-Cookie` of a session that has `max_age` left. A framed session's cookie is
/// `SameSite=None; Secure; Partitioned`: a cross-site frame never sends a Strict (or Lax) one,
/// and the partition keys it to the embedding top-level site. Chromium takes `Secure` cookies
/// from `http://localhost` and `http://127.0.0.1` too (measured by `tests/api/embedded.rs`).
pub fn set_cookie(
    value: &Secret<String>,
    public_url: &str,
    max_age: chrono::Duration,
    framed: bool,
) -> HeaderValue {
    let same_site = if framed {
        "SameSite=None; Secure; Partitioned"
    } else if public_url.starts_with("https://") {
        "SameSite=Strict; Secure"
    } else {
        "SameSite=Strict"
    };
    HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; Max-Age={}; {same_site}",
        cookie_name(public_url),
        value.expose(),
        max_age.num_seconds().clamp(0, SESSION_TTL.num_seconds())
    ))
    .expect("cookie values are base64url, digits and dots")
}

/// A POST must come from our own pages: an `Origin` other than ours is refused. Browsers send
/// `Origin: null` under `Referrer-Policy: no-referrer`, so `null` and a missing header pass
/// here and the CSRF token decides.
pub fn origin_allowed(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let ours = url::Url::parse(public_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    origin == ours
}

/// Per-IP and per-invitation request budgets, in memory: they protect this process, not a
/// rule of the product, so several nodes each keeping their own is fine.
pub struct GuestLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_invitation: DefaultKeyedRateLimiter<Uuid>,
}

impl GuestLimits {
    pub fn new(per_ip_per_minute: u32, per_invitation_per_minute: u32) -> GuestLimits {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("positive"));
        GuestLimits {
            per_ip: RateLimiter::keyed(quota(per_ip_per_minute)),
            per_invitation: RateLimiter::keyed(quota(per_invitation_per_minute)),
        }
    }

    /// IPv6 clients share the budget of their /64 (`client_ip::limit_key`).
    pub fn allow_ip(&self, ip: IpAddr) -> bool {
        self.per_ip.check_key(&limit_key(ip)).is_ok()
    }

    pub fn allow_invitation(&self, id: Uuid) -> bool {
        self.per_invitation.check_key(&id).is_ok()
    }

    /// Drops the state of keys that have been idle long enough to be full again.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_invitation.retain_recent();
    }
}

/// Whether the browser is navigating a frame (`Sec-Fetch-Dest`, which pages cannot set).
pub fn frame_navigation(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|dest| matches!(dest, "iframe" | "frame"))
}

/// Who may frame a page of one invitation, and whether this request is such a frame.
#[derive(Debug, Clone, Default)]
pub struct Framing {
    /// The invitation's account's `embed_origins`.
    pub origins: Vec<EmbedOrigin>,
    /// A frame navigation for an account that lists embed origins.
    pub framed: bool,
    /// The account's branding, read with its origins (pages show it, framed or not).
    pub branding: crate::domain::branding::Branding,
}

impl Framing {
    pub fn new(headers: &HeaderMap, origins: Vec<EmbedOrigin>) -> Framing {
        Framing {
            framed: !origins.is_empty() && frame_navigation(headers),
            origins,
            branding: Default::default(),
        }
    }

    /// The embed origins as a page's data attribute (space-separated, like a CSP source list).
    pub fn origins_attribute(&self) -> String {
        self.origins
            .iter()
            .map(EmbedOrigin::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Lets the account's origins frame `response`, and its page load `embed.js` when framed.
    pub fn apply(&self, mut response: Response) -> Response {
        let policy = policy_mut(&mut response);
        policy.frame_ancestors = self.origins.clone();
        policy.script = self.framed;
        response
    }
}

/// What the CSP of one guest response allows beyond the defaults; put on the response (as an
/// extension) by the handler, rendered by [`headers`].
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// An origin a form may end at (the redirect after a submission), beside `'self'`.
    pub form_target: Option<String>,
    /// Who may frame the page; empty: nobody (`'none'` and `X-Frame-Options: DENY`).
    pub frame_ancestors: Vec<EmbedOrigin>,
    /// `script-src 'self'` (for `/g/assets/embed.js`); never inline script.
    pub script: bool,
}

/// The response's policy, added with the defaults if it has none yet.
pub fn policy_mut(response: &mut Response) -> &mut Policy {
    let extensions = response.extensions_mut();
    if extensions.get::<Policy>().is_none() {
        extensions.insert(Policy::default());
    }
    extensions.get_mut::<Policy>().expect("inserted above")
}

/// Allows a page's form to end in a redirect to `redirect_url`'s origin.
pub fn allow_form_target(response: &mut Response, redirect_url: Option<&str>) {
    policy_mut(response).form_target = redirect_url
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization());
}

impl Policy {
    pub fn csp(&self) -> HeaderValue {
        let target = self
            .form_target
            .as_deref()
            .map(|origin| format!(" {origin}"))
            .unwrap_or_default();
        let ancestors = if self.frame_ancestors.is_empty() {
            "'none'".to_string()
        } else {
            self.frame_ancestors
                .iter()
                .map(EmbedOrigin::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let script = if self.script {
            " script-src 'self';"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "default-src 'none';{script} style-src 'self'; img-src 'self'; \
             form-action 'self'{target}; frame-ancestors {ancestors}; base-uri 'none'"
        ))
        .expect("CSP is ASCII: embed origins are checked to be")
    }
}

/// Headers on every guest response: nothing cached, no referrer (the URL may hold the token),
/// no framing but by the account's embed origins, no inline script.
/// What every guest and console page carries: never cached (they show links and one-time
/// values), no referrer (a token can be in the path), no content sniffing.
pub fn private_page_headers(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let policy = response
        .extensions_mut()
        .remove::<Policy>()
        .unwrap_or_default();
    let headers = response.headers_mut();
    private_page_headers(headers);
    if policy.frame_ancestors.is_empty() {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    } else {
        headers.remove(header::X_FRAME_OPTIONS);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_origins_are_refused() {
        let mut h = HeaderMap::new();
        assert!(origin_allowed(&h, "http://127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(origin_allowed(&h, "http://127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!origin_allowed(&h, "http://127.0.0.1:8080"));
    }

    #[test]
    fn https_cookies_are_host_bound_and_secure() {
        let v = set_cookie(
            &Secret::new("x".into()),
            "https://portico.example",
            SESSION_TTL,
            false,
        );
        let v = v.to_str().unwrap();
        assert!(v.starts_with("__Host-portico_guest=x; Path=/; HttpOnly; Max-Age=3600"));
        assert!(v.ends_with("; SameSite=Strict; Secure"));
    }

    #[test]
    fn only_framed_cookies_are_cross_site_and_partitioned() {
        let value = Secret::new("x".into());
        let top = set_cookie(&value, "http://127.0.0.1:8080", SESSION_TTL, false);
        assert!(top.to_str().unwrap().ends_with("; SameSite=Strict"));
        let framed = set_cookie(&value, "http://127.0.0.1:8080", SESSION_TTL, true);
        assert!(
            framed
                .to_str()
                .unwrap()
                .ends_with("; SameSite=None; Secure; Partitioned")
        );
    }

    #[test]
    fn a_frame_navigation_without_embed_origins_is_not_framed() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-dest", HeaderValue::from_static("iframe"));
        assert!(!Framing::new(&h, Vec::new()).framed);
        let origins = vec![EmbedOrigin::parse("https://app.example.com").unwrap()];
        assert!(Framing::new(&h, origins.clone()).framed);
        h.insert("sec-fetch-dest", HeaderValue::from_static("document"));
        assert!(!Framing::new(&h, origins).framed);
    }

    #[test]
    fn frame_ancestors_are_none_or_exactly_the_origins() {
        let none = Policy::default().csp();
        assert!(none.to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(!none.to_str().unwrap().contains("script-src"));
        let policy = Policy {
            form_target: None,
            frame_ancestors: vec![
                EmbedOrigin::parse("https://app.example.com").unwrap(),
                EmbedOrigin::parse("http://localhost:3000").unwrap(),
            ],
            script: true,
        };
        let csp = policy.csp();
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors https://app.example.com http://localhost:3000;"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self';"), "{csp}");
    }
}
