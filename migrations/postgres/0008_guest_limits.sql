-- Attempt limits kept in the database, across sessions and nodes: what guests tried on each
-- invitation (failed checks, codes tried, codes asked per address) and the locks that too many
-- of them start. Guest sessions are stored from the first form posted, and a session replaced
-- when its address is proven stays behind, marked, so its old cookie opens nothing.

CREATE TABLE guest_attempts (
    id              UUID PRIMARY KEY,
    invitation_id   UUID NOT NULL,
    kind            TEXT NOT NULL,
    -- For codes asked: SHA-256 of the address, lowercased.
    email_hash      BYTEA,
    attempted_at    BIGINT NOT NULL
);
CREATE INDEX guest_attempts_window ON guest_attempts (invitation_id, kind, attempted_at);

-- One row per invitation and scope (`form`, `email`): the lock's end, and the row every count
-- of that scope locks first, so counts on several nodes are taken one at a time.
CREATE TABLE invitation_locks (
    invitation_id   UUID NOT NULL,
    scope           TEXT NOT NULL,
    locked_until    BIGINT,
    PRIMARY KEY (invitation_id, scope)
);

ALTER TABLE guest_sessions ADD COLUMN replaced_at BIGINT;
