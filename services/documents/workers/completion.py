"""Completion: build, store and record the signed PDF, off the request path, retried until done.

The last participant's transaction sets `completion_requested_at` (the document stays pending)
and NOTIFYs. A worker in every documents replica wakes on that (and polls every sweep interval):

1. claim: one document whose build is requested and not leased, or whose lease (taken for
   COMPLETION_LEASE_SECONDS) ran out — its worker is presumed dead — with the leased-job primitive
   (shared/jobs: `FOR UPDATE SKIP LOCKED`); the claim (completion_claimed_at, the lease's token;
   its expiry; the attempt count) commits at once;
2. build: download the verified original (its hash checked), stamp the values and append the
   certificate (services/documents/pdf, in a warm sandbox worker: adapters/signed_build.py; in a
   thread when the service runs without the pool), seal it with the organisation's
   certificate (services/documents/sealing; a TSA that fails fails the attempt), store it under a
   key of its own;
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
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiohttp import web

from services.documents.adapters.sandbox_pool import SANDBOX
from services.documents.adapters.signed_build import SandboxBuilder
from services.documents.adapters.storage import STORAGE, Storage, signed_key
from services.documents.adapters.verified_pdf import fetch_checked, fetch_pdf
from services.documents.commands.lifecycle_events import as_system, document_event, stamp
from services.documents.commands.sealing import seal_completed
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
from services.documents.pdf.models import AttachedFile
from services.documents.pdf.verify import sha256_file
from shared.db import POOL
from shared.jobs.worker import JobWorker
from shared.logging import log_fields
from shared.service import SETTINGS
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.documents.completion")


async def claim(pool: asyncpg.Pool, lease_seconds: float) -> asyncpg.Record | None:
    async with pool.acquire() as conn:
        return await completion_repo.claim(conn, lease_seconds)


async def build(
    pool: asyncpg.Pool, storage: Storage, document: asyncpg.Record, workdir: Path, builder: SandboxBuilder | None = None
) -> Path:
    """The sealed signed PDF of a claimed document, built in `workdir` from what is stored (no
    state changes). Files from end to end: the service never holds a whole document in memory
    (with the pool; without it, the build's own output)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        signers = await signers_repo.list_signers(conn, document["id"])
        fields = await fields_repo.list_fields(conn, document["id"])
        values = await repo.field_values(conn, document["id"])
        events = by_participant(
            await participant_event_repo.participant_events(conn, document["id"], list(EVENT_KINDS)), signers
        )
        attachment_rows = await attachments_repo.list_attachments(conn, document["id"])
    stamps = signed_inputs.stamp_fields(fields, values)
    original, unsealed, sealed = workdir / "original.pdf", workdir / "unsealed.pdf", workdir / "signed.pdf"
    await fetch_pdf(storage, verified_of(document), original)
    attached = []
    for row in attachment_rows:  # each read back hash-checked, as the original is
        path = workdir / f"{row['id']}.pdf"
        await fetch_checked(storage, row["file_key"], row["file_size"], row["sha256"], path)
        attached.append(AttachedFile(row["file_name"], row["sha256"], path))
    certificate = signed_inputs.certificate(
        document, signers, fields, values, document["completion_requested_at"], events, attached
    )
    if builder is not None:
        await builder(original, stamps, certificate, unsealed)
    else:
        pdf = await asyncio.to_thread(build_signed_pdf, original, stamps, certificate)
        await asyncio.to_thread(unsealed.write_bytes, pdf)
    # The organisation's PAdES seal (and the TSA's timestamp), or an exception: never unsealed.
    await seal_completed(pool, document, unsealed, sealed)
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


async def complete_one(
    pool: asyncpg.Pool, storage: Storage, document: asyncpg.Record, builder: SandboxBuilder | None = None
) -> bool:
    """Build, store and record one claimed document; False when it failed (it will be retried)."""
    try:
        with tempfile.TemporaryDirectory(prefix="countersign-sign-") as workdir:
            signed = await build(pool, storage, document, Path(workdir), builder)
            digest, _ = await asyncio.to_thread(sha256_file, signed, 1 << 40)
            # A key per attempt: a slower, superseded attempt can never overwrite the file a
            # newer one recorded.
            key = signed_key(document["org_id"], document["id"], f"{document['id']}-{document['completion_attempts']}")
            await storage.put_file(key, signed, "application/pdf")
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


async def run_completion_pass(
    pool: asyncpg.Pool, storage: Storage, lease_seconds: float, builder: SandboxBuilder | None = None
) -> int:
    """Complete every document that is ready and not claimed by a live worker; returns how many."""
    completed = 0
    while (document := await claim(pool, lease_seconds)) is not None:
        completed += await complete_one(pool, storage, document, builder)
    return completed


def completion_worker(app: web.Application) -> JobWorker:
    settings = app[SETTINGS]
    sandbox = app.get(SANDBOX)
    # A build must end well within its lease, or another replica would start the same one; half
    # the lease leaves the other half for the seal (and its TSA) and the upload.
    builder = (
        SandboxBuilder(sandbox, settings.completion_lease_seconds / 2, settings.pdf_parse_memory_mb)
        if sandbox is not None
        else None
    )

    async def one_pass() -> None:
        await run_completion_pass(app[POOL], app[STORAGE], settings.completion_lease_seconds, builder)

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
    """cleanup_ctx entry (after the storage's): the worker lives as long as the app."""
    task = asyncio.create_task(completion_worker(app).run())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
