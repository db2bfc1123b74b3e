-- A connection can be disabled by its owner (Kombo's `PUT /integrations/{id}/enabled`): its
-- credentials are kept, but `GET /v1/connections/{id}/credentials` refuses them until it is
-- enabled again. Every existing connection stays enabled.

ALTER TABLE connections ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
