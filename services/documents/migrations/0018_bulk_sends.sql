-- Bulk sends (docs/templates.md, "Bulk sends"): one template sent to up to 500 recipients, one
-- document each (documents.bulk_send_id, a column since 0001). A bulk send is made in the
-- transaction that makes and sends all its documents, so it is never seen half made: its
-- `status` is 'completed' from the start ('processing' and 'failed' are the reference's words for
-- an asynchronous job, kept so the column can hold them if sends are ever queued).
-- Per-status counts are read from the documents (one grouped query), not kept as counters.
CREATE TABLE IF NOT EXISTS documents.bulk_sends (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    template_id text NOT NULL REFERENCES documents.templates (id),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email_message text CHECK (char_length(email_message) <= 1000),
    status text NOT NULL DEFAULT 'completed' CHECK (status IN ('processing', 'completed', 'failed')),
    total_count integer NOT NULL CHECK (total_count BETWEEN 1 AND 500),
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bulk_sends_org_page ON documents.bulk_sends (org_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS bulk_sends_org_status_page
    ON documents.bulk_sends (org_id, status, created_at DESC, id DESC);
-- The per-status counts of a bulk send's documents.
CREATE INDEX IF NOT EXISTS documents_by_bulk_send
    ON documents.documents (bulk_send_id, status) WHERE bulk_send_id IS NOT NULL;
