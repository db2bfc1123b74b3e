//! The associated data each sealed value and each wrapped data key is bound to, so a
//! ciphertext or a wrapped key copied to another row fails to open. One place for every
//! binding: the bytes are part of the stored data and never change.

use uuid::Uuid;

/// A connection's data key, bound to its account and connection.
pub fn connection_data_key(account_id: Uuid, connection_id: Uuid) -> Vec<u8> {
    format!("portico:data-key:{account_id}:{connection_id}").into_bytes()
}

/// One secret field of a connection, bound to its account, connection and field.
pub fn connection_secret(account_id: Uuid, connection_id: Uuid, field: &str) -> Vec<u8> {
    format!("portico:secret:{account_id}:{connection_id}:{field}").into_bytes()
}

/// A stored reply to an idempotent request, bound to its account and `Idempotency-Key`.
pub fn idempotent_reply(account_id: Uuid, key: &str) -> Vec<u8> {
    format!("portico:idempotency:{account_id}:{key}").into_bytes()
}

/// An email in the outbox.
pub fn outbox_email(id: Uuid) -> Vec<u8> {
    format!("portico:outbox:{id}").into_bytes()
}

/// A webhook endpoint's data key and signing secrets.
pub fn webhook_endpoint(id: Uuid) -> Vec<u8> {
    format!("portico:webhook:{id}").into_bytes()
}

/// An account's OAuth app for a connector: its data key and client secret.
pub fn oauth_app(account_id: Uuid, connector: &str) -> Vec<u8> {
    format!("portico:oauth-app:{account_id}:{connector}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored data was sealed with these exact bytes; changing one makes it unreadable.
    #[test]
    fn bindings_are_the_stored_ones() {
        let (a, c) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        assert_eq!(
            text(connection_data_key(a, c)),
            format!("portico:data-key:{a}:{c}")
        );
        assert_eq!(
            text(connection_secret(a, c, "password")),
            format!("portico:secret:{a}:{c}:password")
        );
        assert_eq!(
            text(idempotent_reply(a, "k1")),
            format!("portico:idempotency:{a}:k1")
        );
        assert_eq!(text(outbox_email(c)), format!("portico:outbox:{c}"));
        assert_eq!(text(webhook_endpoint(c)), format!("portico:webhook:{c}"));
        assert_eq!(
            text(oauth_app(a, "entraid")),
            format!("portico:oauth-app:{a}:entraid")
        );
    }
}
