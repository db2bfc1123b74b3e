//! Pure rules of the product, no I/O: invitations (status, use, validation), connections,
//! connector specs, accounts and keys, guests' sessions and attempt limits, result codes,
//! events, webhooks, OAuth apps, the vendors' own request rules, and the values checked at the
//! boundary.

pub mod account;
pub mod branding;
pub mod client_ip;
pub mod connection;
pub mod connector;
pub mod event;
pub mod funnel;
pub mod guest;
pub mod invitation;
pub mod oauth;
pub mod result;
pub mod user;
pub mod values;
pub mod vendor;
pub mod webhook;

use serde::Serialize;

/// One problem with one input field; the API renders a list of these in a 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's path, e.g. `config.port` or `expires_in_seconds`.
    pub field: String,
    /// What is wrong, in English; never contains the submitted value.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub use values::LANGUAGES;
