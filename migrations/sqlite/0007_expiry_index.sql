-- The invitations the expiry worker still has to announce (`invitation.expired`), in the order
-- it reads them. Its predicate is the worker's query's own, so an invitation leaves the index
-- once announced, revoked or fulfilled: each poll reads only what is due, however many
-- invitations the database holds (before, every poll walked the whole table).
CREATE INDEX invitations_expiry_due ON invitations (expires_at, id)
    WHERE expired_event_at IS NULL AND revoked_at IS NULL AND expires_at IS NOT NULL
      AND (max_uses IS NULL OR use_count < max_uses);
