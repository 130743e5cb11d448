"""The core's refusals as WordPress errors (translate.py, errors.py), and parameter parsing."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.gateway.ratelimit import Window
from services.gateway.wpsigner import errors
from services.gateway.wpsigner.creation import content_type_for
from services.gateway.wpsigner.params import FieldParams, ListParams, SignerParams, option_list
from services.gateway.wpsigner.ratelimit import limit_headers
from services.gateway.wpsigner.translate import FIELD_PARAMS, SIGNER_PARAMS, core_error, rename_path, send_error


def problem(status: int, detail: str, errors_: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "https://docs.insigner.com/errors/x", "status": status, "detail": detail}
    if errors_:
        body["errors"] = [{"field": f, "message": m} for f, m in errors_]
    return body


def test_the_seed_error_bodies() -> None:
    assert errors.not_found().body() == {"code": "not_found", "message": "Document not found.", "data": {"status": 404}}
    assert errors.forbidden().body() == {"code": "forbidden", "message": "Permission denied.", "data": {"status": 403}}
    assert errors.bad_credentials().body() == {
        "code": "rest_forbidden",
        "message": "Invalid API key or secret.",
        "data": {"status": 401},
    }


def test_send_without_signers_is_the_seeds_no_signers() -> None:
    body = problem(
        422,
        "The document cannot be sent yet",
        [("fields", "Add at least one field"), ("signers", "Add at least one signer")],
    )
    error = send_error(422, body, {})
    assert (error.status, error.code, error.message) == (400, "no_signers", "Please add at least one signer.")
    assert [e["code"] for e in error.data["errors"]] == ["no_signers", "no_fields"]


def test_send_reasons_are_renamed_to_wpsigner_numbers() -> None:
    body = problem(
        422,
        "The document cannot be sent yet",
        [
            ("fields.fld_a.assignedTo", "No signer has order 3"),
            ("file", "Upload the document's file first: POST ..."),
            ("signers.sr_b", "Jane <jane@example.com> has no required field to fill"),
        ],
    )
    error = send_error(422, body, {"fld_a": 74, "sr_b": 38})
    assert error.code == "no_file" and error.message == "Please upload the document's file first."
    params = {e["param"]: e["code"] for e in error.data["errors"]}
    assert params == {"file": "no_file", "signers.38": "signer_without_fields", "fields.74.signer_id": "invalid_fields"}
    rejected = send_error(422, problem(422, "x", [("file", "Not a PDF (not_pdf)")]), {})
    assert rejected.code == "invalid_file" and "Not a PDF (not_pdf)" in rejected.message


def test_send_of_a_sent_document_is_a_conflict_in_wpsigner_words() -> None:
    error = send_error(409, problem(409, "Only draft documents can be sent (the document is pending)"), {})
    assert (error.status, error.code) == (409, "invalid_status")
    assert error.message == "Only draft documents can be sent (the document is sent)."


@pytest.mark.parametrize(
    ("detail", "code"),
    [
        ("Only draft documents can be changed (the document is completed)", "document_not_editable"),
        ("Documents in pending or action_required status cannot be deleted; cancel them first", "cannot_delete"),
        ("A signer with this email address is already on the document", "signer_exists"),
        ("A document can have at most 50 signers", "limit_reached"),
        ("Something new", "fallback"),
    ],
)
def test_conflicts_get_specific_codes(detail: str, code: str) -> None:
    assert core_error(409, problem(409, detail), conflict_code="fallback").code == code


def test_validation_errors_use_wpsigner_parameter_names() -> None:
    error = core_error(
        422,
        problem(422, "invalid", [("page", "Input should be greater than or equal to 1"), ("assignedTo", "bad")]),
        params=FIELD_PARAMS,
    )
    assert error.status == 400 and error.code == "rest_invalid_param"
    assert set(error.data["params"]) == {"page_number", "signer_id"}
    assert core_error(422, problem(422, "x", [("order", "too big")]), params=SIGNER_PARAMS).data["params"] == {
        "signing_order": "signing_order: too big."
    }


def test_other_core_statuses() -> None:
    assert core_error(404, problem(404, "Signer not found")).message == "Signer not found."
    assert core_error(404, None).message == "Document not found."
    assert core_error(503, problem(503, "down")).status == 503
    assert core_error(401, problem(401, "secret")).status == 502  # our misconfiguration, not the client's
    assert core_error(413, problem(413, "big")).code == "rest_payload_too_large"


def test_rename_path() -> None:
    assert rename_path("name", {"name": "title"}) == "title"
    assert rename_path("fields.fld_x.page", FIELD_PARAMS, {"fld_x": 7}) == "fields.7.page_number"


def test_pydantic_errors_in_wordpress_words() -> None:
    with pytest.raises(ValidationError) as caught:
        ListParams.model_validate({"per_page": "500", "page": "x"})
    error = errors.from_validation(caught.value)
    assert error.code == "rest_invalid_param" and error.message == "Invalid parameter(s): page, per_page"
    assert error.data["params"] == {
        "page": "page is not of type integer.",
        "per_page": "per_page must be less than or equal to 100",
    }
    with pytest.raises(ValidationError) as caught:
        SignerParams.model_validate({"role": "viewer"})
    missing = errors.from_validation(caught.value)
    assert missing.code == "rest_missing_callback_param" and missing.data["params"] == ["email", "name"]


def test_wordpress_parameters_are_lax_about_types() -> None:
    params = FieldParams.model_validate(
        {
            "signer_id": "38",
            "field_type": "date",
            "page_number": "5",
            "position_x": "90.0",
            "position_y": 276.9,
            "width": "200",
            "height": 60,
            "is_required": "0",
            "placeholder": "",
        }
    )
    assert (params.signer_id, params.page_number, params.position_x, params.width) == (38, 5, 90.0, 200.0)
    assert params.is_required is False and params.placeholder is None
    assert FieldParams.model_validate({**params.model_dump(), "is_required": "yes"}).is_required is True
    assert ListParams.model_validate({"per_page": "10", "status": "", "_fields": "id"}).status is None


@pytest.mark.parametrize(
    ("given", "options"),
    [
        (None, None),
        (["a", "b"], ["a", "b"]),
        ('["Monthly", "Yearly"]', ["Monthly", "Yearly"]),
        ("Monthly\nYearly\n", ["Monthly", "Yearly"]),
        ("A, B ,C", ["A", "B", "C"]),
        ("[not json", ["[not json"]),
    ],
)
def test_option_list(given: Any, options: list[str] | None) -> None:
    assert option_list(given) == options


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("contract.pdf", "application/pdf"),
        ("SCAN.JPG", "image/jpeg"),
        ("photo.png", "image/png"),
        ("x.webp", "image/webp"),
        ("noext", "application/pdf"),
        ("evil.exe", "application/pdf"),
    ],
)
def test_declared_content_type(name: str, kind: str) -> None:
    assert content_type_for(name) == kind
    assert content_type_for("no-extension", name) == kind  # the file's own name when the given one says nothing


def test_rate_limit_headers() -> None:
    window = Window(limit=1000, hits=3, reset_at=1_700_003_600, now=1_700_000_000.5)
    assert limit_headers(window) == {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Remaining": "997",
        "X-RateLimit-Reset": "1700003600",
    }
    assert not window.exceeded and window.retry_after == 3600
    over = Window(limit=5, hits=9, reset_at=100, now=99.9)
    assert over.exceeded and over.remaining == 0 and over.retry_after == 1
    assert errors.rate_limited(over.retry_after).headers == {"Retry-After": "1"}
