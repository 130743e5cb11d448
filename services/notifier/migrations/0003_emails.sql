-- Emails: one row per (event, recipient), written by the consumer in the transaction that records
-- the event id; a send worker claims, sends and records them (services/notifier/emails).
--
-- What is stored: who the email is for and the event's facts the template needs (`context`:
-- names, the document's message, a decline reason...). Never a signing link, token or one-time
-- code: those are fetched from the documents service right before sending and live only in the
-- sending process's memory. The rendered message is not stored either.
CREATE TABLE notifier.emails (
    id text PRIMARY KEY,                -- also the Message-ID's left part: stable across retries
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    kind text NOT NULL,
    org_id text NOT NULL,
    document_id text,
    signer_id text,                     -- when the recipient is a signer: links, codes and bounces name them
    recipient text NOT NULL CHECK (char_length(recipient) <= 320),
    context jsonb NOT NULL,
    request_id text,                    -- of the request behind the event, for the logs
    -- queued → sending (claimed, leased) → sent | queued again (transient failure, later)
    --                                    | failed (attempts used up: the dead letter)
    --                                    | bounced (permanent: signer.delivery_failed emitted)
    --                                    | skipped (obsolete: the link or code died meanwhile)
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_token uuid,
    lease_expires_at timestamptz,
    claimed_by text,                    -- which worker claimed it last (host:pid:random)
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'sending') = (lease_token IS NOT NULL))
);
-- Exactly one email per event and address, whatever delivers the event how many times.
CREATE UNIQUE INDEX emails_event_recipient ON notifier.emails (event_id, lower(recipient));
CREATE INDEX emails_due ON notifier.emails (next_attempt_at) WHERE status = 'queued';
CREATE INDEX emails_leased ON notifier.emails (lease_expires_at) WHERE status = 'sending';
CREATE INDEX emails_dead ON notifier.emails (updated_at DESC) WHERE status IN ('failed', 'bounced');

-- The notifier publishes events too (signer.delivery_failed), through its own outbox, written in
-- the transaction that records the bounce (shared/outbox.py; the relay runs in each notifier).
CREATE TABLE notifier.outbox (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON notifier.outbox (seq) WHERE published_at IS NULL;
