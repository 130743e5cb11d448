-- Idempotency keys of the public APIs' POSTs (services/gateway/idempotency_store.py, docs/api.md).
--
-- One row per (organisation, key): the key only as its SHA-256, the first request's fingerprint
-- (SHA-256 over method, path, query and the SHA-256 of the body: request bodies are never
-- stored), then its answer, the body sealed (shared/secretbox.py) under a key derived from the
-- client's raw key and the gateway's secret: answers carry signing links and webhook secrets,
-- which a reader of this table must not get. While
-- the first request is in flight, `status` is NULL and `owner` names that request; `lease_until`
-- bounds how long a crashed gateway can hold the key. Rows past `expires_at` count as absent and
-- are deleted a few at a time by later reservations (index below).
CREATE TABLE gateway.idempotency_keys (
    org_id text NOT NULL,
    key_hash bytea NOT NULL,
    fingerprint bytea NOT NULL,
    owner uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    lease_until timestamptz NOT NULL,
    status smallint,
    headers jsonb,
    body text,
    body_stored boolean,
    PRIMARY KEY (org_id, key_hash)
);
CREATE INDEX idempotency_keys_expiry ON gateway.idempotency_keys (expires_at);
