-- Rate limits of the inSigner API (services/gateway/ratelimit.py and its callers).
--
-- A key's own budget, set by an operator (`countersign keys create --rate-limit N`,
-- `countersign keys limit KEY_ID N`): requests per minute; NULL = the default
-- (API_RATE_LIMIT_PER_MINUTE), 0 = no limit (trusted back-office integrations, load tests).
ALTER TABLE gateway.api_keys ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute >= 0);

-- Counters need no crash safety (a crash resets them, which only forgives a few requests), and
-- every counted request writes one row: without the WAL that write is much cheaper.
ALTER TABLE gateway.rate_limits SET UNLOGGED;
