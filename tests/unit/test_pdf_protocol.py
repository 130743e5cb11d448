"""The checker's reply is only believed when it is well-formed."""

from __future__ import annotations

import json

import pytest

from services.documents.pdf.inspection import WorkerReply, WorkerRequest


def test_request_round_trips() -> None:
    request = WorkerRequest(
        path="/tmp/x", declared_type="application/pdf", max_pages=5, memory_mb=256, cpu_seconds=3, convert_to=None
    )
    assert WorkerRequest.from_json(request.to_json()) == request


def test_reply_round_trips() -> None:
    reply = WorkerReply(
        ok=True, detected_type="application/pdf", page_count=2, page_sizes=[(612.0, 792.0), (792.0, 612.0)]
    )
    assert WorkerReply.parse(reply.to_json().encode()) == reply
    refusal = WorkerReply(ok=False, code="encrypted", message="Encrypted.", detected_type="application/pdf")
    assert WorkerReply.parse(refusal.to_json().encode()) == refusal
    cleaned = WorkerReply(
        ok=True,
        detected_type="application/pdf",
        page_count=1,
        page_sizes=[(612.0, 792.0)],
        removed=["javascript", "launch"],
    )
    assert WorkerReply.parse(cleaned.to_json().encode()) == cleaned


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'{"ok": "yes"}',
        b'{"ok": true, "page_count": 2, "page_sizes": [[612, 792]]}',  # count disagrees with sizes
        b'{"ok": true, "page_count": 1, "page_sizes": [[0, 792]]}',  # impossible size
        b'{"ok": true, "page_count": 1, "page_sizes": [["NaN", 792]]}',
        b'{"ok": true, "page_count": 1, "page_sizes": [[612]]}',
        b'{"ok": true, "page_count": 1, "page_sizes": [[612, 792]], "detected_type": "text/html"}',
        b'{"ok": false, "code": "made_up", "message": "x"}',  # unknown code
        b'{"ok": false, "code": "encrypted"}',  # no message
        b'{"ok": true, "page_count": 1, "page_sizes": [[612, 792]], "removed": ["made_up"]}',  # unknown kind
        b'{"ok": true, "page_count": 1, "page_sizes": [[612, 792]], "removed": "javascript"}',  # not a list
        b'{"ok": true, "page_count": 1, "page_sizes": [[612, 792]], "removed": [1]}',
        b'{"ok": false, "code": "encrypted", "message": "x", "removed": ["javascript"]}',  # removed from a refusal
    ],
)
def test_malformed_replies_are_refused(raw: bytes) -> None:
    assert WorkerReply.parse(raw) is None


def test_reply_json_is_one_line() -> None:
    text = WorkerReply(ok=False, code="timeout", message="a\nb").to_json()
    assert "\n" not in text and json.loads(text)["message"] == "a\nb"
