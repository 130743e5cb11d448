-- Lists that stay fast with a million documents in one organisation (issue 12, docs/api.md#lists-at-scale).
--
-- 1. `search=` is a substring match on the name (ILIKE '%text%'): a trigram GIN index answers
--    it without reading every row. pg_trgm is a trusted extension (PostgreSQL 13+): the owner of
--    the database may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS documents_name_trgm ON documents.documents USING gin (name gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- 2. WPsigner's X-WP-Total without count(*) over the organisation's rows: the number of live
--    documents per organisation and status, EXACT in every snapshot. Statement-level triggers
--    (transition tables: a bulk COPY or a sweep that expires many documents writes one row per
--    organisation and status, not one per document) append the statement's net change to
--    `document_count_deltas` in the writing transaction. Appending takes no lock a concurrent
--    writer waits for: a hot counter row updated by every create, send and completion would
--    serialise an organisation's writing transactions until each commits.
--    The count is `document_counts.live` plus the deltas not folded into it yet; the documents
--    service folds them every sweep (fold_document_counts, one transaction: a reader sees the
--    deltas or their sum, never both or neither).
CREATE TABLE IF NOT EXISTS documents.document_counts (
    org_id text NOT NULL,
    status text NOT NULL,
    live bigint NOT NULL,
    PRIMARY KEY (org_id, status)
);
CREATE TABLE IF NOT EXISTS documents.document_count_deltas (
    org_id text NOT NULL,
    status text NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS document_count_deltas_org ON documents.document_count_deltas (org_id, status);

CREATE OR REPLACE FUNCTION documents.count_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO documents.document_count_deltas (org_id, status, delta)
    SELECT org_id, status, count(*) FROM new_rows WHERE deleted_at IS NULL GROUP BY org_id, status;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION documents.count_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO documents.document_count_deltas (org_id, status, delta)
    SELECT org_id, status, -count(*) FROM old_rows WHERE deleted_at IS NULL GROUP BY org_id, status;
    RETURN NULL;
END $$;

-- Most updates change neither status nor deleted_at (edits, updated_at touches): their net
-- change is empty and nothing is written.
CREATE OR REPLACE FUNCTION documents.count_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO documents.document_count_deltas (org_id, status, delta)
    SELECT org_id, status, sum(delta)
    FROM (SELECT org_id, status, -1 AS delta FROM old_rows WHERE deleted_at IS NULL
          UNION ALL
          SELECT org_id, status, 1 FROM new_rows WHERE deleted_at IS NULL) AS changes
    GROUP BY org_id, status HAVING sum(delta) <> 0;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS documents_count_insert ON documents.documents;
DROP TRIGGER IF EXISTS documents_count_delete ON documents.documents;
DROP TRIGGER IF EXISTS documents_count_update ON documents.documents;
CREATE TRIGGER documents_count_insert AFTER INSERT ON documents.documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION documents.count_inserted();
CREATE TRIGGER documents_count_delete AFTER DELETE ON documents.documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION documents.count_deleted();
CREATE TRIGGER documents_count_update AFTER UPDATE ON documents.documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION documents.count_updated();

-- Moves the committed deltas into the counters. Two folds at once cannot count a delta twice
-- (the second's DELETE skips the rows the first deleted); the upserts go in key order.
CREATE OR REPLACE FUNCTION documents.fold_document_counts() RETURNS bigint
LANGUAGE sql AS $$
    WITH moved AS (DELETE FROM documents.document_count_deltas RETURNING org_id, status, delta),
    folded AS (
        INSERT INTO documents.document_counts AS c (org_id, status, live)
        SELECT org_id, status, sum(delta) FROM moved GROUP BY org_id, status ORDER BY org_id, status
        ON CONFLICT (org_id, status) DO UPDATE SET live = c.live + EXCLUDED.live
        RETURNING 1)
    SELECT count(*) FROM moved
$$;

-- The counts of the documents that exist now, taken while no one can change them.
LOCK TABLE documents.documents IN SHARE MODE;
DELETE FROM documents.document_count_deltas;
DELETE FROM documents.document_counts;
INSERT INTO documents.document_counts (org_id, status, live)
SELECT org_id, status, count(*) FROM documents.documents WHERE deleted_at IS NULL GROUP BY org_id, status;
