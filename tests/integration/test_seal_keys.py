"""Organisations' seal identities in PostgreSQL: one per organisation even when issued concurrently,
the key sealed at rest and bound to its organisation, plaintext refused by the database itself."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.documents.commands.sealing import Sealer
from shared.secretbox import SecretUnreadable
from shared.settings import Settings


@pytest.fixture(scope="module")
def sealer(prepared: Settings) -> Sealer:
    return Sealer.from_settings(prepared)


def _org() -> str:
    return f"org_{secrets.token_hex(6)}"


async def test_concurrent_first_uses_issue_one_identity(db: asyncpg.Pool, sealer: Sealer) -> None:
    org = _org()
    seals = await asyncio.gather(*(sealer.org_seal(db, org) for _ in range(4)))
    assert len({s.cert_sha256 for s in seals}) == 1 and len({s.identity.key_pem for s in seals}) == 1
    assert await db.fetchval("SELECT count(*) FROM documents.org_seal_identities WHERE org_id = $1", org) == 1


async def test_a_key_moved_to_another_organisation_does_not_open(db: asyncpg.Pool, sealer: Sealer) -> None:
    mine, theirs = _org(), _org()
    await sealer.org_seal(db, mine)
    await sealer.org_seal(db, theirs)
    await db.execute(
        """UPDATE documents.org_seal_identities SET private_key =
                        (SELECT private_key FROM documents.org_seal_identities WHERE org_id = $1) WHERE org_id = $2""",
        mine,
        theirs,
    )
    with pytest.raises(SecretUnreadable):
        await sealer.org_seal(db, theirs)


async def test_the_database_refuses_a_plaintext_key(db: asyncpg.Pool, sealer: Sealer) -> None:
    org = _org()
    seal = await sealer.org_seal(db, org)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "UPDATE documents.org_seal_identities SET private_key = $2 WHERE org_id = $1",
            org,
            seal.identity.key_pem.decode(),
        )
    stored = await db.fetchval("SELECT private_key FROM documents.org_seal_identities WHERE org_id = $1", org)
    assert stored.startswith("v1:") and "PRIVATE KEY" not in stored


async def test_an_expiring_identity_is_replaced(db: asyncpg.Pool, sealer: Sealer) -> None:
    org = _org()
    old = await sealer.org_seal(db, org)
    await db.execute(
        "UPDATE documents.org_seal_identities SET not_after = now() + interval '1 hour' WHERE org_id = $1", org
    )
    new = await sealer.org_seal(db, org)
    assert new.cert_sha256 != old.cert_sha256 and new.not_after > datetime.now(UTC) + timedelta(days=1)
