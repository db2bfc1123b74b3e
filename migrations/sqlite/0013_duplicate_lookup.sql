-- `on_duplicate` looks for the account's newest connection of one connector and direction whose
-- end user has a given `origin_id`; the expression is the query's own (`end_user ->> 'origin_id'`),
-- so the lookup reads the matching rows only, however many connections the account has.
CREATE INDEX connections_duplicate ON connections
    (account_id, connector, direction, (end_user ->> 'origin_id'), id);
