-- OAuth apps (issue 15): the client an account registered at a vendor, one per connector.
-- `client_secret` is sealed under the row's data key; `scopes` is a JSON array (empty: the
-- connector's own); the three URLs are set for the generic `oauth2` connector, whose spec
-- leaves them to the app.
CREATE TABLE oauth_apps (
    id             BLOB PRIMARY KEY,
    account_id     BLOB NOT NULL REFERENCES accounts(id),
    connector      TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    data_key       BLOB NOT NULL,
    data_key_id    TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    authorize_url  TEXT,
    token_url      TEXT,
    revoke_url     TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (account_id, connector)
);
