-- The owner's console: its users (one account each, signing in by email and password), their
-- sessions and one-time password links (both kept by hash), and the wrong passwords counted
-- against each user's lockout, in the database so every node sees them.

CREATE TABLE console_users (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    -- Lowercased: addresses compare case-insensitively, and one address is one user.
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL,
    -- An argon2id PHC string; NULL until the user sets a password through a link.
    password_hash   TEXT,
    -- The console language the user picked; NULL: from Accept-Language.
    language        TEXT,
    locked_until    BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX console_users_account ON console_users (account_id);

CREATE TABLE console_sessions (
    token_hash      BYTEA PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- A link that lets its holder set a password once: `set` for a new user, `reset` when the
-- user forgot it, `setup` (no user yet) to make the account's first owner.
CREATE TABLE console_password_links (
    token_hash      BYTEA PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    user_id         UUID REFERENCES console_users(id) ON DELETE CASCADE,
    purpose         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX console_password_links_user ON console_password_links (user_id);

CREATE TABLE console_login_failures (
    user_id         UUID NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    failed_at       BIGINT NOT NULL
);
CREATE INDEX console_login_failures_user ON console_login_failures (user_id, failed_at);
