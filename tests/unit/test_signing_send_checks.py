"""Send prerequisites: every problem reported at once, each naming what to fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.documents.domain.send_checks import box_problem, send_problems

NOW = datetime(2026, 5, 28, 12, tzinfo=UTC)
LETTER = [(612.0, 792.0), (792.0, 612.0)]


def signer(id: str, order: int, role: str = "signer") -> dict[str, Any]:
    return {"id": id, "name": id.title(), "email": f"{id}@example.com", "role": role, "signing_order": order}


def field(
    id: str,
    order: int | None,
    type: str = "signature",
    page: int = 1,
    x: float = 100,
    y: float = 650,
    width: float = 200,
    height: float = 60,
    required: bool = True,
    read_only: bool = False,
    signer_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "type": type,
        "page": page,
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "required": required,
        "read_only": read_only,
        "assigned_to": order,
        "signer_id": signer_id,
    }


def problems(
    signers: list, fields: list, pages: list | None = LETTER, expires: datetime | None = None
) -> dict[str, str]:
    return {e.field: e.message for e in send_problems(signers, fields, pages, expires, NOW)}


def test_a_complete_document_has_no_problems():
    signers = [signer("ann", 0), signer("bob", 1), signer("val", 2, "approver"), signer("vic", 0, "viewer")]
    fields = [
        field("f1", 0),
        field("f2", 1, "text", page=2, x=0, y=0, width=792, height=612),
        field("f3", 2, "date_signed"),
    ]
    assert problems(signers, fields, expires=NOW + timedelta(days=1)) == {}


def test_nothing_to_send():
    assert problems([], []) == {"signers": "Add at least one signer", "fields": "Add at least one field"}
    assert "viewers only receive a copy" in problems([signer("vic", 0, "viewer")], [field("f", 0)])["signers"]


def test_fields_must_lie_inside_existing_pages():
    found = problems([signer("ann", 0)], [field("ok", 0), field("far", 0, page=3), field("wide", 0, x=500, width=200)])
    assert found["fields.far.page"] == "Page 3 does not exist; the document has 2 page(s)"
    assert "does not fit inside page 1 (612 x 792 points)" in found["fields.wide"]
    assert "fields.ok" not in " ".join(found)
    # A box that touches the edge exactly fits, and landscape page 2 is measured as displayed.
    assert box_problem(field("edge", 0, x=412, width=200, y=732, height=60), LETTER) is None
    assert box_problem(field("land", 0, page=2, x=700, width=90, y=500, height=100), LETTER) is None


def test_page_checks_wait_for_a_verified_file():
    assert problems([signer("ann", 0)], [field("f", 0, page=99)], pages=None) == {}


def test_assignments_must_name_exactly_one_participant():
    signers = [
        signer("ann", 0),
        signer("amy", 0),
        signer("bob", 1),
        signer("vic", 3, "viewer"),
        signer("val", 4, "approver"),
    ]
    found = problems(
        signers,
        [
            field("shared", 0),
            field("nobody", 7),
            field("unassigned", None),
            field("viewer", 3),
            field("bobs", 1),
            field("approver_sig", 4),
            field("approver_ok", 4, "approval"),
        ],
    )
    assert "shared by Ann <ann@example.com>, Amy <amy@example.com>" in found["fields.shared.assignedTo"]
    assert found["fields.nobody.assignedTo"] == "No signer has order 7"
    assert found["fields.unassigned.assignedTo"].startswith("Assign the field")
    assert "viewers do not fill fields" in found["fields.viewer.assignedTo"]
    assert "approver, who only approves" in found["fields.approver_sig.assignedTo"]
    assert "fields.approver_ok.assignedTo" not in found and "fields.bobs.assignedTo" not in found
    # ann and amy have no field of their own once the shared one is refused.
    assert "signers.ann" in found and "signers.amy" in found and "signers.bob" not in found


def test_every_signer_needs_a_required_field_to_fill_but_approvers_do_not():
    found = problems(
        [signer("ann", 0), signer("bob", 1), signer("val", 2, "approver")],
        [field("a", 0), field("b_optional", 1, required=False), field("b_readonly", 1, "text", read_only=True)],
    )
    assert found == {"signers.bob": "Bob <bob@example.com> has no required field to fill; add one assigned to order 1"}


def test_unsignable_types_and_a_past_expiry_are_refused():
    found = problems(
        [signer("ann", 0)],
        [field("a", 0), field("pay", 0, "payment"), field("up", 0, "attachment")],
        expires=NOW - timedelta(seconds=1),
    )
    assert found["fields.pay.type"] == "payment fields cannot be signed yet; remove the field"
    assert "fields.up.type" not in found  # a signer uploads into attachment fields
    assert found["expiresAt"] == "The expiry date has passed; set a later one"


def test_a_signer_id_settles_a_shared_order():
    people = [signer("amy", 1), signer("abe", 1), signer("val", 1, "approver")]
    assert problems(people, [field("f1", 1, signer_id="amy"), field("f2", 1, signer_id="abe", y=500)]) == {}
    found = problems(people, [field("f1", 1), field("f2", 1, signer_id="abe", y=500)])
    assert "give the field the signerId" in found["fields.f1.assignedTo"]
    assert set(found) == {"fields.f1.assignedTo", "signers.amy"}  # Abe's field is his; Amy has none


def test_a_signer_id_of_an_approver_or_viewer_is_named():
    people = [signer("amy", 0), signer("val", 0, "approver"), signer("vic", 0, "viewer")]
    found = problems(
        people,
        [field("f1", 0, signer_id="amy"), field("f2", 0, signer_id="val", y=10), field("f3", 0, signer_id="vic")],
    )
    assert found == {
        "fields.f2.signerId": "Val <val@example.com> is an approver, who only approves; assign signature fields to a signer",
        "fields.f3.signerId": "Vic <vic@example.com> is a viewer; viewers do not fill fields",
    }
