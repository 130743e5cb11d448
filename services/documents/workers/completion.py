"""Completion: build, store and record the signed PDF, off the request path, retried until done.

The last participant's transaction sets `completion_requested_at` (the document stays pending)
and NOTIFYs. A worker in every documents replica wakes on that (and polls every sweep interval):

1. claim: one document whose build is requested and not leased, or whose lease (taken for
   COMPLETION_LEASE_SECONDS) ran out — its worker is presumed dead — with the leased-job primitive
   (shared/jobs: `FOR UPDATE SKIP LOCKED`); the claim (completion_claimed_at, the lease's token;
   its expiry; the attempt count) commits at once;
2. build: ask the audit service for the chain head that holds every event of the document so far
   (adapters/audit_chain.py; not recorded yet within AUDIT_HEAD_WAIT_SECONDS fails the attempt),
   download the verified original (its hash checked), stamp the values and append the
   certificate with each event's place from the GeoIP database (services/documents/pdf, in a
   thread: CPU-bound), seal it with the organisation's certificate (Deps.sealer; a TSA that fails
   fails the attempt), store it under a key of its own;
3. finish: `pending → completed` with signed_file_key, signedFileHash and completedAt, only if
   our claim still holds, together with `document.completed`.

A crash anywhere before step 3 commits leaves the document pending with a claim that expires, so
another pass redoes the work; a document is never completed without its stored file. completedAt
is when the last participant finished (completion_requested_at), not when the build ran.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import asyncpg
from aiohttp import web

from services.documents.adapters.storage import signed_key
from services.documents.adapters.verified_pdf import fetch_pdf
from services.documents.commands.deps import DEPS, Deps
from services.documents.commands.lifecycle_events import as_system, document_event, stamp
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
from services.documents.pdf.models import AuditHead, Place
from shared.jobs.worker import JobWorker
from shared.logging import log_fields
from shared.service import SETTINGS
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


async def build(deps: Deps, document: asyncpg.Record) -> bytes:
    """The signed PDF of a claimed document, built from what is stored (no state changes)."""
    async with deps.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        signers = await signers_repo.list_signers(conn, document["id"])
        fields = await fields_repo.list_fields(conn, document["id"])
        values = await repo.field_values(conn, document["id"])
        rows = await participant_event_repo.participant_events(conn, document["id"], list(EVENT_KINDS))
        emitted = await participant_event_repo.emitted_event_ids(conn, document["id"])
    # The audit chain must hold every event so far before the certificate can vouch for it
    # (raises AuditChainBehind after AUDIT_HEAD_WAIT_SECONDS: the attempt fails and is retried).
    head = await deps.audit.head_covering(document["org_id"], document["id"], emitted)
    places = _places(deps, [r["ip"] for r in rows] + [s["ip"] for s in signers])
    stamps = signed_inputs.stamp_fields(fields, values)
    certificate = signed_inputs.certificate(
        document,
        signers,
        fields,
        values,
        document["completion_requested_at"],
        by_participant(rows, signers, places),
        places,
        AuditHead(head.entries, head.hash),
    )
    with tempfile.TemporaryDirectory(prefix="countersign-sign-") as tmp:
        original = Path(tmp) / "original.pdf"
        await fetch_pdf(deps.storage, verified_of(document), original)
        unsealed = await asyncio.to_thread(build_signed_pdf, original, stamps, certificate)
    # The organisation's PAdES seal (and the TSA's timestamp), or an exception: never unsealed.
    return await deps.sealer.seal(deps.pool, document["org_id"], unsealed)


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
        pdf = await build(deps, document)
        digest = hashlib.sha256(pdf).hexdigest()
        # A key per attempt: a slower, superseded attempt can never overwrite the file a newer
        # one recorded.
        key = signed_key(document["org_id"], document["id"], f"{document['id']}-{document['completion_attempts']}")
        await deps.storage.put_bytes(key, pdf, "application/pdf")
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
    """Complete every document that is ready and not claimed by a live worker; returns how many."""
    completed = 0
    while (document := await claim(deps.pool, deps.settings.completion_lease_seconds)) is not None:
        completed += await complete_one(deps, document)
    return completed


def completion_worker(app: web.Application) -> JobWorker:
    settings = app[SETTINGS]

    async def one_pass() -> None:
        await run_completion_pass(app[DEPS])

    # A failed pass (database or S3 away) leaves claims that expire; the next pass retries.
    return JobWorker(
        "completion",
        one_pass,
        wakeup=Wakeup(settings.database_url, repo.COMPLETION_CHANNEL),
        poll_seconds=settings.sweep_interval_seconds,
        logger=log,
        failed_message="completion pass failed; will retry",
    )


async def completion_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry (after deps_ctx): the worker lives as long as the app."""
    task = asyncio.create_task(completion_worker(app).run())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
