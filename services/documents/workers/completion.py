"""Completion: build, store and record the signed PDF, off the request path, retried until done.

The last participant's transaction sets `completion_requested_at` (the document stays pending)
and NOTIFYs. A worker in every documents replica wakes on that (and polls every sweep interval):

1. claim: one document whose build is requested and not leased, or whose lease (taken for
   COMPLETION_LEASE_SECONDS) ran out — its worker is presumed dead — with the leased-job primitive
   (shared/jobs: `FOR UPDATE SKIP LOCKED`); the claim (completion_claimed_at, the lease's token;
   its expiry; the attempt count) commits at once;
2. build: ask the audit service for the chain head that holds every event of the document so far
   (adapters/audit_chain.py; not recorded yet within AUDIT_HEAD_WAIT_SECONDS fails the attempt),
   download the verified original (its hash checked) and the attachments, stamp the values and
   append the attachments and the certificate with each event's place from the GeoIP database
   (services/documents/pdf, in a warm sandbox worker: adapters/signed_build.py; in a thread when
   the service runs without the pool), seal it with the organisation's certificate (Deps.sealer;
   a TSA that fails fails the attempt), store it under a key of its own;
3. finish: `pending → completed` with signed_file_key, signedFileHash and completedAt, only if
   our claim still holds, together with `document.completed`.

A crash anywhere before step 3 commits leaves the document pending with a claim that expires, so
another pass redoes the work; a document is never completed without its stored file. completedAt
is when the last participant finished (completion_requested_at), not when the build ran.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Literal

import asyncpg
from aiohttp import web

from services.documents.adapters.signed_build import SandboxBuilder
from services.documents.adapters.storage import signed_key
from services.documents.adapters.verified_pdf import fetch_checked, fetch_pdf
from services.documents.commands.deps import DEPS, Deps
from services.documents.commands.lifecycle_events import as_system, document_event, stamp
from services.documents.db import attachment_repository as attachments_repo
from services.documents.db import completion_repository as completion_repo
from services.documents.db import field_repository as fields_repo
from services.documents.db import lifecycle_repository as repo
from services.documents.db import participant_event_repository as participant_event_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import signed_inputs
from services.documents.domain.participant_events import EVENT_KINDS, by_participant
from services.documents.domain.payloads import people
from services.documents.domain.statemachine import Action, allowed_from, target
from services.documents.domain.verified_file import verified_of
from services.documents.pdf import build_signed_pdf
from services.documents.pdf.models import AttachedFile, AuditHead, Place
from services.documents.pdf.verify import sha256_file
from shared.jobs.worker import AT_ONCE, JobWorker
from shared.logging import log_fields
from shared.service import SETTINGS
from shared.shutdown import finish_task, grace_of
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.documents.completion")


async def claim(pool: asyncpg.Pool, lease_seconds: float) -> asyncpg.Record | None:
    async with pool.acquire() as conn:
        return await completion_repo.claim(conn, lease_seconds)


def _places(deps: Deps, addresses: Iterable[str | None]) -> dict[str, Place]:
    """IP address → where it is, for every address the GeoIP database places (none without one)."""
    places: dict[str, Place] = {}
    for ip in {a for a in addresses if a}:
        city, country = deps.geo.lookup(ip)
        if city or country:
            places[ip] = Place(city, country)
    return places


def _builder(deps: Deps) -> SandboxBuilder | None:
    """The build in a warm sandbox worker, when the service has the pool. A build must end well
    within its lease, or another replica would start the same one; half the lease leaves the
    other half for the seal (and its TSA) and the upload."""
    if deps.sandbox is None:
        return None
    return SandboxBuilder(deps.sandbox, deps.settings.completion_lease_seconds / 2, deps.settings.pdf_parse_memory_mb)


async def build(deps: Deps, document: asyncpg.Record, workdir: Path) -> Path:
    """The sealed signed PDF of a claimed document, built in `workdir` from what is stored (no
    state changes). Files from end to end: the service never holds a whole document in memory
    (with the pool; without it, the build's own output)."""
    async with deps.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        signers = await signers_repo.list_signers(conn, document["id"])
        fields = await fields_repo.list_fields(conn, document["id"])
        values = await repo.field_values(conn, document["id"])
        rows = await participant_event_repo.participant_events(conn, document["id"], list(EVENT_KINDS))
        emitted = await participant_event_repo.emitted_event_ids(conn, document["id"])
        attachment_rows = await attachments_repo.list_attachments(conn, document["id"])
    # The audit chain must hold every event so far before the certificate can vouch for it
    # (raises AuditChainBehind after AUDIT_HEAD_WAIT_SECONDS: the attempt fails and is retried).
    head = await deps.audit.head_covering(document["org_id"], document["id"], emitted)
    places = _places(deps, [r["ip"] for r in rows] + [s["ip"] for s in signers])
    languages = signed_inputs.field_languages(document, signers, fields)
    stamps = signed_inputs.stamp_fields(fields, values, languages)
    original, unsealed, sealed = workdir / "original.pdf", workdir / "unsealed.pdf", workdir / "signed.pdf"
    await fetch_pdf(deps.storage, verified_of(document), original)
    attached = []
    for row in attachment_rows:  # each read back hash-checked, as the original is
        path = workdir / f"{row['id']}.pdf"
        await fetch_checked(deps.storage, row["file_key"], row["file_size"], row["sha256"], path)
        attached.append(AttachedFile(row["file_name"], row["sha256"], path))
    certificate = signed_inputs.certificate(
        document,
        signers,
        fields,
        values,
        document["completion_requested_at"],
        by_participant(rows, signers, places),
        places,
        AuditHead(head.entries, head.hash),
        attached,
    )
    if (builder := _builder(deps)) is not None:
        await builder(original, stamps, certificate, unsealed)
    else:
        pdf = await asyncio.to_thread(build_signed_pdf, original, stamps, certificate)
        await asyncio.to_thread(unsealed.write_bytes, pdf)
    # The organisation's PAdES seal (and the TSA's timestamp), or an exception: never unsealed.
    await deps.sealer.seal(deps.pool, document["org_id"], unsealed, sealed)
    return sealed


async def finish(pool: asyncpg.Pool, document: asyncpg.Record, key: str, digest: str) -> asyncpg.Record | None:
    async with pool.acquire() as conn, conn.transaction():
        row = await completion_repo.finish(
            conn, document, sorted(allowed_from(Action.COMPLETE)), target(Action.COMPLETE), key, digest
        )
        if row is not None:
            signers = await signers_repo.list_signers(conn, row["id"])
            await document_event(
                conn,
                as_system(row),
                row,
                "document.completed",
                signedFileHash=digest,
                completedAt=stamp(row["completed_at"]),
                signers=people(signers),
            )
    return row


async def complete_one(deps: Deps, document: asyncpg.Record) -> bool:
    """Build, store and record one claimed document; False when it failed (it will be retried)."""
    pool = deps.pool
    try:
        with tempfile.TemporaryDirectory(prefix="countersign-sign-") as workdir:
            signed = await build(deps, document, Path(workdir))
            digest, _ = await asyncio.to_thread(sha256_file, signed, 1 << 40)
            # A key per attempt: a slower, superseded attempt can never overwrite the file a
            # newer one recorded.
            key = signed_key(document["org_id"], document["id"], f"{document['id']}-{document['completion_attempts']}")
            await deps.storage.put_file(key, signed, "application/pdf")
        if await finish(pool, document, key, digest) is None:
            log.info("completion superseded", extra=log_fields(documentId=document["id"]))
            return False
        return True
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("signed PDF build failed; will retry", extra=log_fields(documentId=document["id"]))
        async with pool.acquire() as conn:
            # Only while our lease holds; kept, so the document is retried when it runs out.
            await completion_repo.note_error(conn, document, repr(exc)[:1000])
        return False


async def run_completion_pass(deps: Deps) -> int:
    """Complete every document that is ready and not claimed by a live worker, one after the
    other; returns how many. (What tests call; the service runs `Completions`.)"""
    completed = 0
    while (document := await claim(deps.pool, deps.settings.completion_lease_seconds)) is not None:
        completed += await complete_one(deps, document)
    return completed


class Completions:
    """The service's completion worker: up to COMPLETION_CONCURRENCY (2) builds at once.

    Why not one after the other: most of a completion is waiting (the audit service to record
    the last signature, S3, the sandbox worker, the TSA), so one at a time capped the whole
    system at a few completed documents per second however many cores were idle (issue 12).
    Each build holds its own lease, so running several changes nothing for the guarantees; the
    sandbox pool still bounds the builds running at once, and the seal runs in a thread.

    A pass claims one document when a slot is free and returns at once (the next pass claims
    the next); with every slot taken it waits for one, with nothing to claim it waits for the
    NOTIFY (or the poll). Cancelling the worker cancels the builds in flight: their leases
    expire and another pass redoes them, as after a crash.
    """

    def __init__(self, deps: Deps, concurrency: int) -> None:
        self._deps = deps
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[bool]] = set()

    async def one_pass(self) -> Literal["at once"] | None:
        await self._slots.acquire()
        try:
            document = await claim(self._deps.pool, self._deps.settings.completion_lease_seconds)
        except BaseException:
            self._slots.release()
            raise
        if document is None:
            self._slots.release()
            return None
        task = asyncio.create_task(complete_one(self._deps, document))
        self._running.add(task)
        task.add_done_callback(self._done)
        return AT_ONCE

    def _done(self, task: asyncio.Task[bool]) -> None:
        self._running.discard(task)
        self._slots.release()
        if not task.cancelled() and (exc := task.exception()) is not None:
            # complete_one logs its own failures; this is one while noting one (database away).
            log.warning("completion failed; its lease will expire", extra=log_fields(error=repr(exc)))

    async def finish(self, timeout: float) -> None:
        """Let the builds in flight end within `timeout`, then cancel the rest."""
        running = set(self._running)
        if running:
            await asyncio.wait(running, timeout=max(0.0, timeout))
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def completion_worker(app: web.Application, completions: Completions) -> JobWorker:
    settings = app[SETTINGS]
    # A failed pass (database or S3 away) leaves claims that expire; the next pass retries.
    return JobWorker(
        "completion",
        completions.one_pass,
        wakeup=Wakeup(settings.database_url, repo.COMPLETION_CHANNEL),
        poll_seconds=settings.sweep_interval_seconds,
        logger=log,
        failed_message="completion pass failed; will retry",
    )


async def completion_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry (after deps_ctx): the worker lives as long as the app."""
    completions = Completions(app[DEPS], app[SETTINGS].completion_concurrency)
    worker = completion_worker(app, completions)
    task = asyncio.create_task(worker.run())
    yield
    # The worker claims nothing more; the builds in flight may finish within the grace. One cut
    # short keeps its lease, which runs out, and another replica (or the next start) builds it again.
    grace = grace_of(app)
    await finish_task(grace, task, worker.stop)
    await completions.finish(grace.remaining())
