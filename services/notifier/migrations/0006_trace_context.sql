-- The W3C trace context (traceparent, tracestate) of the work that queued each row, so whoever
-- sends it later continues that trace (shared/tracing.py): the outbox's publish, an email's SMTP
-- send, a webhook delivery's POST. NULL when tracing is off.
ALTER TABLE notifier.outbox ADD COLUMN IF NOT EXISTS trace_context jsonb;
ALTER TABLE notifier.emails ADD COLUMN IF NOT EXISTS trace_context jsonb;
ALTER TABLE notifier.webhook_deliveries ADD COLUMN IF NOT EXISTS trace_context jsonb;
