-- Timestamps are integer milliseconds since the Unix epoch (UTC) on both backends, so the same
-- comparisons work everywhere. Ids are UUIDv7 (16-byte BLOB here, uuid in PostgreSQL).

CREATE TABLE accounts (
    id          BLOB PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          BLOB PRIMARY KEY,
    account_id  BLOB NOT NULL REFERENCES accounts(id),
    key_hash    BLOB NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE connections (
    id              BLOB PRIMARY KEY,
    account_id      BLOB NOT NULL REFERENCES accounts(id),
    connector       TEXT NOT NULL,
    direction       TEXT NOT NULL,
    name            TEXT NOT NULL,
    config          TEXT NOT NULL,
    secrets         TEXT NOT NULL,
    data_key        BLOB NOT NULL,
    data_key_id     TEXT NOT NULL,
    end_user        TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    invitation_id   BLOB,
    last_check      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX connections_account ON connections (account_id, id);
CREATE INDEX connections_invitation ON connections (invitation_id);
CREATE INDEX connections_data_key_id ON connections (data_key_id);

CREATE TABLE invitations (
    id              BLOB PRIMARY KEY,
    account_id      BLOB NOT NULL REFERENCES accounts(id),
    kind            TEXT NOT NULL,
    connector       TEXT NOT NULL,
    direction       TEXT NOT NULL,
    connection_id   BLOB,
    connection_name TEXT NOT NULL,
    token_hash      BLOB NOT NULL UNIQUE,
    allowed_emails  TEXT NOT NULL,
    expires_at      INTEGER,
    max_uses        INTEGER,
    use_count       INTEGER NOT NULL DEFAULT 0,
    language        TEXT NOT NULL,
    prefill         TEXT NOT NULL,
    locked_fields   TEXT NOT NULL,
    end_user        TEXT NOT NULL,
    redirect_url    TEXT,
    send_email      INTEGER NOT NULL,
    metadata        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX invitations_account ON invitations (account_id, id);

CREATE TABLE idempotency_keys (
    account_id      BLOB NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BLOB NOT NULL,
    status          INTEGER NOT NULL,
    data_key        BLOB NOT NULL,
    data_key_id     TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          BLOB NOT NULL UNIQUE,
    account_id  BLOB NOT NULL,
    type        TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_account ON events (account_id, seq);
