-- Limits on one-time codes (docs/signing.md, "One-time codes").

-- Wrong codes across every code of the signer, and when that count reached OTP_LOCK_AFTER_FAILURES.
-- Once locked, neither a new code nor a guess is accepted until the sender re-sends the link
-- (POST …/remind or POST …/signing-url), which resets both.
ALTER TABLE documents.signers
    ADD COLUMN IF NOT EXISTS otp_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS otp_locked_at timestamptz;

-- When each code was issued, for the limit of OTP_DAILY_LIMIT codes per signer in any 24 hours
-- (a rolling window, so no burst at a calendar boundary). Rows older than a day are pruned as
-- new codes are issued.
CREATE TABLE IF NOT EXISTS documents.otp_issues (
    signer_id text NOT NULL REFERENCES documents.signers (id) ON DELETE CASCADE,
    issued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS otp_issues_signer_time ON documents.otp_issues (signer_id, issued_at);
