-- The documents service owns documents, signers, fields, attachments and the outbox of their events.
CREATE SCHEMA IF NOT EXISTS documents;

-- Soft-deleted rows keep `deleted_at`; every read filters them out, so a deleted document is
-- 404 everywhere. File columns stay null until a file is uploaded and verified (issue 3).
CREATE TABLE documents.documents (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'pending', 'action_required', 'completed', 'declined', 'cancelled', 'expired')),
    signing_type text NOT NULL DEFAULT 'sequential' CHECK (signing_type IN ('sequential', 'parallel')),
    message text CHECK (char_length(message) <= 5000),
    email_subject text CHECK (char_length(email_subject) <= 200),
    email_message text CHECK (char_length(email_message) <= 5000),
    expires_at timestamptz,
    reminder_frequency integer CHECK (reminder_frequency BETWEEN 1 AND 30),
    otp_method text CHECK (otp_method IN ('email')),
    require_kyc boolean NOT NULL DEFAULT false,
    folder_id text,
    template_id text,
    campaign_id text,
    bulk_send_id text,
    -- the original upload
    file_key text,
    file_name text,
    file_content_type text,
    file_size bigint,
    document_hash text,
    page_count integer,
    -- the signed PDF built on completion
    signed_file_key text,
    signed_file_hash text,
    -- who created it (an API key id), for the audit trail and support
    created_by text,
    sent_at timestamptz,
    completed_at timestamptz,
    cancelled_at timestamptz,
    declined_at timestamptz,
    expired_at timestamptz,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination, newest first, per organisation (and per status for the status filter).
CREATE INDEX documents_org_page ON documents.documents (org_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX documents_org_status_page ON documents.documents (org_id, status, created_at DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE documents.signers (
    id text PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents.documents (id),
    email text NOT NULL CHECK (char_length(email) <= 254),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    role text NOT NULL DEFAULT 'signer' CHECK (role IN ('signer', 'viewer', 'approver')),
    signing_order integer NOT NULL DEFAULT 0 CHECK (signing_order >= 0),
    phone text CHECK (char_length(phone) <= 20),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'viewed', 'completed', 'declined', 'delivery_failed')),
    signed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One signing link per person and document: the same address twice is refused (409).
CREATE UNIQUE INDEX signers_document_email ON documents.signers (document_id, lower(email));
CREATE INDEX signers_document_order ON documents.signers (document_id, signing_order, created_at, id);

-- Positions are PDF points (1/72 inch) measured from the top-left corner of the page, y downwards.
CREATE TABLE documents.fields (
    id text PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents.documents (id),
    type text NOT NULL,
    label text,
    page integer NOT NULL CHECK (page >= 1),
    x double precision NOT NULL CHECK (x >= 0),
    y double precision NOT NULL CHECK (y >= 0),
    width double precision NOT NULL CHECK (width > 0),
    height double precision NOT NULL CHECK (height > 0),
    required boolean NOT NULL DEFAULT true,
    read_only boolean NOT NULL DEFAULT false,
    assigned_to integer CHECK (assigned_to >= 0),
    placeholder text,
    default_value text,
    options jsonb,
    validation text,
    field_group text,
    format text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fields_document_position ON documents.fields (document_id, page, y, x, id);

-- Supplementary files (api-attachments.txt); the endpoints arrive later, the counts are real now.
CREATE TABLE documents.attachments (
    id text PRIMARY KEY,
    document_id text NOT NULL REFERENCES documents.documents (id),
    file_name text NOT NULL,
    file_key text NOT NULL,
    file_size bigint NOT NULL,
    mime_type text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_document ON documents.attachments (document_id, position, created_at, id);

CREATE TABLE documents.outbox (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON documents.outbox (seq) WHERE published_at IS NULL;
