//! Values checked once at the boundary: an email address, a language of the guest pages, the
//! hash a token is looked up by. Past `parse`, an invalid one cannot exist.

use std::fmt;

/// The five languages of guest pages and emails; English is the default and the fallback.
pub const LANGUAGES: [&str; 5] = ["en", "de", "fr", "it", "es"];

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254
/// bytes. Addresses compare case-insensitively on the whole address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Option<Email> {
        let (local, domain) = s.split_once('@')?;
        let valid = s.len() <= 254
            && !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        valid.then(|| Email(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` names the same mailbox (case-insensitive, surrounding spaces ignored).
    pub fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.trim())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One of [`LANGUAGES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language(&'static str);

impl Language {
    pub const DEFAULT: Language = Language("en");

    /// A supported language code, exactly as listed.
    pub fn parse(code: &str) -> Option<Language> {
        LANGUAGES.iter().find(|l| **l == code).map(|l| Language(l))
    }

    /// A supported language code in any case, or the default: for what a browser or a link
    /// asks for, where a wrong code must not fail the page.
    pub fn or_default(code: &str) -> Language {
        LANGUAGES
            .iter()
            .find(|l| l.eq_ignore_ascii_case(code))
            .map_or(Language::DEFAULT, |l| Language(l))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// The SHA-256 a secret token (an invitation link's, an API key, a guest session's) is stored
/// and looked up by; the token itself is never stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a presented token.
    pub fn of(token: &[u8]) -> TokenHash {
        use sha2::Digest;
        TokenHash(sha2::Sha256::digest(token).into())
    }

    /// A stored hash; `None` unless it is 32 bytes.
    pub fn parse(bytes: &[u8]) -> Option<TokenHash> {
        bytes.try_into().ok().map(TokenHash)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    /// Only a prefix: enough to tell two apart in a log, not to look one up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_pragmatically() {
        assert_eq!(Email::parse("a@b.co").unwrap().as_str(), "a@b.co");
        for bad in [
            " a@b.co", "a@b", "a b@c.de", "@c.de", "a@b@c.de", "a@.b.co", "a@b.co.", "",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@b.co", "a".repeat(250))).is_none());
        assert!(
            Email::parse("Ann@Example.com")
                .unwrap()
                .is("ann@example.COM ")
        );
    }

    #[test]
    fn languages_are_the_five() {
        assert_eq!(Language::parse("de").unwrap().as_str(), "de");
        assert!(Language::parse("DE").is_none());
        assert!(Language::parse("nl").is_none());
        assert_eq!(Language::or_default("FR").as_str(), "fr");
        assert_eq!(Language::or_default("nl"), Language::DEFAULT);
    }

    #[test]
    fn a_token_hash_is_32_bytes() {
        let hash = TokenHash::of(b"token");
        assert_eq!(TokenHash::parse(hash.as_bytes()), Some(hash));
        assert!(TokenHash::parse(&[0; 31]).is_none());
        assert!(!format!("{hash:?}").contains(&hex::encode(hash.as_bytes())));
    }
}
