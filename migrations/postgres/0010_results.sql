-- Result codes: one per completed guest flow, minted in the transaction that writes the
-- connection, kept by hash, exchanged once by the owner's backend within ten minutes.

CREATE TABLE results (
    code_hash       BYTEA PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    invitation_id   UUID NOT NULL REFERENCES invitations(id),
    connection_id   UUID NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    exchanged_at    BIGINT
);
CREATE INDEX results_expiry ON results (expires_at);
CREATE INDEX results_connection ON results (connection_id);
