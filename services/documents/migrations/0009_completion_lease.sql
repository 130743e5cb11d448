-- The completion worker's claim is a lease of the shared leased-job primitive (shared/jobs): a
-- token, completion_claimed_at (the claim's time, which the finishing write compares), and an
-- expiry after which another worker may claim the document again. Claims made before this
-- migration expire the default COMPLETION_LEASE_SECONDS (120) after they were made.
ALTER TABLE documents.documents
    ADD COLUMN IF NOT EXISTS completion_lease_expires_at timestamptz;

UPDATE documents.documents
SET completion_lease_expires_at = completion_claimed_at + interval '120 seconds'
WHERE completion_claimed_at IS NOT NULL AND completion_lease_expires_at IS NULL;
