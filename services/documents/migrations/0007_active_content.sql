-- Active content removed from an uploaded PDF when it was verified (docs/files.md): the kinds
-- (services/documents/pdf/codes.py ActiveKind values, sorted), e.g. {javascript,launch}. Empty
-- when the upload had none, or no upload is verified yet. When it is not empty, pdf_key holds the
-- copy without them (the PDF signers see and sign) and file_key the upload, untouched.
ALTER TABLE documents.documents
    ADD COLUMN IF NOT EXISTS active_content_removed text[] NOT NULL DEFAULT '{}';
