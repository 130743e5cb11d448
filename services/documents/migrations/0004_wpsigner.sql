-- What the WPsigner compatibility surface (services/gateway/wpsigner) needs from the core.
--
-- WPsigner ids are numeric strings ("44"); the core's ids are opaque text. Each row gets a
-- number from an identity sequence: the gateway shows it as the WPsigner id and resolves it back
-- (always together with the caller's organisation, so another organisation's number is a 404
-- like a missing one). Existing rows are numbered when the column is added.
ALTER TABLE documents.documents ADD COLUMN IF NOT EXISTS number bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE documents.signers ADD COLUMN IF NOT EXISTS number bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE documents.fields ADD COLUMN IF NOT EXISTS number bigint GENERATED ALWAYS AS IDENTITY UNIQUE;

-- Credentials that are not organisation admins list only the documents their member created
-- (created_by is the creating API key's id; the gateway passes the member's key ids).
CREATE INDEX IF NOT EXISTS documents_org_creator_page
    ON documents.documents (org_id, created_by, created_at DESC, id DESC) WHERE deleted_at IS NULL;
