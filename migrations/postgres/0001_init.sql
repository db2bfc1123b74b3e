-- Timestamps are integer milliseconds since the Unix epoch (UTC) on both backends, so the same
-- comparisons work everywhere. Ids are UUIDv7 (uuid here, a 16-byte BLOB in SQLite).

CREATE TABLE accounts (
    id          UUID PRIMARY KEY,
    number      BIGINT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES accounts(id),
    key_hash    BYTEA NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    scopes      JSONB NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE connections (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    connector       TEXT NOT NULL,
    direction       TEXT NOT NULL,
    name            TEXT NOT NULL,
    config          JSONB NOT NULL,
    secrets         JSONB NOT NULL,
    data_key        BYTEA NOT NULL,
    data_key_id     TEXT NOT NULL,
    end_user        JSONB NOT NULL,
    metadata        JSONB NOT NULL,
    invitation_id   UUID,
    last_check      JSONB,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX connections_account ON connections (account_id, id);
CREATE INDEX connections_invitation ON connections (invitation_id);
CREATE INDEX connections_data_key_id ON connections (data_key_id);

CREATE TABLE invitations (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    kind            TEXT NOT NULL,
    connector       TEXT NOT NULL,
    direction       TEXT NOT NULL,
    connection_id   UUID,
    connection_name TEXT NOT NULL,
    token_hash      BYTEA NOT NULL UNIQUE,
    allowed_emails  JSONB NOT NULL,
    expires_at      BIGINT,
    max_uses        BIGINT,
    use_count       BIGINT NOT NULL DEFAULT 0,
    language        TEXT NOT NULL,
    prefill         JSONB NOT NULL,
    locked_fields   JSONB NOT NULL,
    end_user        JSONB NOT NULL,
    redirect_url    TEXT,
    send_email      BOOLEAN NOT NULL,
    metadata        JSONB NOT NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX invitations_account ON invitations (account_id, id);

CREATE TABLE idempotency_keys (
    account_id      UUID NOT NULL,
    key             TEXT NOT NULL,
    request_hash    BYTEA NOT NULL,
    status          INTEGER NOT NULL,
    data_key        BYTEA NOT NULL,
    data_key_id     TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    account_id  UUID NOT NULL,
    type        TEXT NOT NULL,
    data        JSONB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX events_account ON events (account_id, seq);
