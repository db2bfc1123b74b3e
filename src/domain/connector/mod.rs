//! Connector specs: the declarative description of a kind of source or destination, its fields
//! and its check. `catalog` loads them from data files and refuses any the lint finds broken;
//! what a guest or an owner submits is validated against them.

mod lint;
mod types;
mod validate;

#[cfg(test)]
mod fixtures;

pub use lint::{MYSQL_SSL_MODES, POSTGRES_SSL_MODES, placeholders};
pub use types::{
    BasicAuth, CheckSpec, ConnectorSpec, Direction, FieldSpec, FieldType, HttpCheck, OAuth2Spec,
    Pattern, TokenAuth,
};
pub use validate::{ConfigProblem, FieldProblem, ValidatedConfig};
