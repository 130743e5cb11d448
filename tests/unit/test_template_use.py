"""What a document made from a template gets: signers into slots, prefill checked per field type
(pure: services/documents/domain/template_use.py)."""

from __future__ import annotations

from typing import Any

from services.documents.domain.template_use import Person, plan_document, resolve_prefill, template_problems


def role(order: int, label: str, kind: str = "signer") -> dict[str, Any]:
    return {"id": f"ts_{order}", "label": label, "role": kind, "sort_order": order}


def field(id: str, type: str, label: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": id, "type": type, "label": label, "options": None, "default_value": None, "assigned_to": 0} | extra


ROLES = [role(1, "Party B"), role(0, "Party A")]  # unordered on purpose: slot order is sort_order
ANN, BOB = Person("Ann", "ann@example.com"), Person("Bob", "bob@example.com", "+1555")


def test_signers_fill_the_slots_in_slot_order() -> None:
    planned, issues = plan_document(ROLES, [], [ANN, BOB], None)
    assert issues == [] and planned is not None
    assert [(person.name, slot["label"]) for person, slot in planned.signers] == [
        ("Ann", "Party A"),
        ("Bob", "Party B"),
    ]


def test_the_count_must_match_the_slots_and_names_them() -> None:
    planned, issues = plan_document(ROLES, [], [ANN], None, prefix="signers.3.")
    assert planned is None
    assert [(i.field, i.message) for i in issues] == [
        (
            "signers.3.signers",
            "This template has 2 signer slot(s), Party A (signer), Party B (signer); 1 signer(s) given, in slot order",
        )
    ]


def test_one_address_per_document_whatever_its_case() -> None:
    _, issues = plan_document(ROLES, [], [ANN, Person("Ann again", "ANN@example.com")], None)
    assert [i.field for i in issues] == ["signers.1.email"]


def test_prefill_by_label_or_id_checked_against_the_type() -> None:
    fields = [
        field("tf_a", "text", "Company"),
        field("tf_b", "number", "Amount"),
        field("tf_c", "date"),
        field("tf_d", "dropdown", "Plan", options=["Monthly", "Yearly"]),
    ]
    values, issues = resolve_prefill(
        fields, {"Company": "Acme", "Amount": 12.0, "tf_c": "2026-01-31", "Plan": "Yearly"}
    )
    assert issues == []
    assert values == {"tf_a": "Acme", "tf_b": "12", "tf_c": "2026-01-31", "tf_d": "Yearly"}


def test_every_prefill_problem_is_named() -> None:
    fields = [
        field("tf_a", "number", "Amount"),
        field("tf_b", "signature", "Sign here"),
        field("tf_c", "text", "Twin"),
        field("tf_d", "text", "Twin"),
        field("tf_e", "dropdown", "Plan", options=["Monthly"]),
    ]
    _, issues = resolve_prefill(
        fields, {"Amount": "12", "Sign here": "x", "Twin": "a", "Ghost": 1, "Plan": "Weekly", "tf_c": "a\x07"}
    )
    assert {i.field: i.message for i in issues} == {
        "prefill.Amount": "Must be a number",
        "prefill.Sign here": "signature fields cannot be prefilled",
        "prefill.Twin": "2 fields are labelled 'Twin'; use the field's id",
        "prefill.Ghost": "No field of this template has this id or label",
        "prefill.Plan": "Must be one of: Monthly",
        "prefill.tf_c": issues[-1].message,  # the text rules' own words (control characters)
    }
    assert issues[-1].field == "prefill.tf_c"


def test_fields_without_prefill_keep_the_templates_default() -> None:
    fields = [field("tf_a", "text", "Company", default_value="Default Ltd"), field("tf_b", "text", "Note")]
    planned, _ = plan_document([role(0, "Party A")], fields, [ANN], {"Note": "Hello"})
    assert planned is not None and planned.defaults == {"tf_a": "Default Ltd", "tf_b": "Hello"}


def test_a_template_needs_a_slot_and_fields_for_existing_slots() -> None:
    assert [i.field for i in template_problems([], [])] == ["roles"]
    problems = template_problems([role(0, "A")], [field("tf_a", "signature", assigned_to=3)])
    assert [(i.field, i.message) for i in problems] == [("fields.tf_a.assignedTo", "No role has sortOrder 3")]
