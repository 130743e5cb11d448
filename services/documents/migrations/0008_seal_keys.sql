-- Each organisation's seal identity (docs/signed-pdf.md): the key and certificate that seal its
-- completed documents. Issued by the platform CA at the organisation's first completion.
--
-- `private_key` is sealed at rest with SECRETS_ENCRYPTION_KEYS (shared/secretbox.py, context
-- "documents.seal_key:<org_id>"), never stored in clear: the trigger refuses any other value, as
-- notifier.webhooks does for webhook secrets.
CREATE TABLE documents.org_seal_identities (
    org_id text PRIMARY KEY,
    -- PEM: the organisation's certificate, then its issuers up to (and including) the root.
    chain_pem text NOT NULL,
    private_key text NOT NULL,
    -- SHA-256 of the organisation's certificate (DER), hex: how verification names the sealer.
    cert_sha256 text NOT NULL UNIQUE,
    source text NOT NULL DEFAULT 'platform' CHECK (source IN ('platform', 'uploaded')),
    not_after timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION documents.seal_key_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.private_key !~ '^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$' THEN
        RAISE EXCEPTION 'documents.org_seal_identities.private_key must be a sealed value (v1:<key id>:...)'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER org_seal_identities_key_sealed
    BEFORE INSERT OR UPDATE OF private_key ON documents.org_seal_identities
    FOR EACH ROW EXECUTE FUNCTION documents.seal_key_sealed();

-- POST /api/v1/verify finds a document by the hash of the file it is given: the sealed file's,
-- or the original's (as uploaded, or the PDF that was signed).
CREATE INDEX documents_signed_file_hash ON documents.documents (signed_file_hash) WHERE signed_file_hash IS NOT NULL;
CREATE INDEX documents_document_hash ON documents.documents (document_hash) WHERE document_hash IS NOT NULL;
CREATE INDEX documents_original_file_hash ON documents.documents (original_file_hash) WHERE original_file_hash IS NOT NULL;
