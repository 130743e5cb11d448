"""Stored values and rows → the PDF toolkit's stamp fields and certificate."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from services.documents.domain.signed_inputs import certificate, stamp_fields, to_field_value
from services.documents.pdf.models import DrawnSignature, TypedSignature

T = datetime(2026, 5, 29, 14, 30, tzinfo=UTC)


def field(id: str, type: str, order: int, page: int = 1) -> dict[str, Any]:
    return {
        "id": id,
        "type": type,
        "assigned_to": order,
        "signer_id": None,
        "page": page,
        "x": 10.0,
        "y": 20.0,
        "width": 100.0,
        "height": 30.0,
    }


def signer(id: str, order: int, role: str) -> dict[str, Any]:
    return {
        "id": id,
        "name": id.title(),
        "email": f"{id}@example.com",
        "role": role,
        "signing_order": order,
        "ip": "203.0.113.7",
        "user_agent": "Firefox",
        "viewed_at": T,
        "signed_at": T,
    }


def test_values_become_toolkit_types():
    png = b"\x89PNG\r\n\x1a\nrest"
    assert to_field_value("signature", {"type": "typed", "text": "Jane"}) == TypedSignature("Jane")
    drawn = to_field_value(
        "initials", {"type": "drawn", "image": "data:image/png;base64," + base64.b64encode(png).decode()}
    )
    assert isinstance(drawn, DrawnSignature) and drawn.image == png
    assert to_field_value("date_signed", "2026-05-29") == date(2026, 5, 29)
    assert to_field_value("checkbox_group", ["A", "B"]) == ["A", "B"]
    assert to_field_value("text", "2026-05-29") == "2026-05-29"


def test_only_fields_with_values_are_stamped():
    stamps = stamp_fields([field("a", "text", 0), field("b", "text", 0, page=2)], {"b": "hello"})
    assert [(s.page, s.type, s.value) for s in stamps] == [(2, "text", "hello")]


def test_certificate_lists_participants_with_their_signature_not_viewers():
    fields = [field("i", "initials", 0), field("s", "signature", 0), field("t", "signature", 1)]
    values = {"i": {"type": "typed", "text": "JS"}, "s": {"type": "typed", "text": "Jane Smith"}}
    document = {"id": "cdoc", "name": "NDA", "document_hash": "ab" * 32, "sent_at": T}
    cert = certificate(
        document,
        [signer("jane", 0, "signer"), signer("al", 1, "approver"), signer("vic", 0, "viewer")],
        fields,
        values,
        T,
    )
    assert cert.document_id == "cdoc" and cert.original_sha256 == "ab" * 32 and cert.completed_at == T
    assert [(p.name, p.role) for p in cert.participants] == [("Jane", "signer"), ("Al", "approver")]
    assert cert.participants[0].signature == TypedSignature("Jane Smith")
    assert cert.participants[1].signature is None and cert.participants[0].ip == "203.0.113.7"
