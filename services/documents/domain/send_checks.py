"""What must hold before a document can be sent (pure: no I/O).

`send_problems` returns every problem at once, each naming what to fix (`fields.fld_….page`,
`signers.sr_…`, `expiresAt`), so a client fixes everything in one round instead of one error per
attempt. The file itself is checked by files.require_verified_file; its page sizes come in here.

Assignment rule: a field's `assignedTo` is a signer's `order`, and the field belongs to the one
participant (signer or approver) holding that order. Several participants may share an order (a
parallel group in a sequential document), but then a field assigned to that order would be
ambiguous, so it is refused: give the field a `signerId` (it then belongs to that signer
whatever their order: domain/ownership.py), or give each participant who fills fields a distinct
order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.documents.domain import formula
from services.documents.domain.errors import FieldIssue
from services.documents.domain.ownership import candidates

Row = Mapping[str, Any]

# Field types whose value this version cannot collect: payments (no provider; they cannot even be
# created, shared/contracts/rules.UNAVAILABLE_TYPES: this catches rows from before that rule).
UNSIGNABLE_TYPES = frozenset({"payment"})
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
    if order is None and field["signer_id"] is None:
        return "Assign the field to a signer (assignedTo is the signer's order)"
    participants = [s for s in holders if s["role"] != "viewer"]
    if not holders:
        return f"No signer has order {order}"
    if not participants:
        if field["signer_id"] is not None:
            return f"{_name(holders[0])} is a viewer; viewers do not fill fields"
        return f"Order {order} belongs to a viewer; viewers do not fill fields"
    if len(participants) > 1:
        names = ", ".join(_name(s) for s in participants)
        return f"Order {order} is shared by {names}; give the field the signerId of the one who fills it"
    if participants[0]["role"] == "approver" and field["type"] not in APPROVER_TYPES:
        who = _name(participants[0]) if field["signer_id"] is not None else f"Order {order}"
        return f"{who} is an approver, who only approves; assign {field['type']} fields to a signer"
    return None


def _owner_id(field: Row, signers: Sequence[Row]) -> str | None:
    participants = [s for s in candidates(field, signers) if s["role"] != "viewer"]
    return participants[0]["id"] if len(participants) == 1 else None


def _formula_problems(fields: Sequence[Row], signers: Sequence[Row]) -> list[FieldIssue]:
    """A formula reads number fields of its own signer, so its value is known when they sign."""
    by_id = {f["id"]: f for f in fields}
    problems: list[FieldIssue] = []
    for field in fields:
        if field["type"] != "formula":
            continue
        name = f"fields.{field['id']}.formula"
        try:
            refs = sorted(formula.references(field["formula"] or ""))
        except formula.FormulaError as exc:
            problems.append(FieldIssue(name, str(exc)))
            continue
        owner = _owner_id(field, signers)
        for ref in refs:
            target = by_id.get(ref)
            if target is None or target["type"] != "number":
                problems.append(FieldIssue(name, f"{ref} is not a number field of this document"))
            elif owner is not None and _owner_id(target, signers) != owner:
                problems.append(
                    FieldIssue(name, f"{ref} is filled by another signer; a formula reads its own signer's")
                )
    return problems


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

    fillable_by_signer: dict[str, int] = defaultdict(int)
    for field in fields:
        name = f"fields.{field['id']}"
        if field["type"] in UNSIGNABLE_TYPES:
            problems.append(
                FieldIssue(f"{name}.type", f"{field['type']} fields cannot be signed yet; remove the field")
            )
        if page_sizes is not None and (box := box_problem(field, page_sizes)):
            prop, message = box
            problems.append(FieldIssue(name if prop == "box" else f"{name}.{prop}", message))
        holders = candidates(field, signers)
        if assignment := _assignment_problem(field, holders):
            prop = "signerId" if field["signer_id"] is not None else "assignedTo"
            problems.append(FieldIssue(f"{name}.{prop}", assignment))
        elif field["required"] and not field["read_only"]:
            fillable_by_signer[next(s["id"] for s in holders if s["role"] != "viewer")] += 1

    problems += _formula_problems(fields, signers)
    for signer in signers:
        if signer["role"] == "signer" and not fillable_by_signer.get(signer["id"]):
            problems.append(
                FieldIssue(
                    f"signers.{signer['id']}",
                    f"{_name(signer)} has no required field to fill; add one assigned to order "
                    f"{signer['signing_order']}",
                )
            )
    return problems
