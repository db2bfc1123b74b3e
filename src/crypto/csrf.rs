//! CSRF tokens of the guest pages: derived from the session's cookie value, so they need no
//! storage and are worthless without the (HttpOnly) cookie.

use base64::Engine;
use hmac::{KeyInit, Mac};

use crate::secret::Secret;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn mac(cookie: &Secret<String>) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(cookie.expose().as_bytes()).expect("any key length");
    mac.update(b"portico-guest-csrf");
    mac
}

/// The CSRF token of a session: an HMAC of a fixed label under the session's cookie value.
pub fn token(cookie: &Secret<String>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac(cookie).finalize().into_bytes())
}

/// Whether `presented` is the session's CSRF token (compared in constant time).
pub fn matches(cookie: &Secret<String>, presented: &str) -> bool {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(presented)
        .is_ok_and(|presented| mac(cookie).verify_slice(&presented).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = Secret::new("session-a".to_string());
        let b = Secret::new("session-b".to_string());
        assert!(matches(&a, &token(&a)));
        assert!(!matches(&b, &token(&a)));
        assert!(!matches(&a, ""));
    }
}
