-- The payload format of a webhook endpoint: `standard` (Standard Webhooks: the event as it is,
-- signed with webhook-signature) or `kombo` (Kombo's integration-created, integration-deleted
-- and connection-flow-failed payloads, signed with X-Kombo-Signature).
ALTER TABLE webhook_endpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'standard';
