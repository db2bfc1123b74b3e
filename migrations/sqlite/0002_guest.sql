-- The guest's side: sessions (cookie hashes), email proof codes, and the email outbox.

ALTER TABLE invitations ADD COLUMN opened_at INTEGER;

CREATE TABLE guest_sessions (
    id_hash         BLOB PRIMARY KEY,
    invitation_id   BLOB NOT NULL REFERENCES invitations(id),
    language        TEXT NOT NULL,
    verified_email  TEXT,
    pending_email   TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX guest_sessions_invitation ON guest_sessions (invitation_id);

CREATE TABLE email_codes (
    session_hash    BLOB PRIMARY KEY,
    invitation_id   BLOB NOT NULL,
    email           TEXT NOT NULL,
    code_hash       BLOB NOT NULL,
    attempts        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);

-- Messages to send; the body is sealed (it may hold a link or a code) and dropped once sent.
CREATE TABLE outbox_emails (
    id              BLOB PRIMARY KEY,
    account_id      BLOB NOT NULL,
    recipient       TEXT NOT NULL,
    data_key        BLOB NOT NULL,
    data_key_id     TEXT NOT NULL,
    message         TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER
);
CREATE INDEX outbox_emails_pending ON outbox_emails (sent_at, next_attempt_at);
