-- The W3C trace context (traceparent, tracestate) of the request that wrote the event, so the
-- relay publishes it under that trace (shared/outbox.py). NULL when tracing is off.
ALTER TABLE documents.outbox ADD COLUMN IF NOT EXISTS trace_context jsonb;
