"""The send worker: claims due emails, writes them, sends them over one SMTP connection, records
each outcome. Runs in every notifier replica.

One pass:
1. claim up to `batch_size` due emails (status → `sending`, leased; SKIP LOCKED, so replicas
   never claim the same email);
2. for each, fetch what its kind needs from the documents service (a link or code, in memory
   only) and compose the message — an obsolete one is skipped, an unaddressable one bounced;
3. open one SMTP connection and send them one by one, recording each outcome right away
   (`sent` immediately after the server's 250, before the next message).

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
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.notifier.emails")

ERROR_PAUSE_SECONDS = 2.0
# When a pass found nothing claimable but something is due (another replica holds it for a
# moment), wait at least this long instead of spinning.
MIN_WAIT_SECONDS = 0.05


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


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
        """One pass; returns how many emails it claimed."""
        async with self._pool.acquire() as conn:
            claimed = await repo.claim_due(conn, self._config.batch_size, self._config.lease_seconds, self.name)
        ready: list[tuple[Claimed, EmailMessage]] = []
        for index, email in enumerate(claimed):
            if self._stopping:
                await self._release(claimed[index:])
                return len(claimed)
            message = await self._prepare(email)
            if message is not None:
                ready.append((email, message))
        if ready:
            await self._send(ready)
        return len(claimed)

    async def _prepare(self, email: Claimed) -> EmailMessage | None:
        token = request_id_var.set(email.request_id)
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
        finally:
            request_id_var.reset(token)
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
        if await self.run_once() >= self._config.batch_size:
            return AT_ONCE  # a full batch: more may be waiting
        async with self._pool.acquire() as conn:
            return await repo.seconds_until_next(conn)

    async def run(self) -> None:
        await self._worker.run()
