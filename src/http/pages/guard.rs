//! What protects the guest pages: the session cookie, CSRF tokens with an Origin check, rate
//! limits, and the security headers.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use uuid::Uuid;

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

/// The `Set-Cookie` of a session that has `max_age` left.
pub fn set_cookie(
    value: &Secret<String>,
    public_url: &str,
    max_age: chrono::Duration,
) -> HeaderValue {
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
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

/// `form-action` sources for a page whose form may end in a redirect to `redirect_url`.
pub fn csp(redirect_url: Option<&str>) -> HeaderValue {
    let target = redirect_url
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'{target}; \
         frame-ancestors 'none'; base-uri 'none'"
    ))
    .expect("CSP is ASCII")
}

/// Headers on every guest response: nothing cached, no referrer (the URL may hold the token),
/// no framing, no inline script.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp(None));
    }
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
        );
        let v = v.to_str().unwrap();
        assert!(v.starts_with("__Host-portico_guest=x; Path=/; HttpOnly; SameSite=Strict"));
        assert!(v.ends_with("; Secure"));
    }
}
