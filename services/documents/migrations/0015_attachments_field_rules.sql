-- Attachments (api-attachments.txt) and the signing rules of issue 13 (docs/files.md, docs/signing.md).
--
-- Fields: an optional owner by signer id, for two participants who share an order; without it the
-- field belongs to the participant holding `assigned_to` (as before). `validation` becomes JSON: a
-- string (a pattern, as before) or an object of rules {pattern, minLength, maxLength, min, max,
-- message}; existing strings stay strings. `formula`: the expression of a formula field.
ALTER TABLE documents.fields
    ADD COLUMN IF NOT EXISTS signer_id text REFERENCES documents.signers (id),
    ADD COLUMN IF NOT EXISTS formula text CHECK (char_length(formula) <= 1000),
    ALTER COLUMN validation TYPE jsonb USING to_jsonb(validation);
CREATE INDEX IF NOT EXISTS fields_signer ON documents.fields (signer_id) WHERE signer_id IS NOT NULL;

-- The attachment as stored: always a verified PDF (an image is converted, active content removed),
-- its SHA-256 for the certificate of completion, its page count, and what was uploaded. An
-- attachment a signer uploaded into an `attachment` field names that field and signer; the
-- sender's attachments name neither.
ALTER TABLE documents.attachments
    ADD COLUMN IF NOT EXISTS sha256 text,
    ADD COLUMN IF NOT EXISTS page_count integer CHECK (page_count >= 1),
    ADD COLUMN IF NOT EXISTS uploaded_type text,
    ADD COLUMN IF NOT EXISTS field_id text REFERENCES documents.fields (id),
    ADD COLUMN IF NOT EXISTS signer_id text REFERENCES documents.signers (id);
CREATE UNIQUE INDEX IF NOT EXISTS attachments_field ON documents.attachments (field_id) WHERE field_id IS NOT NULL;
