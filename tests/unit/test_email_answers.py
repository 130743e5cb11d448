"""What the documents service's answers mean for an email, and when held emails resume
(services/notifier/emails/documents_client.py, enqueue.py)."""

from __future__ import annotations

from services.notifier.emails.documents_client import Held, Obsolete, Unavailable, refusal
from services.notifier.emails.enqueue import resumed
from shared.events import Actor, Event


def problem(slug: str) -> dict[str, object]:
    return {"type": f"https://countersign.dev/problems/{slug}", "status": 409}


def test_a_document_on_hold_holds_the_email() -> None:
    assert isinstance(refusal(409, problem("document-action_required")), Held)


def test_a_dead_link_makes_the_email_obsolete() -> None:
    for status, slug in (
        (409, "document-cancelled"),
        (409, "signer-completed"),
        (409, "not-your-turn"),
        (404, "not-found"),
        (410, "download-expired"),
    ):
        answer = refusal(status, problem(slug))
        assert isinstance(answer, Obsolete) and slug in str(answer)


def test_anything_else_is_worth_another_try() -> None:
    for status in (500, 502, 503, 401):
        assert isinstance(refusal(status, None), Unavailable)


def test_only_a_return_to_pending_resumes_held_emails() -> None:
    def updated(**data: object) -> Event:
        return Event(type="document.updated", orgId="org_1", documentId="cdoc", actor=Actor(type="system"), data=data)

    assert resumed(updated(name="NDA", changes=["status"], status="pending"))
    assert not resumed(updated(name="NDA", changes=["status"], status="action_required"))
    assert not resumed(updated(name="NDA", changes=["name"]))
