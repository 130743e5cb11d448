-- The organisation's logo when the document was created (the content hash of its PNG, served by
-- the gateway at /brand/logos/{sha256}.png), beside the sender's name and organisation: shown on
-- the signing page and in the emails about the document (docs/emails.md).
ALTER TABLE documents.documents ADD COLUMN IF NOT EXISTS sender_org_logo text;
