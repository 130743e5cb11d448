CREATE SCHEMA IF NOT EXISTS audit;

-- Event ids already handled: written in the transaction of the handler's effect.
CREATE TABLE audit.processed_events (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per event that concerns a document. `position` numbers a document's entries in the
-- order they were appended (1, 2, 3, ...): that is the order of the hash chain, where each
-- entry's `hash` covers its recorded fields and `prev_hash` (see services/audit/chain.py).
-- `created_at` is when the action happened (the event's occurredAt), which is what the API
-- sorts by; `recorded_at` is when this service appended it.
CREATE TABLE audit.entries (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    document_id text NOT NULL,
    -- A second guard behind processed_events: one event can never make two entries.
    event_id uuid NOT NULL UNIQUE,
    position bigint NOT NULL CHECK (position > 0),
    action text NOT NULL,
    details text NOT NULL,
    actor_type text NOT NULL,
    actor_id text,
    ip_address text,
    user_agent text,
    geo_city text,
    geo_country text,
    created_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    prev_hash text NOT NULL,
    hash text NOT NULL,
    -- Even if the chain-head lock were bypassed, two entries could not claim one link.
    UNIQUE (document_id, position)
);

-- The audit list: one document of one organisation, oldest first, keyset on (created_at, id).
CREATE INDEX entries_document_timeline ON audit.entries (org_id, document_id, created_at, id);

-- The last link of each document's chain. Appending locks this row (INSERT ... ON CONFLICT DO
-- UPDATE takes the row lock), so appends to one document are serialised and the chain stays
-- linear however many consumers run; appends to different documents never wait on each other.
CREATE TABLE audit.chain_heads (
    document_id text PRIMARY KEY,
    org_id text NOT NULL,
    position bigint NOT NULL,
    hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The trail is append-only: an UPDATE or DELETE fails loudly rather than silently breaking the
-- chain. A deliberate purge (retention, legal request) disables this trigger explicitly.
CREATE FUNCTION audit.entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.entries is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER entries_append_only
    BEFORE UPDATE OR DELETE ON audit.entries
    FOR EACH ROW EXECUTE FUNCTION audit.entries_append_only();
