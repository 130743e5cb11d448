-- Lists that stay fast with a million documents in one organisation (issue 12, docs/api.md#lists-at-scale).
--
-- 1. `search=` is a substring match on the name (ILIKE '%text%'): a trigram GIN index answers
--    it without reading every row. pg_trgm is a trusted extension (PostgreSQL 13+): the owner of
--    the database may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS documents_name_trgm ON documents.documents USING gin (name gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- 2. WPsigner's X-WP-Total without count(*) over the organisation's rows: the number of live
--    documents per organisation and status, kept EXACT by statement-level triggers in the same
--    transaction as the change (a reader sees the counts that match its snapshot of the rows).
--    Statement-level triggers with transition tables: a bulk COPY or a sweep that expires many
--    documents costs one aggregated upsert per (organisation, status), not one per row.
CREATE TABLE IF NOT EXISTS documents.document_counts (
    org_id text NOT NULL,
    status text NOT NULL,
    live bigint NOT NULL,  -- no CHECK (live >= 0): an upsert checks the row it proposes (a -1) before it finds the conflict
    PRIMARY KEY (org_id, status)
);

-- Applies the net change per (organisation, status). Rows are upserted in key order, so two
-- transactions touching the same counters lock them in the same order and cannot deadlock on them.
CREATE OR REPLACE FUNCTION documents.apply_count_deltas(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO documents.document_counts AS c (org_id, status, live)
    SELECT d->>'org_id', d->>'status', (d->>'delta')::bigint
    FROM jsonb_array_elements(deltas) AS d
    ORDER BY d->>'org_id', d->>'status'
    ON CONFLICT (org_id, status) DO UPDATE SET live = c.live + EXCLUDED.live
$$;

CREATE OR REPLACE FUNCTION documents.count_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM documents.apply_count_deltas(coalesce(jsonb_agg(x), '[]'))
    FROM (SELECT org_id, status, count(*) AS delta FROM new_rows WHERE deleted_at IS NULL
          GROUP BY org_id, status) AS x;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION documents.count_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM documents.apply_count_deltas(coalesce(jsonb_agg(x), '[]'))
    FROM (SELECT org_id, status, -count(*) AS delta FROM old_rows WHERE deleted_at IS NULL
          GROUP BY org_id, status) AS x;
    RETURN NULL;
END $$;

-- Most updates change neither status nor deleted_at (edits, updated_at touches): their net
-- delta is empty and nothing is written.
CREATE OR REPLACE FUNCTION documents.count_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM documents.apply_count_deltas(coalesce(jsonb_agg(x), '[]'))
    FROM (SELECT org_id, status, sum(delta) AS delta
          FROM (SELECT org_id, status, -1 AS delta FROM old_rows WHERE deleted_at IS NULL
                UNION ALL
                SELECT org_id, status, 1 FROM new_rows WHERE deleted_at IS NULL) AS changes
          GROUP BY org_id, status HAVING sum(delta) <> 0) AS x;
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

-- The counts of the documents that exist now, taken while no one can change them.
LOCK TABLE documents.documents IN SHARE MODE;
DELETE FROM documents.document_counts;
INSERT INTO documents.document_counts (org_id, status, live)
SELECT org_id, status, count(*) FROM documents.documents WHERE deleted_at IS NULL GROUP BY org_id, status;
