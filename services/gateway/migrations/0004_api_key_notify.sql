-- Gateways cache verified API keys in memory (services/gateway/key_cache.py). Every change to a
-- key row (revoked, rate limit changed, scopes edited, deleted — by the CLI or by hand) tells
-- every gateway at commit, so each evicts the key before its next request. A trigger, not the
-- callers: no code path, present or future, can change a key and forget to say so.
CREATE FUNCTION gateway.api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_auth', 'key ' || OLD.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_key_changed AFTER UPDATE OR DELETE ON gateway.api_keys
    FOR EACH ROW EXECUTE FUNCTION gateway.api_key_changed();
