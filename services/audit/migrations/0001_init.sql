CREATE SCHEMA IF NOT EXISTS audit;

-- Event ids already handled: written in the transaction of the handler's effect.
CREATE TABLE audit.processed_events (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
