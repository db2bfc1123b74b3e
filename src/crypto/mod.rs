//! Envelope encryption, token generation and hashing.

pub mod binding;
pub mod csrf;
pub mod envelope;
pub mod guest_cookie;
pub mod token;

pub use envelope::{CryptoError, DataKey, Keyring, WrappedKey};
