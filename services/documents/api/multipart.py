"""What the multipart uploads (POST /api/v1/verify, PUT /api/v1/org/certificate) share."""

from __future__ import annotations

from aiohttp.http_exceptions import BadHttpMessage

from shared.problems import Problem

# How aiohttp's multipart reader says a body is broken: no boundary or bad framing (ValueError,
# AssertionError), a part header it cannot parse, e.g. with control bytes (BadHttpMessage).
MALFORMED_MULTIPART = (ValueError, AssertionError, BadHttpMessage)


def malformed_multipart() -> Problem:
    return Problem(400, "The multipart/form-data body is malformed", slug="malformed-multipart")
