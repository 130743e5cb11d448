"""A template's roles (signer slots) and fields: list, add, change, remove (Countersign extension).

Each change locks the template first (templates.lock_template), so counts, the unique slot order
and the "assigned to an existing slot" rule cannot race, and no change lands while documents are
being made from the template. A field names its slot by the slot's `sortOrder` (`assignedTo`);
moving a slot moves its fields with it, and a slot with fields cannot be removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.field_service import check_merged, stored_columns
from services.documents.commands.template_documents import template_not_found
from services.documents.commands.templates import lock_template, touch
from services.documents.db import template_repository as repo
from services.documents.db.repository import to_columns
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.validation import MAX_FIELDS, changed
from shared.contracts.templates import MAX_ROLES
from shared.ids import prefixed_id

INVALID = "The request body contains invalid fields"


async def list_roles(pool: asyncpg.Pool, org_id: str, template_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if await repo.find_template(conn, org_id, template_id) is None:
            raise template_not_found()
        return await repo.list_roles(conn, template_id)


def _order_taken(roles: list[asyncpg.Record], order: int, except_id: str | None = None) -> None:
    taken = next((r for r in roles if r["sort_order"] == order and r["id"] != except_id), None)
    if taken is not None:
        raise Conflicting(
            f"sortOrder {order} is the slot of role {taken['label']!r}; each role has its own place",
            code="role-order-taken",
        )


async def add_role(pool: asyncpg.Pool, org_id: str, template_id: str, properties: Mapping[str, Any]) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        roles = await repo.list_roles(conn, template_id)
        if len(roles) >= MAX_ROLES:
            raise Conflicting(f"A template can have at most {MAX_ROLES} roles")
        columns = to_columns(properties, repo.ROLE_COLUMNS)
        if columns.get("sort_order") is None:
            columns["sort_order"] = max((r["sort_order"] for r in roles), default=-1) + 1
        _order_taken(roles, columns["sort_order"])
        row = await repo.insert_role(conn, prefixed_id("ts"), template_id, columns)
        await touch(conn, org_id, template_id)
    return row


async def update_role(
    pool: asyncpg.Pool, org_id: str, template_id: str, role_id: str, requested_properties: Mapping[str, Any]
) -> asyncpg.Record:
    requested = to_columns(requested_properties, repo.ROLE_COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        roles = await repo.list_roles(conn, template_id)
        current = next((r for r in roles if r["id"] == role_id), None)
        if current is None:
            raise NotFound("Role")
        diff = changed(current, requested)
        if not diff:
            return current
        if "sort_order" in diff:
            _order_taken(roles, diff["sort_order"], except_id=role_id)
            await repo.move_fields(conn, template_id, current["sort_order"], diff["sort_order"])
        row = await repo.update_role(conn, template_id, role_id, diff)
        await touch(conn, org_id, template_id)
    return row


async def remove_role(pool: asyncpg.Pool, org_id: str, template_id: str, role_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        roles = {r["id"]: r for r in await repo.list_roles(conn, template_id)}
        if role_id not in roles:
            raise NotFound("Role")
        order = roles[role_id]["sort_order"]
        if any(f["assigned_to"] == order for f in await repo.list_fields(conn, template_id)):
            raise Conflicting(
                "Fields are assigned to this role: remove them or assign them to another role first",
                code="role-has-fields",
            )
        await repo.delete_role(conn, template_id, role_id)
        await touch(conn, org_id, template_id)


# --- fields -----------------------------------------------------------------------------------


async def list_fields(pool: asyncpg.Pool, org_id: str, template_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if await repo.find_template(conn, org_id, template_id) is None:
            raise template_not_found()
        return await repo.list_fields(conn, template_id)


async def _check_slot(conn: asyncpg.Connection, template_id: str, assigned_to: int | None) -> None:
    if assigned_to is None:
        return
    if assigned_to not in {r["sort_order"] for r in await repo.list_roles(conn, template_id)}:
        raise Invalid(INVALID, fields=[FieldIssue("assignedTo", f"No role has sortOrder {assigned_to}; add it first")])


def _no_signer_id(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Fields take the shape of documents' fields (FieldCreate), but a template has roles, not
    signers: the properties without `signerId`, refused when one is given."""
    if properties.get("signerId") is not None:
        raise Invalid(INVALID, fields=[FieldIssue("signerId", "A template's fields belong to roles: use assignedTo")])
    return {name: value for name, value in properties.items() if name != "signerId"}


async def add_field(pool: asyncpg.Pool, org_id: str, template_id: str, properties: Mapping[str, Any]) -> asyncpg.Record:
    columns = stored_columns(to_columns(_no_signer_id(properties), repo.TEMPLATE_FIELD_COLUMNS))
    check_merged(dict.fromkeys(repo.TEMPLATE_FIELD_COLUMNS.values()), columns)
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        if await repo.count_fields(conn, template_id) >= MAX_FIELDS:
            raise Conflicting(f"A template can have at most {MAX_FIELDS} fields")
        await _check_slot(conn, template_id, columns.get("assigned_to"))
        row = await repo.insert_field(conn, prefixed_id("tf"), template_id, columns)
        await touch(conn, org_id, template_id)
    return row


async def update_field(
    pool: asyncpg.Pool, org_id: str, template_id: str, field_id: str, requested_properties: Mapping[str, Any]
) -> asyncpg.Record:
    requested = stored_columns(to_columns(_no_signer_id(requested_properties), repo.TEMPLATE_FIELD_COLUMNS))
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        current = await repo.find_field(conn, template_id, field_id)
        if current is None:
            raise NotFound("Field")
        diff = changed(current, requested)
        if not diff:
            return current
        check_merged(current, diff)
        if "assigned_to" in diff:
            await _check_slot(conn, template_id, diff["assigned_to"])
        row = await repo.update_field(conn, template_id, field_id, diff)
        await touch(conn, org_id, template_id)
    return row


async def remove_field(pool: asyncpg.Pool, org_id: str, template_id: str, field_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        if await repo.delete_field(conn, template_id, field_id) is None:
            raise NotFound("Field")
        await touch(conn, org_id, template_id)
