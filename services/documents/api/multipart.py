"""What the multipart uploads (POST /api/v1/verify, PUT /api/v1/org/certificate, POST
/api/v1/bulk-sends/csv) share."""

from __future__ import annotations

from aiohttp import BodyPartReader
from aiohttp.http_exceptions import BadHttpMessage

from shared.problems import Problem

# How aiohttp's multipart reader says a body is broken: no boundary or bad framing (ValueError,
# AssertionError), a part header it cannot parse, e.g. with control bytes (BadHttpMessage).
MALFORMED_MULTIPART = (ValueError, AssertionError, BadHttpMessage)


def malformed_multipart() -> Problem:
    return Problem(400, "The multipart/form-data body is malformed", slug="malformed-multipart")


async def read_capped(part: BodyPartReader, max_bytes: int, what: str) -> bytes:
    """A form part's bytes; 413 as soon as it exceeds `max_bytes` (never read whole first)."""
    data = bytearray()
    while chunk := await part.read_chunk(16 * 1024):
        data += chunk
        if len(data) > max_bytes:
            raise Problem(413, f"The {what} is larger than {max_bytes:,} bytes, the most accepted")
    return bytes(data)
