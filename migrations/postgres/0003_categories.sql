-- Invitations for a category whose guest picks the tool (Kombo without `integration_tool`):
-- their `connector` is stored as '' until then, and the session remembers the guest's pick.
-- `remote_environment` names the tool's environment (Kombo), kept on the connection.

ALTER TABLE invitations ADD COLUMN category TEXT;
ALTER TABLE invitations ADD COLUMN remote_environment TEXT;
ALTER TABLE connections ADD COLUMN remote_environment TEXT;
ALTER TABLE guest_sessions ADD COLUMN connector TEXT;
