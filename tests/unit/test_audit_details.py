"""Human-readable audit details: one readable line per event type, prefixed by who acted."""

import pytest

from services.audit.details import describe
from shared.events import EVENT_TYPES, Actor, Event

API = Actor(type="api_key", id="key_1", ip="203.0.113.42", userAgent="curl/8.4.0")
SIGNER = Actor(type="signer", id="sr_1")
SYSTEM = Actor(type="system")


def details(event_type: str, data: dict, actor: Actor = API) -> str:
    return describe(Event(type=event_type, orgId="org_1", documentId="cdoc", actor=actor, data=data))


def test_created_document_as_in_the_reference():
    assert details("document.created", {"name": "NDA - Acme Corp"}) == 'API: Created document "NDA - Acme Corp"'


def test_sent_lists_recipients_by_name_then_email():
    data = {"signers": [{"name": "Jane Smith", "email": "jane@acme.com"}, {"name": "John Doe"}, {"email": "x@y.com"}]}
    assert details("document.sent", data) == "API: Sent to Jane Smith, John Doe, x@y.com"


def test_updated_document_lists_changed_properties():
    assert details("document.updated", {"changes": ["name", "message"]}) == "API: Updated document (name, message)"
    assert (
        details("document.updated", {"changes": {"name": {"from": "a", "to": "b"}}}) == "API: Updated document (name)"
    )
    assert details("document.updated", {}) == "API: Updated document"


def test_signer_events_name_the_signer_and_role():
    jane = {"signer": {"name": "Jane Smith", "email": "jane@acme.com", "role": "signer"}}
    assert details("signer.added", jane) == "API: Added signer Jane Smith (jane@acme.com)"
    assert (
        details("signer.added", {"name": "Al", "email": "al@b.co", "role": "approver"})
        == "API: Added approver Al (al@b.co)"
    )
    assert details("signer.removed", jane) == "API: Removed signer Jane Smith (jane@acme.com)"
    assert (
        details("signer.updated", jane | {"changes": ["email"]})
        == "API: Updated signer Jane Smith (jane@acme.com): email"
    )
    assert details("signer.completed", jane, SIGNER) == "Signer: Jane Smith (jane@acme.com) signed the document"
    approver = {"signer": {"name": "Al", "role": "approver"}}
    assert details("signer.completed", approver, SIGNER) == "Signer: Al approved the document"
    assert details("signer.declined", jane | {"reason": "Wrong amount"}, SIGNER) == (
        'Signer: Jane Smith (jane@acme.com) declined to sign: "Wrong amount"'
    )


def test_signing_lifecycle_events_read_from_their_payloads():
    jane = {"signer": {"id": "sr_1", "name": "Jane Smith", "email": "jane@acme.com", "role": "signer", "order": 0}}
    al = {"signer": {"id": "sr_2", "name": "Al", "email": "al@acme.com", "role": "approver", "order": 1}}
    assert details("signer.approved", al | {"approvedAt": "2026-05-29T14:30:00.000Z"}, SIGNER) == (
        "Signer: Al (al@acme.com) approved the document"
    )
    assert details("signer.otp_requested", jane | {"expiresAt": "x"}, SIGNER) == (
        "Signer: Jane Smith (jane@acme.com) requested a one-time code"
    )
    assert (
        details("signer.invited", jane | {"expiresAt": None}, SYSTEM)
        == "System: Sent signing invitation to Jane Smith (jane@acme.com)"
    )
    assert details("document.declined", {"name": "NDA", **jane, "reason": "No"}, SIGNER) == (
        'Signer: Document declined by Jane Smith (jane@acme.com): "No"'
    )
    assert (
        details("document.sent", {"name": "NDA", "signers": [jane["signer"], al["signer"]]})
        == "API: Sent to Jane Smith, Al"
    )


def test_field_events_say_type_and_page():
    assert details("field.added", {"type": "signature", "page": 1}) == "API: Added signature field on page 1"
    assert (
        details("field.added", {"field": {"type": "date_signed", "page": 3}})
        == "API: Added date signed field on page 3"
    )
    assert (
        details("field.updated", {"field": {"type": "text", "page": 2}, "changes": ["x", "y"]})
        == "API: Updated text field on page 2 (x, y)"
    )
    assert details("field.removed", {}) == "API: Removed field"


def test_system_and_signer_prefixes():
    assert details("document.expired", {}, SYSTEM).startswith("System: ")
    assert details("signer.viewed", {"signer": {"name": "Jane"}}, SIGNER) == "Signer: Jane viewed the document"
    failed = {"signer": {"name": "Jane", "email": "jane@acme.com"}, "reason": "mailbox unavailable"}
    assert (
        details("signer.delivery_failed", failed, SYSTEM)
        == 'System: Email to jane@acme.com could not be delivered: "mailbox unavailable"'
    )


def test_user_text_cannot_break_the_line():
    assert details("document.created", {"name": "Line one\nLine two\t "}) == 'API: Created document "Line one Line two"'


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_has_a_readable_line_even_without_data(event_type):
    for data in ({}, {"name": 5, "signer": "not an object", "signers": "nope", "changes": 7, "field": []}):
        text = details(event_type, data)
        assert text.startswith("API: ")
        assert len(text) > len("API: ") + 3
        assert "None" not in text


def test_a_type_newer_than_this_module_falls_back_to_a_generic_line(monkeypatch):
    # A producer may know a type this consumer's describers do not have yet.
    import shared.events

    monkeypatch.setattr(shared.events, "EVENT_TYPES", shared.events.EVENT_TYPES | {"document.archived"})
    assert details("document.archived", {}, SYSTEM) == "System: Document archived"


def test_a_permanent_delete_says_so():
    assert details("document.deleted", {"name": "NDA", "permanent": True}) == 'API: Permanently deleted document "NDA"'
    assert details("document.deleted", {"name": "NDA"}) == 'API: Deleted document "NDA"'
