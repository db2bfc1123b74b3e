-- OAuth flows under way (issue 15): a guest sent to the vendor to sign in, for ten minutes.
-- Looked up by the SHA-256 of the `state` the vendor sends back, and only with the guest
-- session that began it (`session_hash`); taken once. `config` holds the guest's non-secret
-- fields (a tenant, a subdomain); the PKCE verifier is not stored (it is derived from the state,
-- `crypto::pkce`), only its S256 `code_challenge`.
CREATE TABLE oauth_states (
    state_hash     BLOB PRIMARY KEY,
    session_hash   BLOB NOT NULL,
    invitation_id  BLOB NOT NULL REFERENCES invitations(id),
    connector      TEXT NOT NULL,
    config         TEXT NOT NULL,
    code_challenge TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
