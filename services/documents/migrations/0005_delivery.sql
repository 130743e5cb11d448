-- Emails and delivery failures (docs/emails.md).

-- Who sent the document: the API key's member and the organisation's name, as the gateway
-- forwarded them when the document was created. Copied here because only the gateway knows
-- members, and the notifier must never read another service's tables: the lifecycle events
-- carry these values to it. Null for documents created by a caller the gateway did not name.
ALTER TABLE documents.documents
    ADD COLUMN IF NOT EXISTS sender_name text,
    ADD COLUMN IF NOT EXISTS sender_email text,
    ADD COLUMN IF NOT EXISTS sender_org_name text;

-- The documents service now consumes an event too (signer.delivery_failed, from the notifier):
-- ids of the events it has handled, written in the transaction of the handler's effect.
CREATE TABLE IF NOT EXISTS documents.processed_events (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
