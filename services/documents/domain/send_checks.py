"""What must hold before a document can be sent (pure: no I/O).

`send_problems` returns every problem at once, each naming what to fix (`fields.fld_….page`,
`signers.sr_…`, `expiresAt`), so a client fixes everything in one round instead of one error per
attempt. The file itself is checked by files.require_verified_file; its page sizes come in here.

Assignment rule: a field's `assignedTo` is a signer's `order`, and the field belongs to the one
participant (signer or approver) holding that order. Several participants may share an order (a
parallel group in a sequential document), but then a field assigned to that order would be
ambiguous, so it is refused: give each participant who fills fields a distinct order (in a
parallel document orders only matter for this; in a sequential one, people who must act at the
same time need no fields of their own or need their own group).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.documents.domain.errors import FieldIssue

Row = Mapping[str, Any]

# Field types whose value this version cannot collect yet (file uploads, payments, formulas).
UNSIGNABLE_TYPES = frozenset({"attachment", "payment", "formula"})
# Field types the server fills in itself when their participant finishes.
AUTO_TYPES = frozenset({"name", "email", "date_signed"})
# What an approver may be assigned: values the server fills when they approve.
APPROVER_TYPES = AUTO_TYPES | {"approval"}
# Boxes are floats; a box that touches the page edge must not fail by a rounding error.
_EPSILON = 0.01


def _name(signer: Row) -> str:
    return f"{signer['name']} <{signer['email']}>"


def box_problem(field: Row, page_sizes: Sequence[Sequence[float]]) -> tuple[str, str] | None:
    """(property, message) when the field's page does not exist or its box leaves the page."""
    page = field["page"]
    if page > len(page_sizes):
        return "page", f"Page {page} does not exist; the document has {len(page_sizes)} page(s)"
    width, height = page_sizes[page - 1]
    if field["x"] + field["width"] > width + _EPSILON or field["y"] + field["height"] > height + _EPSILON:
        return "box", (
            f"The box ({field['x']:g}, {field['y']:g}, {field['width']:g} x {field['height']:g}) "
            f"does not fit inside page {page} ({width:g} x {height:g} points)"
        )
    return None


def _assignment_problem(field: Row, holders: list[Row]) -> str | None:
    order = field["assigned_to"]
    if order is None:
        return "Assign the field to a signer (assignedTo is the signer's order)"
    participants = [s for s in holders if s["role"] != "viewer"]
    if not holders:
        return f"No signer has order {order}"
    if not participants:
        return f"Order {order} belongs to a viewer; viewers do not fill fields"
    if len(participants) > 1:
        names = ", ".join(_name(s) for s in participants)
        return f"Order {order} is shared by {names}; give the one who fills this field a distinct order"
    if participants[0]["role"] == "approver" and field["type"] not in APPROVER_TYPES:
        return f"Order {order} is an approver, who only approves; assign {field['type']} fields to a signer"
    return None


def send_problems(
    signers: Sequence[Row],
    fields: Sequence[Row],
    page_sizes: Sequence[Sequence[float]] | None,
    expires_at: datetime | None,
    now: datetime,
) -> list[FieldIssue]:
    """Every reason the document cannot be sent (empty: it can). `page_sizes` is None when the
    file is not verified; its problems are reported by the caller."""
    problems: list[FieldIssue] = []
    if not signers:
        problems.append(FieldIssue("signers", "Add at least one signer"))
    elif not any(s["role"] != "viewer" for s in signers):
        problems.append(FieldIssue("signers", "At least one signer or approver is needed; viewers only receive a copy"))
    if not fields:
        problems.append(FieldIssue("fields", "Add at least one field"))
    if expires_at is not None and expires_at <= now:
        problems.append(FieldIssue("expiresAt", "The expiry date has passed; set a later one"))

    by_order: dict[int, list[Row]] = defaultdict(list)
    for signer in signers:
        by_order[signer["signing_order"]].append(signer)

    fillable_by_order: dict[int, int] = defaultdict(int)
    for field in fields:
        name = f"fields.{field['id']}"
        if field["type"] in UNSIGNABLE_TYPES:
            problems.append(
                FieldIssue(f"{name}.type", f"{field['type']} fields cannot be signed yet; remove the field")
            )
        if page_sizes is not None and (box := box_problem(field, page_sizes)):
            prop, message = box
            problems.append(FieldIssue(name if prop == "box" else f"{name}.{prop}", message))
        holders = by_order.get(field["assigned_to"], []) if field["assigned_to"] is not None else []
        if assignment := _assignment_problem(field, holders):
            problems.append(FieldIssue(f"{name}.assignedTo", assignment))
        elif field["required"] and not field["read_only"]:
            fillable_by_order[field["assigned_to"]] += 1

    for signer in signers:
        if signer["role"] == "signer" and not fillable_by_order.get(signer["signing_order"]):
            problems.append(
                FieldIssue(
                    f"signers.{signer['id']}",
                    f"{_name(signer)} has no required field to fill; add one assigned to order "
                    f"{signer['signing_order']}",
                )
            )
    return problems
