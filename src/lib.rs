//! Portico: secure invitations that let an outside person configure one data connection.
//!
//! One domain core (`domain`, `service`) with thin adapters: the HTTP API (`http`) and the CLI
//! (`cli`), over one storage interface (`store`) with a SQLite and a PostgreSQL implementation.

pub mod app;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub(crate) mod delivery;
pub mod domain;
pub mod egress;
pub mod fresh_database;
pub mod http;
pub(crate) mod i18n;
pub mod secret;
pub mod service;
pub mod store;
pub(crate) mod telemetry;
