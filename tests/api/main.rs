//! The integration suite: one binary; every HTTP test runs on SQLite and on PostgreSQL.

mod helpers;

mod api_errors;
mod checks;
mod cli;
mod connections;
mod browser;
mod events;
mod guest;
mod invitations;
mod security;
