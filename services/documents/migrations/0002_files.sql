-- The document's file: a presigned upload, then verification (services/documents/files.py).
--
-- file_status: none → awaiting_upload (an upload URL was issued) → verified | rejected; a new
-- upload URL starts over at awaiting_upload. Verification writes only where file_key is still
-- the key it verified and the status is still awaiting_upload, so a late or duplicate check
-- never overwrites a newer upload.
--
-- Columns from 0001: file_key (the upload as sent), file_name (sanitised original name),
-- file_content_type (declared, checked against the magic bytes), and for the PDF to sign:
-- file_size, document_hash (SHA-256 hex), page_count.
ALTER TABLE documents.documents
    ADD COLUMN file_status text NOT NULL DEFAULT 'none'
        CHECK (file_status IN ('none', 'awaiting_upload', 'verified', 'rejected')),
    -- fileSize the client declared with the upload request; the object must match it.
    ADD COLUMN file_declared_size bigint CHECK (file_declared_size > 0),
    ADD COLUMN file_requested_at timestamptz,
    -- ETag of the original object when it was verified: reads pass it as If-Match, so bytes
    -- replaced after verification (a reused presigned URL) are never served or signed.
    ADD COLUMN file_etag text,
    -- The uploaded object itself (differs from file_size/document_hash for converted images).
    ADD COLUMN original_file_size bigint,
    ADD COLUMN original_file_hash text,
    -- The PDF to sign: file_key for a PDF upload, the converted one-page PDF for an image.
    ADD COLUMN pdf_key text,
    ADD COLUMN pdf_etag text,
    -- [[width, height], ...] in PDF points as displayed (after /Rotate, over the CropBox).
    ADD COLUMN page_sizes jsonb,
    ADD COLUMN file_verified_at timestamptz,
    -- Why the file was refused: a stable code (services/documents/pdf/codes.py, plus
    -- size_mismatch) and a sentence for people.
    ADD COLUMN file_error_code text,
    ADD COLUMN file_error text,
    ADD CONSTRAINT documents_verified_file CHECK (
        file_status <> 'verified'
        OR (file_key IS NOT NULL AND pdf_key IS NOT NULL AND file_size IS NOT NULL
            AND document_hash IS NOT NULL AND page_count >= 1)),
    ADD CONSTRAINT documents_rejected_file CHECK (file_status <> 'rejected' OR file_error_code IS NOT NULL);
