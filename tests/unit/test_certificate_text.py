"""The wording of the certificate of completion (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.documents.pdf.certificate_text import (
    audit_how_to_verify,
    audit_summary,
    authentication,
    consent,
    event_rows,
    location,
)
from services.documents.pdf.layout import share
from services.documents.pdf.models import AuditHead, Participant, ParticipantEvent, Place

AT = datetime(2026, 5, 29, 14, 3, 11, tzinfo=UTC)


def test_authentication_names_the_one_time_code_only_when_it_was_required() -> None:
    plain = Participant("Jane", "jane@example.com", "signer")
    assert authentication(plain, None) == "Signing link sent by email"
    assert authentication(plain, "email").endswith("one-time code by email required, not verified")
    verified = Participant("Jane", "jane@example.com", "signer", otp_verified_at=AT)
    assert authentication(verified, "email").endswith("verified May 29, 2026 14:03:11 UTC")


def test_consent_says_when_or_why_not() -> None:
    assert consent(Participant("J", "j@x.example", "signer", consent_at=AT)).endswith("May 29, 2026 14:03:11 UTC")
    assert consent(Participant("J", "j@x.example", "signer")).startswith("Not given")
    assert consent(Participant("A", "a@x.example", "approver")).startswith("Not asked")


def test_events_are_listed_oldest_first_with_a_dash_where_no_connection_was_seen() -> None:
    later = ParticipantEvent("signed", AT, "192.0.2.1", "curl/8", Place("Berlin", "DE"))
    earlier = ParticipantEvent("invited", AT.replace(hour=9))
    assert event_rows([later, earlier]) == [
        ("May 29, 2026 09:03:11 UTC", "Invitation emailed", "—", "—", "—"),
        ("May 29, 2026 14:03:11 UTC", "Signed", "192.0.2.1", "Berlin, DE", "curl/8"),
    ]
    assert event_rows([ParticipantEvent("something_new", AT)])[0][1] == "Something new"


def test_share_splits_a_width_in_proportion() -> None:
    assert share(500, (1, 3, 1)) == [100, 300, 100]
    with pytest.raises(ValueError):
        share(500, (0, 0))


def test_a_location_is_city_and_country_or_says_it_is_unknown() -> None:
    assert location("198.51.100.7", Place("Lisbon", "PT")) == "Lisbon, PT"
    assert location("198.51.100.7", Place(None, "PT")) == "PT"
    # An address the GeoIP database does not place (or no database at all): said, not left blank.
    assert location("10.0.0.1", None) == "Location unknown"
    assert location("10.0.0.1", Place(None, None)) == "Location unknown"
    assert location(None, None) == "—"  # no connection of the participant's to place


def test_the_audit_head_is_printed_with_how_to_check_it() -> None:
    head = AuditHead(7, "ab" * 32)
    assert audit_summary(head).startswith("7 entries up to completion; the hash of entry 7")
    assert audit_summary(AuditHead(1, "ab" * 32)).startswith("1 entry up to completion")
    how = audit_how_to_verify("cdoc", head)
    assert "countersign audit verify cdoc" in how and "GET /api/v1/documents/cdoc/audit/verify" in how
    assert "entry 7 of GET /api/v1/documents/cdoc/audit carries this hash" in how
