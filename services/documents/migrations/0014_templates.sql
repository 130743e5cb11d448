-- Templates (docs/templates.md): a verified PDF, roles (named signer slots) and fields assigned
-- to roles, from which documents are made (POST /api/v1/templates/{id}/use, bulk sends,
-- campaigns). The file columns are those of a document (0002_files.sql, 0007) so that the one
-- upload/verification code serves both (db/file_repository.py, table "templates").
--
-- A document made from a template points at the template's objects (file_key, pdf_key): shared,
-- not copied. An object is deleted only when no row of either table points at it any more
-- (db/file_repository.keys_in_use), so deleting a template (soft) or replacing its file never
-- breaks a document made from it.
CREATE TABLE IF NOT EXISTS documents.templates (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text CHECK (char_length(description) <= 1000),
    category text CHECK (char_length(category) <= 100),
    signing_type text NOT NULL DEFAULT 'sequential' CHECK (signing_type IN ('sequential', 'parallel')),
    message text CHECK (char_length(message) <= 5000),
    email_subject text CHECK (char_length(email_subject) <= 200),
    email_message text CHECK (char_length(email_message) <= 5000),
    expires_in_days integer CHECK (expires_in_days BETWEEN 1 AND 365),
    reminder_frequency integer CHECK (reminder_frequency BETWEEN 1 AND 30),
    otp_method text CHECK (otp_method IN ('email')),
    source_document_id text,
    file_status text NOT NULL DEFAULT 'none'
        CHECK (file_status IN ('none', 'awaiting_upload', 'verified', 'rejected')),
    file_key text,
    file_name text,
    file_content_type text,
    file_declared_size bigint CHECK (file_declared_size > 0),
    file_requested_at timestamptz,
    file_size bigint,
    document_hash text,
    page_count integer,
    page_sizes jsonb,
    pdf_key text,
    pdf_etag text,
    file_etag text,
    original_file_size bigint,
    original_file_hash text,
    active_content_removed text[] NOT NULL DEFAULT '{}',
    file_verified_at timestamptz,
    file_error_code text,
    file_error text,
    created_by text,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT templates_verified_file CHECK (
        file_status <> 'verified'
        OR (file_key IS NOT NULL AND pdf_key IS NOT NULL AND file_size IS NOT NULL
            AND document_hash IS NOT NULL AND page_count >= 1))
);
CREATE INDEX IF NOT EXISTS templates_org_page ON documents.templates (org_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- Signer slots: `sort_order` is the slot's place (0, 1, …), unique in its template; the signers
-- of `use` fill the slots in that order, and a field's assigned_to names a slot's sort_order.
CREATE TABLE IF NOT EXISTS documents.template_roles (
    id text PRIMARY KEY,
    template_id text NOT NULL REFERENCES documents.templates (id),
    label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
    role text NOT NULL DEFAULT 'signer' CHECK (role IN ('signer', 'viewer', 'approver')),
    sort_order integer NOT NULL CHECK (sort_order >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (template_id, sort_order)
);

CREATE TABLE IF NOT EXISTS documents.template_fields (
    id text PRIMARY KEY,
    template_id text NOT NULL REFERENCES documents.templates (id),
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
CREATE INDEX IF NOT EXISTS template_fields_position ON documents.template_fields (template_id, page, y, x, id);

-- "Is this object still used?" before deleting a replaced or deleted file.
CREATE INDEX IF NOT EXISTS documents_file_key ON documents.documents (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_pdf_key ON documents.documents (pdf_key) WHERE pdf_key IS NOT NULL;
-- A template's usageCount is counted from its documents (no counter on the template row, which
-- concurrent `use` calls only share-lock).
CREATE INDEX IF NOT EXISTS documents_by_template ON documents.documents (template_id) WHERE template_id IS NOT NULL;
