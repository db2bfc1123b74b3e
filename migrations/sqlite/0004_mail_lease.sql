-- A lease on queued emails: the mail worker that claims an email owns it until `locked_until`
-- (milliseconds), so two `serve` processes never send the same email at once, and an email
-- whose worker died is claimed again once the lease has expired.

ALTER TABLE outbox_emails ADD COLUMN locked_until INTEGER;
ALTER TABLE outbox_emails ADD COLUMN locked_by TEXT;
