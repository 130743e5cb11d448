-- The certificate of completion reads each participant's events back from the outbox, by the
-- envelope's documentId (db/participant_event_repository.py): an index instead of a table scan
-- per completed document.
CREATE INDEX IF NOT EXISTS outbox_by_document ON documents.outbox ((body->>'documentId'), seq);
