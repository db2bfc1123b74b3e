-- The guest's side: sessions (cookie hashes), email proof codes, and the email outbox.

ALTER TABLE invitations ADD COLUMN opened_at BIGINT;

CREATE TABLE guest_sessions (
    id_hash         BYTEA PRIMARY KEY,
    invitation_id   UUID NOT NULL REFERENCES invitations(id),
    language        TEXT NOT NULL,
    verified_email  TEXT,
    pending_email   TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX guest_sessions_invitation ON guest_sessions (invitation_id);

CREATE TABLE email_codes (
    session_hash    BYTEA PRIMARY KEY,
    invitation_id   UUID NOT NULL,
    email           TEXT NOT NULL,
    code_hash       BYTEA NOT NULL,
    attempts        INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- Messages to send; the body is sealed (it may hold a link or a code) and dropped once sent.
CREATE TABLE outbox_emails (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL,
    recipient       TEXT NOT NULL,
    data_key        BYTEA NOT NULL,
    data_key_id     TEXT NOT NULL,
    message         TEXT,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX outbox_emails_pending ON outbox_emails (sent_at, next_attempt_at);
