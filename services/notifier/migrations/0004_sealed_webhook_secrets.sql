-- Webhook signing secrets are sealed at rest from this version on: AES-256-GCM with a key from
-- SECRETS_ENCRYPTION_KEYS (shared/secretbox.py, services/notifier/webhooks/secret_store.py).
-- `secret` holds "v1:<key id>:<base64url(nonce, ciphertext, tag)>", bound to its row's id.
--
-- Rows written before this migration hold the secret as issued. SQL cannot seal them: the key
-- is not (and must not be) in the database. `countersign secrets rotate` seals them, with the
-- services running; until then the notifier still reads them, so deliveries do not stop during
-- the upgrade (docs/webhooks.md, "Secrets at rest").
--
-- From here on no plaintext secret can be written, whatever the code path: an INSERT, or an
-- UPDATE that sets `secret`, must carry a sealed value. (A CHECK constraint would also refuse
-- the failure-count UPDATEs of a legacy row not yet sealed; this trigger looks at writes of the
-- column only.)
CREATE FUNCTION notifier.webhooks_secret_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.secret !~ '^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$' THEN
        RAISE EXCEPTION 'notifier.webhooks.secret must be a sealed value (v1:<key id>:...), not plaintext'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER webhooks_secret_sealed
    BEFORE INSERT OR UPDATE OF secret ON notifier.webhooks
    FOR EACH ROW EXECUTE FUNCTION notifier.webhooks_secret_sealed();

COMMENT ON COLUMN notifier.webhooks.secret IS
    'Sealed signing secret (v1:<key id>:<base64url>), or the issued secret on rows older than 0004 until `countersign secrets rotate`';
