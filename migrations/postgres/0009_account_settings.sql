-- Account settings: the origins whose pages may frame the account's guest pages (a JSON array
-- of normalized origins). Keys that hold every standard scope get the account scopes too, so a
-- key made without `--scope` before they existed can read and change its account's settings.

ALTER TABLE accounts ADD COLUMN embed_origins JSONB NOT NULL DEFAULT '[]';

UPDATE api_keys
SET scopes = scopes || '["account:read", "account:write"]'::jsonb
WHERE scopes @> '["connections:read", "connections:write", "events:read", "invitations:read",
                  "invitations:write", "webhooks:read", "webhooks:write"]'::jsonb;
