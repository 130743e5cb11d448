"""The OpenAPI document describes the rate limits: 429 and the RateLimit-* headers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.gateway.openapi import render_spec
from services.gateway.ratelimit import Window, standard_headers


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return orjson.loads(render_spec("http://127.0.0.1:8080"))


def test_every_keyed_operation_documents_429_and_the_headers(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            keyed = bool(op["security"])
            if keyed:
                assert op["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}, (method, path)
                success = next(r for s, r in op["responses"].items() if s.startswith("2"))
                limits = set(success["headers"]) - {"Idempotent-Replayed"}  # on POSTs, docs/api.md
                assert limits == {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}, (
                    method,
                    path,
                )
            elif path.startswith("/api/v1/signing/"):
                assert "429" in op["responses"], (method, path)  # unknown tokens per client address
            elif path == "/api/v1/verify":
                assert "429" in op["responses"], (method, path)  # verifications per client address
            elif path == "/api/v1/campaigns/{id}/submissions":
                assert "429" in op["responses"], (method, path)  # per client address and per email
            else:
                assert "429" not in op["responses"], (method, path)


def test_the_429_is_the_references(spec: dict[str, Any]) -> None:
    response = spec["components"]["responses"]["TooManyRequests"]
    assert response["content"]["application/problem+json"]["example"] == {
        "type": "https://docs.insigner.com/errors/rate-limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Rate limit exceeded. Please retry after the reset period.",
    }
    assert set(response["headers"]) == {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
    headers = spec["components"]["headers"]
    assert "Seconds until" in headers["RateLimit-Reset"]["description"]


def test_the_headers_say_seconds_until_the_reset() -> None:
    assert standard_headers(Window(limit=120, hits=33, reset_at=1_700_000_060, now=1_700_000_017.2)) == {
        "RateLimit-Limit": "120",
        "RateLimit-Remaining": "87",
        "RateLimit-Reset": "43",
    }
    spent = Window(limit=120, hits=140, reset_at=100, now=99.99)
    assert standard_headers(spent)["RateLimit-Remaining"] == "0" and spent.exceeded and spent.retry_after == 1
    assert Window(limit=3, hits=3, reset_at=60, now=0).spent and not Window(limit=3, hits=2, reset_at=60, now=0).spent
