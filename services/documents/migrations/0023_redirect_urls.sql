-- Embedded signing (docs/embedding.md): where the signing page sends a signer once they have signed
-- or declined. A signer's own redirect_url wins over their document's (and a document's over its
-- campaign's, 0019_campaigns.sql). The API validates each one (shared/contracts/redirect.py:
-- https only, a host, no credentials, no whitespace); these checks are the backstop.
ALTER TABLE documents.documents ADD COLUMN IF NOT EXISTS redirect_url text
    CHECK (char_length(redirect_url) <= 2000 AND redirect_url LIKE 'https://%');
ALTER TABLE documents.signers ADD COLUMN IF NOT EXISTS redirect_url text
    CHECK (char_length(redirect_url) <= 2000 AND redirect_url LIKE 'https://%');
