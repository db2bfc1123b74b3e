//! CSRF tokens of the guest pages: derived from the session's cookie value, so they need no
//! storage and are worthless without the (HttpOnly) cookie.

use base64::Engine;
use hmac::{KeyInit, Mac};

use super::envelope::{CryptoError, Keyring};
use crate::domain::values::TokenHash;
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

/// What the key of a dead link's CSRF tokens is derived for (`Keyring::mac_keys`).
const LINK_LABEL: &str = "portico guest link csrf v1";

fn link_mac(key: &[u8], link: &TokenHash) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    mac.update(link.as_bytes());
    mac
}

/// The CSRF token of a form on a link's own page when there is no session (the renewal
/// request of an expired or used-up link): an HMAC of the link's token hash under a key
/// derived from the master key, so only this server can make it, for that link only.
pub fn link_token(keyring: &Keyring, link: &TokenHash) -> Result<String, CryptoError> {
    let keys = keyring.mac_keys(LINK_LABEL)?;
    let tag = link_mac(&keys[0][..], link).finalize().into_bytes();
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag))
}

/// Whether `presented` is the link's CSRF token under any master key of the key file
/// (compared in constant time).
pub fn link_token_matches(
    keyring: &Keyring,
    link: &TokenHash,
    presented: &str,
) -> Result<bool, CryptoError> {
    let Ok(presented) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(presented) else {
        return Ok(false);
    };
    Ok(keyring
        .mac_keys(LINK_LABEL)?
        .iter()
        .any(|key| link_mac(&key[..], link).verify_slice(&presented).is_ok()))
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

    #[test]
    fn link_tokens_belong_to_their_link_and_this_server() {
        let keyring = Keyring::ephemeral();
        let a = TokenHash::of(b"link-a");
        let b = TokenHash::of(b"link-b");
        let token = link_token(&keyring, &a).unwrap();
        assert!(link_token_matches(&keyring, &a, &token).unwrap());
        assert!(!link_token_matches(&keyring, &b, &token).unwrap());
        assert!(!link_token_matches(&keyring, &a, "").unwrap());
        assert!(!link_token_matches(&keyring, &a, "not base64!").unwrap());
        let other_server = Keyring::ephemeral();
        assert!(!link_token_matches(&other_server, &a, &token).unwrap());
        // A session's token is no link token.
        let session = token_of_session();
        assert!(!link_token_matches(&keyring, &a, &session).unwrap());
    }

    fn token_of_session() -> String {
        token(&Secret::new("session".to_string()))
    }
}
