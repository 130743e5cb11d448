-- The language of the signing page, the emails and the dates in the signed PDF (docs/languages.md):
-- a signer's own, else the document's, else the browser's (page only), else English. Null = not set.
ALTER TABLE documents.signers ADD COLUMN IF NOT EXISTS language text
    CHECK (language IN ('en', 'de', 'fr', 'es', 'pt'));
ALTER TABLE documents.documents ADD COLUMN IF NOT EXISTS language text
    CHECK (language IN ('en', 'de', 'fr', 'es', 'pt'));
