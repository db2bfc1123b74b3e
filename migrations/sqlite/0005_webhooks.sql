-- Webhook endpoints (their signing secrets sealed with the endpoint's own data key), one
-- delivery row per event and endpoint (written with the event, in its transaction), and every
-- attempt. Endpoints are leased by the node delivering to them, so deliveries to one endpoint
-- go out one at a time, in event order, from one node.

CREATE TABLE webhook_endpoints (
    id              BLOB PRIMARY KEY,
    account_id      BLOB NOT NULL REFERENCES accounts(id),
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    data_key        BLOB NOT NULL,
    data_key_id     TEXT NOT NULL,
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  INTEGER,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    locked_until    INTEGER,
    locked_by       TEXT
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, id);

CREATE TABLE webhook_deliveries (
    endpoint_id     BLOB NOT NULL,
    event_id        BLOB NOT NULL,
    event_seq       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    given_up_at     INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, delivered_at, given_up_at, event_seq);

CREATE TABLE webhook_attempts (
    id              BLOB PRIMARY KEY,
    endpoint_id     BLOB NOT NULL,
    event_id        BLOB NOT NULL,
    attempted_at    INTEGER NOT NULL,
    status          INTEGER,
    error           TEXT,
    duration_ms     INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);

ALTER TABLE invitations ADD COLUMN expired_event_at INTEGER;
