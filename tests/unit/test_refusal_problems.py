"""Refusals worded by use cases (domain/errors.py) as the API answers them (api/errors.py)."""

from __future__ import annotations

import pytest

from services.documents.api.errors import REFUSAL_STATUS, to_problem
from services.documents.domain import errors
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, Refusal, TooSoon
from shared.problems import FieldError


def test_every_kind_of_refusal_has_a_status() -> None:
    kinds = {value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Refusal)}
    assert kinds - {Refusal} == set(REFUSAL_STATUS)


def test_a_refusal_keeps_its_words_code_and_fields() -> None:
    problem = to_problem(Invalid("The code is not correct", fields=[FieldIssue("code", "Wrong")], code="otp-invalid"))
    assert (problem.status, problem.slug, problem.detail) == (422, "otp-invalid", "The code is not correct")
    assert problem.errors == [FieldError("code", "Wrong")] and problem.headers == {}
    assert problem.to_dict()["type"].endswith("/otp-invalid")


def test_without_a_code_the_kind_gives_the_generic_type() -> None:
    body = to_problem(Conflicting("A document can have at most 100 fields")).to_dict()
    assert (body["status"], body["type"].rsplit("/", 1)[1], body["title"]) == (409, "conflict", "Conflict")
    assert "errors" not in body


@pytest.mark.parametrize("wait", [1, 3600])
def test_too_soon_says_when_to_retry(wait: int) -> None:
    problem = to_problem(TooSoon("A code was sent moments ago", retry_after=wait, code="otp-too-soon"))
    assert (problem.status, problem.slug, problem.headers) == (429, "otp-too-soon", {"Retry-After": str(wait)})
