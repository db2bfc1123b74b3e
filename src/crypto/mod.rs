//! Envelope encryption (the keyring, data keys and what each is bound to), tokens and their
//! hashes, the guest's sealed cookie, the guest pages' CSRF tokens, and PKCE verifiers.

pub mod binding;
pub mod csrf;
pub mod envelope;
pub mod guest_cookie;
pub mod password;
pub mod pkce;
pub mod token;

pub use envelope::{CryptoError, DataKey, Keyring, WrappedKey};
