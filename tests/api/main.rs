//! The integration suite: one binary; every HTTP test runs on SQLite and on PostgreSQL.

mod helpers;

mod checks;
mod invitations;
