"""The completion worker and the sweeps against real PostgreSQL and S3: retried after a failure,
never completed without the signed file, and safe when several replicas run them at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from services.documents.adapters.storage import STORAGE
from services.documents.commands.deps import DEPS
from services.documents.workers.completion import run_completion_pass
from services.documents.workers.sweeps import run_expiry_pass, run_reminder_pass
from tests.e2e.seal_setup import sign_typed
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.pdf_corpus import LETTER, make_pdf

ONE = [{"email": "ann@example.com", "name": "Ann"}]


async def _wait_for(flow: Flow, sql: str, *args: object) -> None:
    for _ in range(300):
        if await flow.db.fetchval(sql, *args):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {sql}")


async def test_a_failed_build_leaves_the_document_pending_and_is_retried(flow: Flow) -> None:
    original = make_pdf([LETTER], text="Retry me")
    doc_id, ids = await flow.draft(signers=ONE, fields=[signature(0)], pdf=original)
    await flow.send(doc_id)
    storage = flow.system.services["documents"].app[STORAGE]
    pdf_key = await flow.db.fetchval("SELECT pdf_key FROM documents.documents WHERE id = $1", doc_id)
    await storage.delete(pdf_key)  # the build will fail: its input is gone (as if S3 were away)

    await sign_typed(flow, doc_id, await flow.link(ids["ann@example.com"]), "Ann")
    deps = flow.system.services["documents"].app[DEPS]
    await run_completion_pass(
        replace(deps, settings=deps.settings.model_copy(update={"completion_lease_seconds": 120}))
    )
    await _wait_for(flow, "SELECT completion_error IS NOT NULL FROM documents.documents WHERE id = $1", doc_id)

    row = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert row["status"] == "pending" and row["signed_file_key"] is None and row["signed_file_hash"] is None
    assert row["completion_attempts"] >= 1 and row["completed_at"] is None
    assert "document.completed" not in await flow.event_types(doc_id)
    # The failed attempt's claim is live: no worker takes the document again before its lease ends...
    await run_completion_pass(
        replace(deps, settings=deps.settings.model_copy(update={"completion_lease_seconds": 3600}))
    )
    again = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert again["completion_attempts"] == row["completion_attempts"] and again["status"] == "pending"

    # ...then, with the input back and the lease over, the next pass completes it.
    await storage.put_bytes(pdf_key, original, "application/pdf")
    await flow.db.execute(
        "UPDATE documents.documents SET completion_lease_expires_at = now() - interval '1 hour' WHERE id = $1", doc_id
    )
    completed = await flow.complete(doc_id)
    assert completed["signedFileHash"]
    row = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert row["completion_attempts"] >= 2 and row["completion_error"] is None and row["signed_file_key"]
    assert row["completed_at"] == row["completion_requested_at"]  # when the last signer finished
    assert (await flow.event_types(doc_id)).count("document.completed") == 1
    assert (
        await flow.db.fetchval(
            # (this organisation's documents: other tests stage completed rows by SQL on purpose)
            "SELECT count(*) FROM documents.documents WHERE status = 'completed' AND signed_file_key IS NULL"
            " AND org_id = $1",
            flow.api.org_id,
        )
        == 0
    )


async def test_concurrent_expiry_sweeps_expire_each_document_once(flow: Flow) -> None:
    doc_ids = []
    for _ in range(5):
        doc_id, _ = await flow.draft(signers=ONE, fields=[signature(0)], expiresAt="2099-01-01T00:00:00Z")
        await flow.send(doc_id)
        doc_ids.append(doc_id)
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 second' WHERE id = ANY($1)", doc_ids
    )
    await asyncio.gather(*[run_expiry_pass(flow.db) for _ in range(4)])
    statuses = await flow.db.fetch("SELECT status FROM documents.documents WHERE id = ANY($1)", doc_ids)
    assert {r["status"] for r in statuses} == {"expired"}
    for doc_id in doc_ids:
        assert (await flow.event_types(doc_id)).count("document.expired") == 1


async def test_concurrent_reminder_sweeps_remind_each_signer_once(flow: Flow) -> None:
    doc_ids = []
    for _ in range(3):
        doc_id, _ = await flow.draft(signers=ONE, fields=[signature(0)], reminderFrequency=1)
        await flow.send(doc_id)
        doc_ids.append(doc_id)
    await flow.db.execute(
        "UPDATE documents.signers SET activated_at = now() - interval '2 days' WHERE document_id = ANY($1)", doc_ids
    )
    await asyncio.gather(*[run_reminder_pass(flow.db) for _ in range(4)])
    for doc_id in doc_ids:
        assert (await flow.event_types(doc_id)).count("signer.reminded") == 1
