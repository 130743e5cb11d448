"""The audit chain anyone can check: entries expose their hashes, and GET …/audit/verify and
`countersign audit verify` recompute the chain and name the first entry that does not match
after rows are edited or deleted directly in the database."""

from __future__ import annotations

import json

import asyncpg
import pytest

from services.audit.chain import GENESIS_HASH, entry_hash
from services.audit.chain_check import chain_report
from services.audit.repository import load_chain
from tests.e2e.test_audit_api import audit_entries, create_document
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow is a fixture)
from tests.integration.test_cli import cli_env, countersign

pytestmark = pytest.mark.e2e


async def _tamper(db: asyncpg.Pool, sql: str, *args: object) -> None:
    """Bypass the append-only trigger, as someone with direct database access could."""
    async with db.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


async def _document_with_entries(flow: Flow, count: int) -> tuple[str, list[dict]]:
    doc_id = await create_document(flow.api, "Chained")
    for n in range(count - 1):
        status, body, _ = await flow.api.request("PATCH", f"/api/v1/documents/{doc_id}", json={"name": f"Chained {n}"})
        assert status == 200, body
    return doc_id, await audit_entries(flow.api, doc_id, count)


async def test_entries_expose_a_chain_anyone_can_recompute(flow: Flow) -> None:
    doc_id, entries = await _document_with_entries(flow, 3)
    assert [e["position"] for e in entries] == [1, 2, 3] and entries[0]["prevHash"] == GENESIS_HASH
    assert all(later["prevHash"] == earlier["hash"] for earlier, later in zip(entries, entries[1:], strict=False))
    async with flow.db.acquire() as conn:
        stored = await load_chain(conn, doc_id)
    assert [entry_hash(e.prev_hash, e.record) for e in stored] == [e["hash"] for e in entries]

    verified = await flow.call(flow.api, "GET", "/api/v1/documents/{id}/audit/verify", 200, id=doc_id)
    assert verified == {
        "documentId": doc_id,
        "valid": True,
        "entries": 3,
        "headPosition": 3,
        "headHash": entries[-1]["hash"],
        "firstBroken": None,
    }
    result = await countersign("audit", "verify", doc_id, env=cli_env(flow.system.settings))
    assert result.code == 0 and f"chain intact, 3 entries, head {entries[-1]['hash']}" in result.out
    as_json = await countersign("audit", "verify", doc_id, "--json", env=cli_env(flow.system.settings))
    assert as_json.code == 0 and json.loads(as_json.out) == verified


async def test_an_edited_entry_is_named(flow: Flow) -> None:
    doc_id, entries = await _document_with_entries(flow, 3)
    await _tamper(flow.db, "UPDATE audit.entries SET details = 'API: nothing happened' WHERE id = $1", entries[1]["id"])
    verified = await flow.call(flow.api, "GET", "/api/v1/documents/{id}/audit/verify", 200, id=doc_id)
    assert verified["valid"] is False
    assert verified["firstBroken"]["position"] == 2 and verified["firstBroken"]["entryId"] == entries[1]["id"]
    assert "recorded fields" in verified["firstBroken"]["reason"]

    # The operator's form, as operators run it.
    result = await countersign("audit", "verify", doc_id, env=cli_env(flow.system.settings))
    assert result.code == 1, result
    assert f"BROKEN at position 2 (entry {entries[1]['id']})" in result.out
    as_json = await countersign("audit", "verify", doc_id, "--json", env=cli_env(flow.system.settings))
    assert as_json.code == 1 and json.loads(as_json.out) == verified


async def test_deleted_entries_are_caught_in_the_middle_and_at_the_end(flow: Flow) -> None:
    doc_id, entries = await _document_with_entries(flow, 4)
    await _tamper(flow.db, "DELETE FROM audit.entries WHERE id = $1", entries[3]["id"])  # the last one
    async with flow.db.acquire() as conn:
        report = await chain_report(conn, doc_id)
    assert not report.ok and report.broken_at == 4 and report.entry_id is None and "missing" in (report.reason or "")

    await _tamper(flow.db, "DELETE FROM audit.entries WHERE id = $1", entries[1]["id"])  # one in the middle
    verified = await flow.call(flow.api, "GET", "/api/v1/documents/{id}/audit/verify", 200, id=doc_id)
    assert verified["valid"] is False and verified["entries"] == 2
    assert verified["firstBroken"]["position"] == 2 and verified["firstBroken"]["entryId"] is None


async def test_another_organisations_chain_is_not_found(flow: Flow, make_api) -> None:  # type: ignore[no-untyped-def]
    doc_id, _ = await _document_with_entries(flow, 1)
    stranger = await make_api()
    refused = await flow.call(stranger, "GET", "/api/v1/documents/{id}/audit/verify", 404, id=doc_id)
    assert refused["status"] == 404
