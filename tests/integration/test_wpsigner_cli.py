"""`countersign keys create --wpsigner --member-email ...`: non-admin WPsigner credentials."""

from __future__ import annotations

import json

import asyncpg

from tests.integration.test_cli import countersign, env, org_name  # noqa: F401  (fixtures)


async def test_member_credentials(env: dict[str, str], org_name: str, db: asyncpg.Pool) -> None:  # noqa: F811
    admin = json.loads((await countersign("keys", "create", "--org", org_name, "--wpsigner", "--json", env=env)).out)
    assert "memberId" not in admin
    result = await countersign(
        "keys",
        "create",
        "--org",
        org_name,
        "--wpsigner",
        "--member-email",
        "Ann@Example.com",
        "--member-name",
        "Ann Example",
        "--json",
        env=env,
    )
    assert result.code == 0, result.err
    ann = json.loads(result.out)
    assert set(ann) == {"orgId", "keyId", "apiKey", "apiSecret", "memberId"} and ann["orgId"] == admin["orgId"]
    member = await db.fetchrow("SELECT name, email, role FROM gateway.members WHERE id = $1", ann["memberId"])
    assert dict(member) == {"name": "Ann Example", "email": "ann@example.com", "role": "member"}
    assert await db.fetchval("SELECT member_id FROM gateway.api_keys WHERE id = $1", ann["keyId"]) == ann["memberId"]

    again = json.loads(
        (
            await countersign(
                "keys",
                "create",
                "--org",
                org_name,
                "--wpsigner",
                "--read-only",
                "--member-email",
                "ann@example.com",
                "--json",
                env=env,
            )
        ).out
    )
    assert again["memberId"] == ann["memberId"]  # the same member, a second (read-only) key
    assert await db.fetchval("SELECT count(*) FROM gateway.members WHERE org_id = $1", admin["orgId"]) == 2

    text = await countersign(
        "keys", "create", "--org", org_name, "--wpsigner", "--member-email", "bo@example.com", env=env
    )
    assert text.code == 0 and "member:" in text.out and "bo@example.com" in text.out


async def test_member_options_are_checked(env: dict[str, str], org_name: str, db: asyncpg.Pool) -> None:  # noqa: F811
    insigner = await countersign("keys", "create", "--org", org_name, "--member-email", "a@example.com", env=env)
    assert insigner.code == 2 and "--wpsigner" in insigner.err
    name_only = await countersign("keys", "create", "--org", org_name, "--wpsigner", "--member-name", "A", env=env)
    assert name_only.code == 2 and "--member-email" in name_only.err
    not_email = await countersign(
        "keys", "create", "--org", org_name, "--wpsigner", "--member-email", "nobody", env=env
    )
    assert not_email.code == 2 and "email" in not_email.err
    assert await db.fetchval("SELECT count(*) FROM gateway.organizations WHERE name = $1", org_name) == 0
