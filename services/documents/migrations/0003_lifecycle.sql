-- The signing lifecycle: send, signing tokens, one-time codes, values, completion, sweeps.
--
-- Signers: `status` stays pending until they finish (completed) or decline. `signed_at` (from
-- 0001) is when they signed or approved. Raw signing tokens and one-time codes are never stored:
-- only their SHA-256 and what is needed to recompute them from SIGNING_SECRET
-- (services/documents/tokens.py).
ALTER TABLE documents.signers
    ADD COLUMN IF NOT EXISTS token_hash text,
    ADD COLUMN IF NOT EXISTS token_version integer NOT NULL DEFAULT 0,
    -- invited: their turn came (all at send for parallel, group by group for sequential)
    ADD COLUMN IF NOT EXISTS activated_at timestamptz,
    ADD COLUMN IF NOT EXISTS viewed_at timestamptz,
    ADD COLUMN IF NOT EXISTS declined_at timestamptz,
    ADD COLUMN IF NOT EXISTS decline_reason text CHECK (char_length(decline_reason) <= 1000),
    -- where they signed, approved or declined from (for the certificate of completion)
    ADD COLUMN IF NOT EXISTS ip text,
    ADD COLUMN IF NOT EXISTS user_agent text,
    ADD COLUMN IF NOT EXISTS last_reminded_at timestamptz,
    ADD COLUMN IF NOT EXISTS otp_nonce integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS otp_hash text,
    ADD COLUMN IF NOT EXISTS otp_expires_at timestamptz,
    ADD COLUMN IF NOT EXISTS otp_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS otp_verified_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS signers_token_hash ON documents.signers (token_hash) WHERE token_hash IS NOT NULL;
-- Reminder sweep: active signers still to act.
CREATE INDEX IF NOT EXISTS signers_awaiting ON documents.signers (document_id)
    WHERE status = 'pending' AND activated_at IS NOT NULL;

-- Completion: the last signer's transaction sets completion_requested_at (status stays pending);
-- a worker claims the row (completion_claimed_at, a lease), builds and stores the signed PDF,
-- then moves the document to completed. A claim older than the lease is taken to be dead.
ALTER TABLE documents.documents
    ADD COLUMN IF NOT EXISTS completion_requested_at timestamptz,
    ADD COLUMN IF NOT EXISTS completion_claimed_at timestamptz,
    ADD COLUMN IF NOT EXISTS completion_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS completion_error text,
    ADD COLUMN IF NOT EXISTS last_reminded_at timestamptz;
CREATE INDEX IF NOT EXISTS documents_completion_queue ON documents.documents (completion_requested_at)
    WHERE status = 'pending' AND completion_requested_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_expiry ON documents.documents (expires_at)
    WHERE status IN ('pending', 'action_required') AND expires_at IS NOT NULL;

-- What each participant filled in (JSON per field type: services/documents/signing_validation.py).
CREATE TABLE IF NOT EXISTS documents.field_values (
    field_id text PRIMARY KEY REFERENCES documents.fields (id),
    document_id text NOT NULL REFERENCES documents.documents (id),
    signer_id text NOT NULL REFERENCES documents.signers (id),
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS field_values_document ON documents.field_values (document_id);
