//! Background work out of the outboxes: sending emails and webhooks (in Standard Webhooks'
//! format or Kombo's).

pub mod janitor;
pub mod kombo;
pub mod mail;
pub mod webhooks;
