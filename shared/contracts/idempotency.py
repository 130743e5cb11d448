"""The `Idempotency-Key` contract of /api/v1 (docs/api.md#idempotent-requests): which
operations take the header, its shape and the problem codes. Pure: the gateway's middleware
(services/gateway/idempotency.py) and the OpenAPI builder both read it."""

from __future__ import annotations

from shared.contracts.routes import Operation

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# Problem codes (the `type` slug of the problem+json answers).
INVALID_KEY = "invalid-idempotency-key"  # 400: empty, longer than 255 or not printable ASCII
KEY_MISMATCH = "idempotency-key-mismatch"  # 422: the key was used with another request
KEY_IN_USE = "idempotency-key-in-use"  # 409: the first request with the key is still running
NOT_STORED = "idempotency-response-not-stored"  # 409: done, but its answer was too large to keep


def takes_idempotency_key(op: Operation) -> bool:
    """The POSTs authenticated by an API key. The signer routes have no organisation to own a
    key (and each of their actions happens once by the document's state); verification changes
    nothing."""
    return op.method == "POST" and op.scope is not None
