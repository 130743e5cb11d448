"""Problem details exactly as the inSigner errors page shows them."""

import pytest

from shared.problems import FieldError, Problem, conflict, not_found, validation


def test_validation_problem_matches_the_reference_example() -> None:
    problem = Problem(
        422,
        "The request body contains invalid fields",
        errors=[FieldError("email", "Invalid email"), FieldError("name", "Required")],
    )
    body = problem.to_dict()
    # The example of getting-started-errors.txt, field for field and in its order.
    assert body == {
        "type": "https://docs.insigner.com/errors/validation-error",
        "title": "Validation Error",
        "status": 422,
        "detail": "The request body contains invalid fields",
        "errors": [
            {"field": "email", "message": "Invalid email"},
            {"field": "name", "message": "Required"},
        ],
    }
    assert list(body) == ["type", "title", "status", "detail", "errors"]


def test_errors_member_is_optional() -> None:
    body = Problem(404, "Document not found").to_dict()
    assert body == {
        "type": "https://docs.insigner.com/errors/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "Document not found",
    }


@pytest.mark.parametrize(
    ("status", "slug", "title"),
    [
        (401, "unauthorized", "Unauthorized"),
        (403, "forbidden", "Forbidden"),
        (404, "not-found", "Not Found"),
        (409, "conflict", "Conflict"),
        (422, "validation-error", "Validation Error"),
        (429, "rate-limited", "Too Many Requests"),
        (400, "bad-request", "Bad Request"),
        (500, "internal-error", "Internal Server Error"),
        (502, "bad-gateway", "Bad Gateway"),
    ],
)
def test_type_uri_and_title_per_status(status: int, slug: str, title: str) -> None:
    body = Problem(status, "x").to_dict()
    assert body["type"] == f"https://docs.insigner.com/errors/{slug}"
    assert body["title"] == title
    assert body["status"] == status


def test_slug_overrides_type_but_not_title() -> None:
    body = Problem(400, "bad cursor", slug="invalid-cursor").to_dict()
    assert body["type"] == "https://docs.insigner.com/errors/invalid-cursor"
    assert body["title"] == "Bad Request"


def test_helpers() -> None:
    assert not_found("Document").to_dict()["detail"] == "Document not found"
    assert conflict("Document is pending", slug="invalid-state").to_dict()["type"].endswith("/invalid-state")
    v = validation([FieldError("name", "Required")]).to_dict()
    assert v["status"] == 422 and v["errors"] == [{"field": "name", "message": "Required"}]


def test_problem_is_an_exception() -> None:
    with pytest.raises(Problem) as excinfo:
        raise Problem(409, "no")
    assert excinfo.value.status == 409
