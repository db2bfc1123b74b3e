//! PKCE (RFC 7636) verifiers that need no storage: each is derived from its flow's `state`
//! under a key of the keyring, so the database keeps only the state's hash and the S256
//! challenge, and a verifier is never written anywhere.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use sha2::{Digest, Sha256};

use super::{CryptoError, Keyring};
use crate::secret::Secret;

/// What the verifiers' key is derived for (`Keyring::mac_keys`).
const LABEL: &str = "portico:oauth-pkce";

/// The S256 challenge of a verifier: base64url of its SHA-256, unpadded.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 43 characters of base64url (RFC 7636's minimum length, 256 bits) from HMAC-SHA256.
fn derive(key: &[u8], state: &str) -> Secret<String> {
    let mut mac = <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .expect("HMAC takes any key length");
    mac.update(state.as_bytes());
    Secret::new(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The verifier of a new flow: under the active master key.
pub fn verifier(keyring: &Keyring, state: &str) -> Result<Secret<String>, CryptoError> {
    let keys = keyring.mac_keys(LABEL)?;
    Ok(derive(&keys[0][..], state))
}

/// The verifier a flow began with, found by its challenge: whichever master key was active
/// then (a rotation may have come in between). `None` when none matches.
pub fn verifier_for(
    keyring: &Keyring,
    state: &str,
    stored_challenge: &str,
) -> Result<Option<Secret<String>>, CryptoError> {
    Ok(keyring
        .mac_keys(LABEL)?
        .iter()
        .map(|key| derive(&key[..], state))
        .find(|verifier| challenge(verifier.expose()) == stored_challenge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_s256_in_unpadded_base64url() {
        // The expected value from another implementation: Python's
        // base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").
        // (The provider in tests/api/oauth_tokens.rs checks it end to end.)
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWOk-jXk"),
            "8OmCOEz_6C10tiv4dMgIbN4JV5S-20axmvh-3XBZhLY"
        );
    }

    #[test]
    fn a_verifier_is_found_again_by_its_challenge_and_only_for_its_state() {
        let keyring = Keyring::ephemeral();
        let verifier = verifier(&keyring, "state-1").unwrap();
        assert_eq!(verifier.expose().len(), 43);
        let stored = challenge(verifier.expose());
        let found = verifier_for(&keyring, "state-1", &stored).unwrap();
        assert_eq!(found.as_ref().map(Secret::expose), Some(verifier.expose()));
        assert!(
            verifier_for(&keyring, "state-2", &stored)
                .unwrap()
                .is_none()
        );
        let other = Keyring::ephemeral();
        assert_ne!(other_verifier(&other), *verifier.expose(), "keyed");
    }

    fn other_verifier(keyring: &Keyring) -> String {
        verifier(keyring, "state-1").unwrap().expose().clone()
    }
}
