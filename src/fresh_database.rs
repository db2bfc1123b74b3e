//! A fresh, empty PostgreSQL database on a server, named by a prefix and a random suffix: what the
//! test suite and the benchmark each run on, so no run sees another's rows.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// A database just created: its URL (the server's, with the database as path) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshDatabase {
    pub url: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FreshDatabaseError {
    #[error("cannot connect to the PostgreSQL server")]
    Connect(#[source] sqlx::Error),
    #[error("cannot create the database {name}")]
    Create {
        name: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("the PostgreSQL server's address is not a URL")]
    NotAUrl(#[source] url::ParseError),
}

/// Creates the database `{prefix}_{random}` on the server `server_url` names (through any of
/// its databases). `prefix` is a lower-case SQL identifier of the caller's own.
pub async fn create(server_url: &str, prefix: &str) -> Result<FreshDatabase, FreshDatabaseError> {
    let mut server = PgConnection::connect(server_url)
        .await
        .map_err(FreshDatabaseError::Connect)?;
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {}", quoted(&name))))
        .execute(&mut server)
        .await
        .map_err(|source| FreshDatabaseError::Create {
            name: name.clone(),
            source,
        })?;
    let mut url = url::Url::parse(server_url).map_err(FreshDatabaseError::NotAUrl)?;
    url.set_path(&name);
    Ok(FreshDatabase {
        url: url.to_string(),
        name,
    })
}

impl FreshDatabase {
    /// Drops the database, closing the connections still open on it.
    pub async fn drop(&self, server_url: &str) -> Result<(), sqlx::Error> {
        let mut server = PgConnection::connect(server_url).await?;
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quoted(&self.name)
        );
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut server)
            .await?;
        Ok(())
    }
}

/// `name` as a quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quoted("portico_t_1a"), "\"portico_t_1a\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
