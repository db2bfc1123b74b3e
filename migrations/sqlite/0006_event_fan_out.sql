-- Every event fans out to the webhook endpoints subscribed to it, in the event's own
-- transaction: one delivery row per endpoint. A trigger instead of a second statement after
-- each event insert: one round trip fewer on the single SQLite writer for every write that
-- records an event.
CREATE TRIGGER events_fan_out AFTER INSERT ON events
BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, attempts, next_attempt_at,
                                    created_at)
    SELECT w.id, NEW.id, NEW.seq, 0, NEW.created_at, NEW.created_at
    FROM webhook_endpoints w
    WHERE w.account_id = NEW.account_id AND w.disabled_at IS NULL
      AND (w.event_types = '' OR w.event_types LIKE '%,' || NEW.type || ',%');
END;
