"""Who gets which email for each event (services/notifier/emails/recipients.py)."""

from __future__ import annotations

from typing import Any

from services.notifier.emails.recipients import plan
from shared.events import Actor, Event

SENDER = {"name": "Sam Sender", "email": "sam@acme.test", "orgName": "Acme Corp"}


def person(n: int, role: str = "signer", email: str | None = None) -> dict[str, Any]:
    return {"id": f"sr_{n}", "name": f"Person {n}", "email": email or f"p{n}@example.com", "role": role, "order": n}


def event(type: str, **data: Any) -> Event:
    return Event(
        type=type,
        orgId="org_1",
        documentId="cdoc",
        actor=Actor(type="system"),
        data={"name": "NDA", "sender": SENDER, **data},
    )


def summary(e: Event) -> list[tuple[str, str, str]]:
    return [(m.kind, m.audience, m.recipient.email or "") for m in plan(e)]


def test_an_invitation_goes_to_the_invited_signer_with_the_documents_texts() -> None:
    [mail] = plan(
        event(
            "signer.invited",
            signer=person(1),
            expiresAt="2030-01-02T03:04:05.000Z",
            message="Please sign",
            emailSubject="Your NDA",
            emailMessage="Hi there",
        )
    )
    assert (mail.kind, mail.recipient.id, mail.recipient.email) == ("invitation", "sr_1", "p1@example.com")
    assert (mail.message, mail.emailSubject, mail.emailMessage) == ("Please sign", "Your NDA", "Hi there")
    assert mail.expiresAt is not None and mail.expiresAt.year == 2030
    assert mail.org_name == "Acme Corp" and mail.sender_email == "sam@acme.test"


def test_approvers_are_invited_reminded_and_sent_codes_but_viewers_never() -> None:
    for type, kind in (
        ("signer.invited", "invitation"),
        ("signer.reminded", "reminder"),
        ("signer.otp_requested", "otp"),
    ):
        assert summary(event(type, signer=person(1, "approver"))) == [(kind, "participant", "p1@example.com")]
        assert summary(event(type, signer=person(2, "viewer"))) == []


def test_completion_reaches_every_participant_including_viewers_and_the_sender() -> None:
    signers = [person(1), person(2, "approver"), person(3, "viewer")]
    assert summary(
        event("document.completed", signers=signers, signedFileHash="ab", completedAt="2030-01-01T00:00:00Z")
    ) == [
        ("completed", "participant", "p1@example.com"),
        ("completed", "participant", "p2@example.com"),
        ("completed", "participant", "p3@example.com"),
        ("completed", "sender", "sam@acme.test"),
    ]


def test_a_sender_who_also_signs_gets_one_completion_email_with_their_own_link() -> None:
    me = person(1, email="SAM@acme.test")
    assert summary(event("document.completed", signers=[me])) == [("completed", "participant", "SAM@acme.test")]


def test_a_decline_is_told_to_the_sender_and_the_other_invited_participants_not_the_decliner() -> None:
    decliner = person(1)
    mails = plan(
        event("document.declined", signer=decliner, reason="Wrong price", invited=[person(2), person(3, "approver")])
    )
    assert [(m.audience, m.recipient.email) for m in mails] == [
        ("sender", "sam@acme.test"),
        ("participant", "p2@example.com"),
        ("participant", "p3@example.com"),
    ]
    assert all(m.reason == "Wrong price" and m.about is not None and m.about.id == "sr_1" for m in mails)


def test_a_cancellation_goes_to_the_invited_participants() -> None:
    assert summary(event("document.cancelled", signers=[person(1)], invited=[person(1), person(2)])) == [
        ("cancelled", "participant", "p1@example.com"),
        ("cancelled", "participant", "p2@example.com"),
    ]
    # An event without `invited` (recorded before it existed) falls back to `signers`.
    assert summary(event("document.cancelled", signers=[person(4)])) == [("cancelled", "participant", "p4@example.com")]


def test_an_expiry_goes_to_the_sender_with_who_had_not_finished() -> None:
    [mail] = plan(event("document.expired", signers=[person(1), person(2)]))
    assert (mail.kind, mail.audience, mail.recipient.email) == ("expired", "sender", "sam@acme.test")
    assert [p.email for p in mail.people] == ["p1@example.com", "p2@example.com"]


def test_a_delivery_failure_is_told_to_the_sender() -> None:
    [mail] = plan(event("signer.delivery_failed", signer=person(1), email="p1@example.com", reason="550 no such user"))
    assert (mail.kind, mail.recipient.email, mail.bouncedEmail, mail.reason) == (
        "delivery_failed",
        "sam@acme.test",
        "p1@example.com",
        "550 no such user",
    )


def test_no_sender_address_means_no_sender_email() -> None:
    e = Event(
        type="document.expired",
        orgId="org_1",
        documentId="cdoc",
        actor=Actor(type="system"),
        data={"name": "NDA", "signers": [person(1)], "sender": None},
    )
    assert plan(e) == []


def test_events_without_emails_and_unusable_addresses_plan_nothing() -> None:
    assert plan(event("document.updated", changes=["name"])) == []
    assert plan(event("signer.viewed", signer=person(1))) == []
    assert plan(event("signer.invited", signer=person(1, email="not an address"))) == []


def test_one_email_per_address_whatever_the_case() -> None:
    mails = plan(event("document.cancelled", invited=[person(1, email="a@x.test"), person(2, email="A@X.test")]))
    assert [m.recipient.id for m in mails] == ["sr_1"]
