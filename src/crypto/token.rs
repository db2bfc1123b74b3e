//! Random tokens, API keys and one-time codes from the OS CSPRNG, and SHA-256 for lookups by hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::domain::values::TokenHash;
use crate::secret::Secret;

/// `N` bytes from the OS CSPRNG. Without the OS generator no secret can be made safely, so a
/// failure there is a panic rather than an error every caller would have to carry.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    bytes
}

/// 256 bits from the OS CSPRNG, base64url without padding (43 chars).
pub fn random_token() -> Secret<String> {
    Secret::new(URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// A new API key: "pk_" followed by 43 base64url chars (256 bits, OS CSPRNG).
pub fn new_api_key() -> Secret<String> {
    Secret::new(format!("pk_{}", random_token().expose()))
}

/// A numeric code of `digits` digits for email proof, uniform over all codes.
///
/// Each digit comes from one random byte; bytes of 250 and above are thrown away so that
/// `byte % 10` has no modulo bias.
pub fn numeric_code(digits: usize) -> Secret<String> {
    let mut code = String::with_capacity(digits);
    while code.len() < digits {
        for byte in random_bytes::<32>() {
            if byte < 250 && code.len() < digits {
                code.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Secret::new(code)
}

/// Whether `presented` equals `expected`, in time that depends on neither (nor on where they
/// first differ): both go through HMAC-SHA-256 and the tags are compared in constant time.
pub fn same_secret(expected: &[u8], presented: &[u8]) -> bool {
    use hmac::{KeyInit, Mac};
    type HmacSha256 = hmac::Hmac<Sha256>;
    let mac = |input: &[u8]| {
        let mut mac = HmacSha256::new_from_slice(b"portico-same-secret").expect("any key length");
        mac.update(input);
        mac
    };
    let expected = mac(expected).finalize().into_bytes();
    mac(presented).verify_slice(&expected).is_ok()
}

/// SHA-256 of the input, raw 32 bytes (used for lookup of tokens and keys by hash).
pub fn sha256(input: &[u8]) -> Vec<u8> {
    Sha256::digest(input).to_vec()
}

/// How an emailed code is kept: the SHA-256 of the guest session's hash and the code, so a
/// code is worthless outside the session it was sent to.
pub fn email_code_hash(session_hash: &TokenHash, code: &str) -> Vec<u8> {
    let mut input = session_hash.as_bytes().to_vec();
    input.extend_from_slice(code.as_bytes());
    sha256(&input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_is_equality() {
        assert!(same_secret(b"metrics-token", b"metrics-token"));
        assert!(!same_secret(b"metrics-token", b"metrics-tokem"));
        assert!(!same_secret(b"metrics-token", b"metrics-token "));
        assert!(!same_secret(b"metrics-token", b""));
        assert!(same_secret(b"", b""));
    }

    fn is_base64url(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    #[test]
    fn token_is_43_base64url_chars() {
        let token = random_token();
        assert_eq!(token.expose().len(), 43);
        assert!(is_base64url(token.expose()));
    }

    #[test]
    fn two_tokens_differ() {
        assert_ne!(random_token().expose(), random_token().expose());
    }

    #[test]
    fn api_key_is_pk_and_43_base64url_chars() {
        let key = new_api_key();
        let rest = key.expose().strip_prefix("pk_").expect("pk_ prefix");
        assert_eq!(rest.len(), 43);
        assert!(is_base64url(rest));
        assert_ne!(new_api_key().expose(), key.expose());
    }

    #[test]
    fn numeric_code_has_exactly_the_asked_number_of_digits() {
        for _ in 0..100 {
            let code = numeric_code(6);
            assert_eq!(code.expose().len(), 6);
            assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(numeric_code(40).expose().len(), 40);
    }

    #[test]
    fn numeric_code_uses_every_digit() {
        let all: String = (0..50).map(|_| numeric_code(6).into_inner()).collect();
        assert!((b'0'..=b'9').all(|d| all.as_bytes().contains(&d)));
    }

    #[test]
    fn sha256_matches_the_known_digest_of_abc() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
