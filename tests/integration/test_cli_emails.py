"""`countersign emails failed (dead-letters) | requeue`: the operator's only way to the org-wide email
endpoints. Run as operators run it (the CLI in a subprocess) against the running notifier; the
same endpoints refuse every other caller and leave the email as it was."""

from __future__ import annotations

import json
import uuid

import aiohttp
import asyncpg

from services.notifier.emails.enqueue import enqueue_emails
from shared.callers import caller_headers
from shared.events import Actor, Event
from tests.email_peers import eventually
from tests.harness import System
from tests.integration.test_cli import cli_env, closed_port, countersign  # noqa: F401 (a fixture)


async def dead_email(db: asyncpg.Pool) -> str:
    """A real, sendable email, committed already dead-lettered (the send worker never saw it queued)."""
    tag = uuid.uuid4().hex[:8]
    person = [
        {"id": f"sr_{tag}", "name": "Dee Letter", "email": f"dee.{tag}@example.com", "role": "signer", "order": 1}
    ]
    event = Event(
        type="document.cancelled",
        orgId=f"org_{tag}",
        documentId="c" + tag,
        actor=Actor(type="api_key"),
        data={"name": "NDA", "signers": person, "invited": person, "sender": {"name": "S", "email": "s@x.test"}},
    )
    async with db.acquire() as conn, conn.transaction():
        assert await enqueue_emails(conn, event) == 1
        return await conn.fetchval(
            """UPDATE notifier.emails SET status = 'failed', attempts = 6, last_error = '451 4.3.0 try later'
               WHERE event_id = $1 RETURNING id""",
            event.id,
        )


async def test_an_operator_lists_and_requeues_a_dead_letter_and_it_is_sent(system: System, db: asyncpg.Pool) -> None:
    email_id = await dead_email(db)
    env = cli_env(
        system.settings,
        NOTIFIER_URL=system.services["notifier"].url,
        INTERNAL_SECRET=system.settings.require_internal_secret(),
    )

    listed = await countersign("emails", "failed", "--json", "--limit", "500", env=env)
    assert listed.code == 0, listed.err
    [row] = [r for r in json.loads(listed.out) if r["id"] == email_id]
    assert (row["status"], row["lastError"]) == ("failed", "451 4.3.0 try later")
    # Its first name still works, and the table form names it too.
    text = await countersign("emails", "dead-letters", "--limit", "500", env=env)
    assert text.code == 0 and any(line.startswith(email_id) and "451 4.3.0" in line for line in text.out.splitlines())

    requeued = await countersign("emails", "requeue", email_id, "--json", env=env)
    assert requeued.code == 0, requeued.err
    assert json.loads(requeued.out) == {"id": email_id, "status": "queued"}
    # Queued again from scratch, the worker sends it for real this time.
    await eventually(
        lambda: db.fetchval("SELECT status = 'sent' FROM notifier.emails WHERE id = $1", email_id),
        "the requeued email to be sent",
    )

    again = await countersign("emails", "requeue", email_id, env=env)
    assert again.code == 1 and "not found" in again.err  # only a failed one can be requeued


async def test_the_email_endpoints_answer_no_caller_but_the_operator(
    system: System, db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    email_id = await dead_email(db)
    before = await db.fetchrow("SELECT status, attempts, updated_at FROM notifier.emails WHERE id = $1", email_id)
    base = system.services["notifier"].url
    for caller in ("public", "gateway", "audit", "notifier"):
        headers = caller_headers(system.settings.require_internal_secret(), caller)  # type: ignore[arg-type]
        async with http.get(base + "/internal/emails/dead-letters", headers=headers) as resp:
            assert resp.status == 404, caller
        async with http.post(base + f"/internal/emails/{email_id}/requeue", headers=headers) as resp:
            assert resp.status == 404, caller
    after = await db.fetchrow("SELECT status, attempts, updated_at FROM notifier.emails WHERE id = $1", email_id)
    assert after == before  # still dead: nobody but the operator could requeue it


async def test_the_cli_says_when_the_notifier_is_not_reachable(system: System, closed_port: int) -> None:
    env = cli_env(
        system.settings,
        NOTIFIER_URL=f"http://127.0.0.1:{closed_port}",
        INTERNAL_SECRET=system.settings.require_internal_secret(),
    )
    result = await countersign("emails", "dead-letters", env=env)
    assert result.code == 1
    assert result.err.startswith("countersign: ") and "Traceback" not in result.err
    # One line, prefixed once (it once read "countersign: countersign: ...").
    assert result.err == f"countersign: the notifier did not answer at http://127.0.0.1:{closed_port}\n"
