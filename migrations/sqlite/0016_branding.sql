-- Branding per account: a display name and a primary colour (`#rrggbb`) on the account, and
-- its logo in a table of its own, so reading an account never reads the image. `hash` is the
-- hex SHA-256 of `bytes`: the logo's URL (`/g/assets/logos/{hash}`), which names no account.

ALTER TABLE accounts ADD COLUMN display_name TEXT;
ALTER TABLE accounts ADD COLUMN primary_color TEXT;
ALTER TABLE accounts ADD COLUMN logo_hash TEXT;

CREATE TABLE account_logos (
    account_id    BLOB PRIMARY KEY REFERENCES accounts(id),
    hash          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL
);
CREATE INDEX account_logos_hash ON account_logos (hash);
