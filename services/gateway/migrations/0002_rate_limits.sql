-- Fixed-window request counters shared by every gateway replica (the WPsigner API's rate limits).
--
-- One row per bucket (`key:<api key id>` per hour, `ip:<address>` per minute for callers without
-- valid credentials) and window. A request is one upsert that adds 1 and returns the count, so
-- replicas never disagree and no replica keeps a count of its own. The window start comes from
-- the database clock, the same for every replica. The first request of any new window deletes
-- every window that ended long ago, so the table holds about the buckets active in the last hours.
CREATE TABLE gateway.rate_limits (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON gateway.rate_limits (window_start);
