//! The integration suite: one binary; every HTTP test runs on SQLite and on PostgreSQL.

mod helpers;

mod account;
mod api_errors;
mod branding;
mod browser;
mod checks;
mod cli;
mod compat;
mod connections;
mod console;
mod console_browser;
mod console_invitations;
mod egress;
mod embedded;
mod events;
mod guest;
mod guest_client;
mod hardening;
mod housekeeping;
mod invitations;
mod kombo_sdk;
mod kombo_webhooks;
mod limits;
mod network;
mod reconnect;
mod renewal;
mod request_ids;
mod results;
mod rules;
mod security;
mod smtp;
mod store_story;
mod vendor_flows;
mod webhooks;
