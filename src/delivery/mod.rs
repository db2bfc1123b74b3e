//! Background work out of the outboxes: sending emails.

pub mod janitor;
pub mod mail;
pub mod webhooks;
