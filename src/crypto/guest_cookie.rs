//! The guest session cookie: a random id bound to one invitation, with its expiry and the
//! guest's language, signed with HMAC-SHA256 under a key derived from the master key. A session
//! lives in its cookie alone until the guest first posts a form (then its row is written, keyed
//! by the id's hash), so opening a link writes nothing; the signature is what makes a cookie
//! nobody was given worthless.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::Mac;
use uuid::Uuid;

use super::envelope::{CryptoError, Keyring};
use super::token::random_token;
use crate::domain::values::TokenHash;
use crate::secret::Secret;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// What the signing key is derived for; a new format gets a new label.
const LABEL: &str = "portico guest session cookie v1";

/// The parts of a guest cookie. Its value is
/// `{id}.{invitation id}.{expiry in ms}.{language}.{tag}`: base64url and digits, no secret but
/// the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestCookie {
    /// 256 random bits (base64url); only its SHA-256 is ever stored.
    pub id: Secret<String>,
    pub invitation_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// The guest's language while the session has no row to keep it in.
    pub language: String,
}

impl GuestCookie {
    /// A new session's cookie, with a fresh random id.
    pub fn new(invitation_id: Uuid, language: &str, expires_at: DateTime<Utc>) -> GuestCookie {
        GuestCookie {
            id: random_token(),
            invitation_id,
            expires_at,
            language: language.to_string(),
        }
    }

    /// The key of the session's row.
    pub fn id_hash(&self) -> TokenHash {
        TokenHash::of(self.id.expose().as_bytes())
    }

    /// The cookie's value, signed with the active master key's derived key.
    pub fn seal(&self, keyring: &Keyring) -> Result<Secret<String>, CryptoError> {
        let payload = self.payload();
        let keys = keyring.mac_keys(LABEL)?;
        let tag = mac(&keys[0][..], &payload).finalize().into_bytes();
        Ok(Secret::new(format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(tag)
        )))
    }

    /// The cookie a value carries, if it is one of ours (signed under any master key of the
    /// key file) and well formed; `None` for anything else.
    pub fn open(
        value: &Secret<String>,
        keyring: &Keyring,
    ) -> Result<Option<GuestCookie>, CryptoError> {
        let Some((payload, tag)) = value.expose().rsplit_once('.') else {
            return Ok(None);
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return Ok(None);
        };
        let keys = keyring.mac_keys(LABEL)?;
        if !keys
            .iter()
            .any(|key| mac(&key[..], payload).verify_slice(&tag).is_ok())
        {
            return Ok(None);
        }
        Ok(Self::parse(payload))
    }

    fn payload(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.id.expose(),
            self.invitation_id.simple(),
            self.expires_at.timestamp_millis(),
            self.language
        )
    }

    fn parse(payload: &str) -> Option<GuestCookie> {
        let mut parts = payload.split('.');
        let (id, invitation, expires, language) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || id.is_empty() {
            return None;
        }
        Some(GuestCookie {
            id: Secret::new(id.to_string()),
            invitation_id: Uuid::try_parse(invitation).ok()?,
            expires_at: DateTime::from_timestamp_millis(expires.parse().ok()?)?,
            language: crate::i18n::language(language).to_string(),
        })
    }
}

fn mac(key: &[u8], payload: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(payload.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie() -> GuestCookie {
        GuestCookie::new(
            Uuid::now_v7(),
            "de",
            DateTime::from_timestamp_millis(1_800_000_000_123).unwrap(),
        )
    }

    #[test]
    fn a_sealed_cookie_opens_as_itself() {
        let keyring = Keyring::ephemeral();
        let c = cookie();
        let value = c.seal(&keyring).unwrap();
        assert!(value.expose().len() > 43);
        assert!(
            value
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert_eq!(GuestCookie::open(&value, &keyring).unwrap(), Some(c));
    }

    #[test]
    fn an_altered_or_foreign_cookie_opens_nothing() {
        let keyring = Keyring::ephemeral();
        let value = cookie().seal(&keyring).unwrap();
        // Another invitation's id with the same tag.
        let (payload, tag) = value.expose().rsplit_once('.').unwrap();
        let mut parts: Vec<&str> = payload.split('.').collect();
        let other = Uuid::now_v7().simple().to_string();
        parts[1] = &other;
        let forged = Secret::new(format!("{}.{tag}", parts.join(".")));
        assert_eq!(GuestCookie::open(&forged, &keyring).unwrap(), None);
        // Signed by another server.
        assert_eq!(
            GuestCookie::open(&value, &Keyring::ephemeral()).unwrap(),
            None
        );
        for junk in ["", "made-up-session", "a.b.c.d.e", "...."] {
            let junk = Secret::new(junk.to_string());
            assert_eq!(GuestCookie::open(&junk, &keyring).unwrap(), None);
        }
    }

    #[test]
    fn a_cookie_signed_before_a_rotation_still_opens() {
        let keyring = Keyring::ephemeral();
        let c = cookie();
        let value = c.seal(&keyring).unwrap();
        keyring.rotate().unwrap();
        assert_eq!(
            GuestCookie::open(&value, &keyring).unwrap(),
            Some(c.clone())
        );
        assert_ne!(c.seal(&keyring).unwrap(), value, "signed with the new key");
    }
}
