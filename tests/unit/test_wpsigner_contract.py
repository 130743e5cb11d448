"""The internal WPsigner contract (shared/contracts/wpsigner.py): what one side writes, the other
reads back unchanged, and the reader tolerates what a newer documents service may add."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.contracts.wpsigner import AuditEvent, DocumentDetail, DocumentPage, DocumentRow, FileLink, FormField, Signer

T = datetime(2026, 5, 28, 12, 0, 0, 123000, tzinfo=UTC)
ROW: dict[str, Any] = {
    "number": 7,
    "id": "c" + "0" * 24,
    "name": "NDA",
    "status": "pending",
    "anyViewed": False,
    "fileName": "nda.pdf",
    "pageCount": 2,
    "createdBy": "mem_1",
    "expiresAt": None,
    "completedAt": None,
    "createdAt": T,
    "updatedAt": T,
}


def _detail() -> DocumentDetail:
    signer = Signer(
        number=1,
        id="sr_" + "0" * 20,
        name="Ana",
        email="ana@example.com",
        role="signer",
        order=0,
        status="sent",
        viewedAt=None,
        signedAt=None,
        declinedAt=None,
        declineReason=None,
        createdAt=T,
        updatedAt=T,
    )
    field = FormField(
        number=1,
        id="fld_" + "0" * 20,
        type="text",
        label=None,
        page=1,
        x=1,
        y=2,
        width=3,
        height=4,
        required=True,
        readOnly=False,
        assignedTo=0,
        placeholder=None,
        defaultValue=None,
        options=None,
        value="hello",
        createdAt=T,
        updatedAt=T,
    )
    return DocumentDetail(
        **ROW,
        fileStatus="verified",
        fileErrorCode=None,
        fileError=None,
        documentHash="ab",
        signedFileHash=None,
        signers=[signer],
        fields=[field],
    )


def test_what_the_documents_service_writes_the_gateway_reads_back() -> None:
    written = _detail().model_dump(mode="json")
    assert written["createdAt"] == "2026-05-28T12:00:00.123Z"  # ISO 8601 UTC with milliseconds, as on the wire
    read = DocumentDetail.model_validate(written)
    assert read == _detail()
    assert read.signers[0].email == "ana@example.com" and read.fields[0].value == "hello"
    page = DocumentPage(data=[DocumentRow(**ROW)], total=1).model_dump(mode="json")
    assert DocumentPage.model_validate(page).data[0] == DocumentRow(**ROW)


def test_the_reader_tolerates_a_newer_writer() -> None:
    written = _detail().model_dump(mode="json") | {"status": "archived", "somethingNew": {"x": 1}}
    written["signers"][0] |= {"status": "delegated", "extra": True}
    read = DocumentDetail.model_validate(written)
    assert read.status == "archived" and read.signers[0].status == "delegated"
    assert "somethingNew" not in read.model_dump()


def test_file_links_and_audit_events_round_trip() -> None:
    link = FileLink(url="https://s3/x", filename="NDA.pdf", type="application/pdf", signed=False, expiresIn=300)
    assert FileLink.model_validate(link.model_dump(mode="json")) == link
    event = AuditEvent(
        action="document.sent", createdAt=T, actorType="api_key", actorId="key_1", ipAddress=None, userAgent="curl/8"
    )
    assert AuditEvent.model_validate(event.model_dump(mode="json")) == event
