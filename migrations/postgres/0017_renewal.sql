-- Renewal (issue 13): the guest of an expired or fulfilled link may ask for a new one
-- (`renewal_requested_at`, open until a resend answers and clears it), and a resend makes a new
-- invitation that names the one it replaces (`renewed_from`). The partial index serves
-- `GET /v1/invitations?renewal_requested=true`.
ALTER TABLE invitations ADD COLUMN renewal_requested_at BIGINT;
ALTER TABLE invitations ADD COLUMN renewed_from UUID;
CREATE INDEX invitations_renewal_requested ON invitations (account_id, id)
    WHERE renewal_requested_at IS NOT NULL;
