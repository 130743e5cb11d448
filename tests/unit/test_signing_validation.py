"""Values a signer submits, per field type; every problem named in one answer."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date
from typing import Any

import pytest
from PIL import Image

from services.documents.domain.signing_validation import (
    MAX_IMAGE_BYTES,
    InvalidValue,
    check_submission,
    check_value,
    server_values,
)


def png_data_url(size: tuple[int, int] = (120, 40)) -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 128, 255)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def field(
    id: str,
    type: str,
    required: bool = True,
    options: list[str] | None = None,
    read_only: bool = False,
    default: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "type": type,
        "required": required,
        "options": options,
        "read_only": read_only,
        "default_value": default,
    }


@pytest.mark.parametrize(
    ("type", "value", "stored"),
    [
        ("signature", {"type": "typed", "text": "  Jane   Smith "}, {"type": "typed", "text": "Jane Smith"}),
        ("initials", {"type": "typed", "text": "JS"}, {"type": "typed", "text": "JS"}),
        ("checkbox", True, True),
        ("approval", False, False),
        ("date", "2026-05-29", "2026-05-29"),
        ("number", 12.5, 12.5),
        ("text", "Acme Corp", "Acme Corp"),
        ("textarea", "x" * 5000, "x" * 5000),
    ],
)
def test_valid_values_are_stored_normalised(type: str, value: Any, stored: Any):
    assert check_value(field("f", type), value) == stored


def test_drawn_signature_must_be_a_real_png_data_url():
    url = png_data_url()
    assert check_value(field("f", "signature"), {"type": "drawn", "image": url}) == {"type": "drawn", "image": url}
    for bad in (
        "data:image/png;base64,AAAA",
        "data:image/gif;base64,R0lGOD",
        "not a url",
        "data:image/png;base64," + base64.b64encode(b"\xff\xd8\xff" + b"0" * 20).decode(),
    ):
        with pytest.raises(InvalidValue):
            check_value(field("f", "signature"), {"type": "drawn", "image": bad})
    too_big = "data:image/png;base64," + "A" * (MAX_IMAGE_BYTES * 2)
    with pytest.raises(InvalidValue, match="at most 512 KB"):
        check_value(field("f", "signature"), {"type": "drawn", "image": too_big})


def test_pixel_bombs_are_refused_as_signatures():
    with pytest.raises(InvalidValue, match="cannot be used"):
        check_value(field("f", "signature"), {"type": "drawn", "image": png_data_url((4000, 4000))})


@pytest.mark.parametrize(
    ("type", "value", "options"),
    [
        ("signature", "Jane", None),
        ("signature", {"type": "typed", "text": ""}, None),
        ("signature", {"type": "typed", "text": "x" * 101}, None),
        ("signature", {"type": "typed", "text": "J", "extra": 1}, None),
        ("signature", {"type": "typed", "text": "Ja\x00ne"}, None),
        ("text", "a\x00b", None),
        ("stamp", {"type": "typed", "text": "J"}, None),
        ("checkbox", "true", None),
        ("dropdown", "Maybe", ["Yes", "No"]),
        ("radio_group", 1, ["Yes", "No"]),
        ("checkbox_group", ["Yes", "Yes"], ["Yes", "No"]),
        ("checkbox_group", ["Other"], ["Yes", "No"]),
        ("date", "29/05/2026", None),
        ("date", "2026-02-30", None),
        ("number", True, None),
        ("number", "12", None),
        ("text", "x" * 1001, None),
        ("company", "x" * 201, None),
        ("text", 5, None),
    ],
)
def test_wrong_values_say_what_is_expected(type: str, value: Any, options: list[str] | None):
    with pytest.raises(InvalidValue):
        check_value(field("f", type, options=options), value)


def test_a_submission_reports_every_problem_by_field():
    own = [
        field("sig", "signature"),
        field("agree", "checkbox"),
        field("pick", "dropdown", options=["A", "B"]),
        field("note", "text", required=False),
        field("who", "name"),
        field("fixed", "text", read_only=True, default="X"),
    ]
    submitted = [
        {"id": "pick", "value": "C"},
        {"id": "agree", "value": False},
        {"id": "theirs", "value": "x"},
        {"id": "ghost", "value": "x"},
        {"id": "who", "value": "Me"},
        {"id": "fixed", "value": "Y"},
        {"id": "pick", "value": "A"},
    ]
    values, errors = check_submission(False, submitted, own, {"theirs"})
    found = sorted((e.field, e.message) for e in errors)
    assert found == sorted(
        [
            *{
                "consent": "Must be true: the signer agrees to sign electronically",
                "fields.pick": "Must be one of: A, B",
                "fields.agree": "Required",
                "fields.theirs": "Assigned to another signer",
                "fields.ghost": "No such field on this document",
                "fields.who": "Filled in automatically; do not send a value",
                "fields.fixed": "Filled in automatically; do not send a value",
                "fields.sig": "Required",
            }.items(),
            ("fields.pick", "Given more than once"),
        ]
    )
    assert "pick" not in values


def test_a_good_submission_keeps_given_values_and_drops_empty_optional_ones():
    own = [field("sig", "signature"), field("note", "text", required=False), field("box", "checkbox", required=False)]
    values, errors = check_submission(
        True,
        [
            {"id": "sig", "value": {"type": "typed", "text": "Jane"}},
            {"id": "note", "value": ""},
            {"id": "box", "value": False},
        ],
        own,
        set(),
    )
    assert errors == []
    assert values == {"sig": {"type": "typed", "text": "Jane"}, "box": False}


def test_the_server_fills_auto_fields_read_only_defaults_and_approvals():
    own = [
        field("n", "name"),
        field("e", "email"),
        field("d", "date_signed"),
        field("a", "approval"),
        field("r", "text", read_only=True, default="Fixed"),
        field("s", "signature"),
    ]
    filled = server_values(own, role="approver", name="Al", email="al@example.com", signed_on=date(2026, 5, 29))
    assert filled == {"n": "Al", "e": "al@example.com", "d": "2026-05-29", "a": True, "r": "Fixed"}
    assert "a" not in server_values(own, role="signer", name="Al", email="al@example.com", signed_on=date(2026, 5, 29))


def test_resend_wait_counts_from_when_the_last_code_was_issued() -> None:
    from datetime import datetime, timedelta

    from services.documents.commands.otp_service import resend_wait

    now = datetime(2026, 5, 28, 12, 0, 0, tzinfo=UTC)
    issued = now - timedelta(seconds=10)
    expires = issued + timedelta(seconds=600)
    assert resend_wait(None, 600, 30, now) == 0  # no code yet
    assert resend_wait(expires, 600, 30, now) == 20
    assert resend_wait(expires, 600, 5, now) == 0
    assert resend_wait(expires, 600, 30, now + timedelta(seconds=19.5)) == 1  # rounded up, never 0 too early


@pytest.mark.parametrize(
    ("type", "value"),
    [
        ("text", "Acme\nCorp"),
        ("company", "Acme\r\nBcc: x"),
        ("phone", "555\x1b"),
        ("text", "a\u2028b"),
        ("textarea", "line\tTAB"),
        ("note", "bell\x07"),
        ("signature", {"type": "typed", "text": "Jane\x00"}),
    ],
)
def test_submitted_texts_refuse_control_characters(type: str, value: Any):
    with pytest.raises(InvalidValue, match="control characters"):
        check_value(field("f", type), value)


def test_multi_line_values_keep_their_lines_and_a_typed_signature_is_one_line():
    assert check_value(field("f", "textarea"), "12 Main St\r\nSpringfield") == "12 Main St\nSpringfield"
    assert check_value(field("f", "address"), "12 Main St\nSpringfield") == "12 Main St\nSpringfield"
    typed = check_value(field("f", "signature"), {"type": "typed", "text": "Jane\nSmith"})
    assert typed == {"type": "typed", "text": "Jane Smith"}
