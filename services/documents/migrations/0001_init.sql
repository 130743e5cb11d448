-- The documents service owns documents, signers, fields and the outbox of their events.
CREATE SCHEMA IF NOT EXISTS documents;

CREATE TABLE documents.outbox (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON documents.outbox (seq) WHERE published_at IS NULL;
