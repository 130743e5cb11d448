"""Background work as leased jobs: one primitive for the outbox relays, the signed-PDF
completion, the email sends and the webhook deliveries.

- `schedule`: retry schedules (pure) — one parser of the settings, one next-attempt rule;
- `queue`: claim due rows (`FOR UPDATE SKIP LOCKED`), lease them (token + expiry), write
  outcomes only under the lease, retry or dead-letter a failed attempt;
- `worker`: the loop — a pass, then a wait woken by `shared.wakeup.Wakeup` (LISTEN/NOTIFY) with
  a poll as the safety net; stops promptly when cancelled.

docs/architecture.md ("Background work") describes how the services use it.
"""
