"""Which operations take `Idempotency-Key`, and the header's bounds (shared/contracts/idempotency.py)."""

from __future__ import annotations

import pytest

from services.gateway.idempotency import keeps, valid_key
from shared.contracts.idempotency import takes_idempotency_key
from shared.contracts.routes import OPERATIONS
from shared.problems import Problem


def test_every_keyed_post_and_nothing_else_takes_the_header() -> None:
    taking = {op.key for op in OPERATIONS if takes_idempotency_key(op)}
    assert ("POST", "/api/v1/documents") in taking
    assert ("POST", "/api/v1/webhooks") in taking
    assert ("POST", "/api/v1/documents/{id}/send") in taking
    assert all(method == "POST" for method, _ in taking)
    # The signer-facing API and verification: no organisation to own a key.
    assert not any(path.startswith(("/api/v1/signing/", "/api/v1/verify")) for _, path in taking)
    keyed_posts = {op.key for op in OPERATIONS if op.method == "POST" and op.scope is not None}
    assert taking == keyed_posts


@pytest.mark.parametrize("key", ["a", "k" * 255, "order 42 / retry", "550e8400-e29b-41d4-a716-446655440000"])
def test_keys_within_bounds_are_accepted(key: str) -> None:
    assert valid_key(key) == key


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "caf\u00e9", "new\nline", "\x7f"])
def test_keys_out_of_bounds_are_refused_with_a_code(key: str) -> None:
    with pytest.raises(Problem) as refused:
        valid_key(key)
    assert refused.value.status == 400 and refused.value.slug == "invalid-idempotency-key"


def test_kept_answers_are_the_handlers_verdicts_but_not_failures_or_rate_limits() -> None:
    assert all(keeps(status) for status in (200, 201, 202, 204, 400, 404, 409, 422))
    assert not any(keeps(status) for status in (429, 500, 502, 503))
