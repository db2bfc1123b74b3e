//! Envelope encryption (the keyring, data keys and what each is bound to), tokens and their
//! hashes, the guest's sealed cookie, and the guest pages' CSRF tokens.

pub mod binding;
pub mod csrf;
pub mod envelope;
pub mod guest_cookie;
pub mod password;
pub mod token;

pub use envelope::{CryptoError, DataKey, Keyring, WrappedKey};
