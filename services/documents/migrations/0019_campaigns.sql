-- Campaigns (docs/templates.md#campaigns): a public link (/sign/campaign/{id}) where each visitor
-- gets their own document from a template, with themselves as its one signer. Documents made this
-- way carry campaign_id (0001_init.sql).
--
-- submission_count is kept on the row and changed only while the row is locked FOR UPDATE by a
-- submission (commands/campaign_submissions.py), so max_submissions is exact under concurrency.
-- The sender_* columns are the creating key's member and organisation, named on each document's
-- emails (a visitor has no API key whose member could be named).
CREATE TABLE IF NOT EXISTS documents.campaigns (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    template_id text NOT NULL REFERENCES documents.templates (id),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    slug text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'closed')),
    welcome_title text CHECK (char_length(welcome_title) <= 200),
    welcome_message text CHECK (char_length(welcome_message) <= 1000),
    max_submissions integer CHECK (max_submissions >= 1),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    expires_at timestamptz,
    collect_phone boolean NOT NULL DEFAULT true,
    require_otp boolean NOT NULL DEFAULT false,
    brand_color text CHECK (brand_color ~ '^#[0-9A-Fa-f]{6}$'),
    redirect_url text CHECK (char_length(redirect_url) <= 2000 AND redirect_url LIKE 'https://%'),
    created_by text,
    sender_name text,
    sender_email text,
    sender_org_name text,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS campaigns_org_page ON documents.campaigns (org_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- A returning visitor's unsigned document is found by campaign and signer email.
CREATE INDEX IF NOT EXISTS documents_by_campaign ON documents.documents (campaign_id) WHERE campaign_id IS NOT NULL;
