-- Customer webhooks (the inSigner webhook API) and their deliveries.

-- `secret` is returned once, in the create response, and never read back out through the API
-- or written to a log. It was kept as issued here; 0004 seals it at rest.
CREATE TABLE notifier.webhooks (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    url text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    description text CHECK (char_length(description) <= 500),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    secret text NOT NULL,
    -- consecutive failed attempts; reset by a success, deactivates the webhook at the limit
    failure_count integer NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination per organisation, newest first; also serves the fan-out's lookup by org.
CREATE INDEX webhooks_org_page ON notifier.webhooks (org_id, created_at DESC, id DESC);

-- One row per (webhook, event): the unique key makes a redelivered event harmless. The body,
-- message id and timestamp are fixed here, so every retry sends exactly the same signed request.
CREATE TABLE notifier.webhook_deliveries (
    id text PRIMARY KEY,
    webhook_id text NOT NULL REFERENCES notifier.webhooks (id) ON DELETE CASCADE,
    org_id text NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    body text NOT NULL,
    message_timestamp bigint NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    -- how many delays of the retry schedule have been used (services/notifier/webhooks/retry.py)
    retry_step integer NOT NULL DEFAULT 0,
    -- a manual redelivery: one attempt, and no schedule after it
    final_attempt boolean NOT NULL DEFAULT false,
    next_attempt_at timestamptz,
    -- a worker's claim; an expired lease (the worker died) makes the delivery claimable again
    lease_token uuid,
    lease_expires_at timestamptz,
    last_attempt_at timestamptz,
    last_response_code integer,
    last_duration_ms integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, event_id),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON notifier.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_page ON notifier.webhook_deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_finished ON notifier.webhook_deliveries (updated_at) WHERE status <> 'pending';

CREATE TABLE notifier.webhook_attempts (
    id bigserial PRIMARY KEY,
    delivery_id text NOT NULL REFERENCES notifier.webhook_deliveries (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
    response_code integer,
    duration_ms integer NOT NULL,
    error text,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery ON notifier.webhook_attempts (delivery_id, id DESC);
