-- Attempt limits kept in the database, across sessions and nodes: what guests tried on each
-- invitation (failed checks, codes tried, codes asked per address) and the locks that too many
-- of them start. Guest sessions are stored from the first form posted, and a session replaced
-- when its address is proven stays behind, marked, so its old cookie opens nothing.

CREATE TABLE guest_attempts (
    id              BLOB PRIMARY KEY,
    invitation_id   BLOB NOT NULL,
    kind            TEXT NOT NULL,
    -- For codes asked: SHA-256 of the address, lowercased.
    email_hash      BLOB,
    attempted_at    INTEGER NOT NULL
);
CREATE INDEX guest_attempts_window ON guest_attempts (invitation_id, kind, attempted_at);

-- One row per invitation and scope (`form`, `email`): the lock's end, and the row every count
-- of that scope locks first, so counts on several nodes are taken one at a time.
CREATE TABLE invitation_locks (
    invitation_id   BLOB NOT NULL,
    scope           TEXT NOT NULL,
    locked_until    INTEGER,
    PRIMARY KEY (invitation_id, scope)
);

ALTER TABLE guest_sessions ADD COLUMN replaced_at INTEGER;
