CREATE SCHEMA IF NOT EXISTS notifier;

-- Event ids already handled: written in the transaction of the handler's effect.
CREATE TABLE notifier.processed_events (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
