-- Account settings: the origins whose pages may frame the account's guest pages (a JSON array
-- of normalized origins). Keys that hold every standard scope get the account scopes too, so a
-- key made without `--scope` before they existed can read and change its account's settings.

ALTER TABLE accounts ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '[]';

UPDATE api_keys
SET scopes = json_insert(json_insert(scopes, '$[#]', 'account:read'), '$[#]', 'account:write')
WHERE (
    SELECT COUNT(DISTINCT value) FROM json_each(api_keys.scopes)
    WHERE value IN ('connections:read', 'connections:write', 'events:read', 'invitations:read',
                    'invitations:write', 'webhooks:read', 'webhooks:write')
) = 7;
