"""The send worker: claims due emails, writes them, sends them over one SMTP connection, records
each outcome. Runs in every notifier replica.

One pass:
1. claim up to `batch_size` due emails (status → `sending`, leased; SKIP LOCKED, so replicas
   never claim the same email);
2. for each, at once, fetch what its kind needs from the documents service (a link or code, in
   memory only) and compose the message — an obsolete one is skipped, an unaddressable one bounced;
3. take one SMTP session (the mailer keeps sessions open across batches) and send them one by
   one, recording each outcome right away (`sent` immediately after the server's 250, before
   the next message).

The loop does not wait for a batch to be sent before claiming the next: up to IN_FLIGHT batches
are delivered at once (each on its own SMTP session, within the mailer's cap), so an
invitation queued while a batch is on its way goes out at once rather than after it. Measured
with bench/invitations.py: the send worker's share of send → SMTP was p50 264 ms, p99 667 ms
under load, most of it waiting behind the batch in flight and its one-by-one link fetches.

Exactly once, but for one window: a crash (or a database outage) after the SMTP server accepted
a message and before its `sent` is recorded leaves the email `sending`; when its lease expires
another worker sends it again. Every other interruption — a redelivered event, a restart before
or between messages, two replicas — sends nothing twice. On shutdown the worker finishes the
message in flight and gives the rest back (`release`), so a clean restart has no window at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Literal

import asyncpg
from opentelemetry.trace import SpanKind

from services.notifier.emails import outcomes
from services.notifier.emails import repository as repo
from services.notifier.emails.config import EmailConfig
from services.notifier.emails.documents_client import DocumentsClient, Held, Obsolete, Unavailable
from services.notifier.emails.headers import AddressError, MailFrom
from services.notifier.emails.kinds import KIND_MODULES
from services.notifier.emails.message import compose
from services.notifier.emails.repository import Claimed
from services.notifier.emails.smtp_errors import classify
from services.notifier.mailer import Mailer
from shared.jobs.worker import AT_ONCE, JobWorker
from shared.logging import log_fields, request_id_var
from shared.timefmt import utcnow
from shared.tracing import continued
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.notifier.emails")

ERROR_PAUSE_SECONDS = 2.0
# Batches delivered at once by one worker; the mailer's MAX_CONNECTIONS caps SMTP sessions anyway.
IN_FLIGHT = 4
# When a pass found nothing claimable but something is due (another replica holds it for a
# moment), wait at least this long instead of spinning.
MIN_WAIT_SECONDS = 0.05


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _smtp_attributes(email: Claimed) -> dict[str, str]:
    # Ids only: addresses are personal data and stay out of traces, as out of logs.
    return {"countersign.email.id": email.id, "countersign.email.kind": email.context.kind}


class SendWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        mailer: Mailer,
        documents: DocumentsClient,
        config: EmailConfig,
        *,
        mail_from: MailFrom,
        public_url: str,
        wakeup: Wakeup | None = None,
        name: str | None = None,
    ) -> None:
        self._pool = pool
        self._mailer = mailer
        self._documents = documents
        self._config = config
        self._mail_from = mail_from
        self._public_url = public_url
        self.name = name or worker_name()
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        self._deliveries: set[asyncio.Task[None]] = set()
        self._worker = JobWorker(
            self.name,
            self._pass,
            wakeup=wakeup,
            poll_seconds=config.poll_seconds,
            error_pause_seconds=ERROR_PAUSE_SECONDS,
            min_wait_seconds=MIN_WAIT_SECONDS,
            logger=log,
            failed_message="email pass failed",
        )

    @property
    def _stopping(self) -> bool:
        return self._worker.stopping

    def stop(self) -> None:
        """Finish the message in flight, give back the rest, and leave the loop."""
        self._worker.stop()

    async def run_once(self) -> int:
        """One pass, delivered before it returns; returns how many emails it claimed."""
        claimed = await self._claim()
        await self._deliver(claimed)
        return len(claimed)

    async def _claim(self) -> list[Claimed]:
        async with self._pool.acquire() as conn:
            return await repo.claim_due(conn, self._config.batch_size, self._config.lease_seconds, self.name)

    async def _deliver(self, claimed: Sequence[Claimed]) -> None:
        if self._stopping:
            await self._release(claimed)
            return
        # Each fetch is a call to the documents service: all at once, not one after another.
        messages = await asyncio.gather(*(self._prepare(email) for email in claimed))
        ready = [(email, message) for email, message in zip(claimed, messages, strict=True) if message is not None]
        if ready:
            await self._send(ready)

    async def _prepare(self, email: Claimed) -> EmailMessage | None:
        token = request_id_var.set(email.request_id)
        try:
            with continued(email.trace_context, "email prepare", attributes={"countersign.email.id": email.id}):
                return await self._compose(email)
        finally:
            request_id_var.reset(token)

    async def _compose(self, email: Claimed) -> EmailMessage | None:
        try:
            need = KIND_MODULES[email.context.kind].needs(email.context)
            fetched = await self._documents.fetch(need, email.signer_id, email.org_id, email.request_id)
            return compose(
                email.id, email.context, fetched, mail_from=self._mail_from, public_url=self._public_url, now=utcnow()
            )
        except Held as exc:
            await outcomes.held(self._pool, email, str(exc), self._config)
        except Obsolete as exc:
            await outcomes.skipped(self._pool, email, str(exc))
        except Unavailable as exc:
            await outcomes.transient(self._pool, email, str(exc), self._config)
        except AddressError as exc:  # the recipient's address cannot be written: no retry will help
            await outcomes.bounced(self._pool, email, f"invalid address: {exc}")
        except Exception as exc:
            # A bug writing this one email must not stall the batch or loop for ever: it counts
            # as a failed attempt and ends as a dead letter with the reason.
            log.exception("email could not be written", extra=log_fields(emailId=email.id))
            await outcomes.transient(
                self._pool, email, f"could not write the email: {type(exc).__name__}", self._config
            )
        return None

    async def _send(self, ready: Sequence[tuple[Claimed, EmailMessage]]) -> None:
        pending = list(ready)
        try:
            async with self._mailer.batch() as batch:
                while pending:
                    if self._stopping:
                        break
                    email, message = pending.pop(0)
                    try:
                        with continued(email.trace_context, "smtp send", SpanKind.CLIENT, _smtp_attributes(email)):
                            await batch.send(message)
                    except Exception as exc:
                        failure = classify(exc)
                        await outcomes.failure(self._pool, email, failure, self._config)
                        if failure.connection_lost:
                            break  # the session is gone; the rest wait for the next pass
                        continue
                    # Recorded before the next send: this gap is the only duplicate window.
                    await outcomes.sent(self._pool, email)
        except Exception as exc:
            if len(pending) == len(ready):  # the connection could not even be opened
                failure = classify(exc)
                for email, _ in pending:
                    await outcomes.failure(self._pool, email, failure, self._config)
                return
            if not isinstance(exc, (OSError, asyncio.TimeoutError)):
                raise
            log.warning("SMTP session ended badly", extra=log_fields(error=repr(exc)))
        await self._release([email for email, _ in pending])

    async def _release(self, claimed: Sequence[Claimed]) -> None:
        if claimed:
            async with self._pool.acquire() as conn:
                await repo.release(conn, list(claimed))

    async def _pass(self) -> float | None | Literal["at once"]:
        await self._in_flight.acquire()
        try:
            claimed = await self._claim()
        except BaseException:
            self._in_flight.release()
            raise
        if claimed:
            delivery = asyncio.create_task(self._deliver(claimed))
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._delivered)
            return AT_ONCE  # more may be due; claiming them does not wait for this batch
        self._in_flight.release()
        async with self._pool.acquire() as conn:
            return await repo.seconds_until_next(conn)

    def _delivered(self, delivery: asyncio.Task[None]) -> None:
        self._deliveries.discard(delivery)
        self._in_flight.release()
        if not delivery.cancelled() and delivery.exception() is not None:
            log.warning("email batch failed", extra=log_fields(worker=self.name, error=repr(delivery.exception())))

    async def run(self) -> None:
        try:
            await self._worker.run()
        except asyncio.CancelledError:
            for delivery in self._deliveries:
                delivery.cancel()
            raise
        finally:
            # Stopping: the batches in flight finish their message and give the rest back;
            # cancelled: they are cancelled with the loop (their leases expire as after a crash).
            if self._deliveries:
                await asyncio.gather(*self._deliveries, return_exceptions=True)
