"""What the multipart uploads (POST /api/v1/verify, PUT /api/v1/org/certificate, POST
/api/v1/bulk-sends/csv, …/attachments) share: finding the file's part, reading it or streaming
it to a file with a byte cap."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage

from shared.contracts.verify import MULTIPART
from shared.problems import FieldError, Problem

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


async def file_part(request: web.Request, name: str, what: str) -> BodyPartReader:
    """The form field `name` of a multipart/form-data body; 415 for another body, 422 without it.
    `what` names the file in the answers ("the PDF")."""
    if request.content_type != MULTIPART:
        raise Problem(415, f"Send {what} as multipart/form-data, in the form field `{name}`", slug="multipart-required")
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == name:
                return part
            await part.release()
    except MALFORMED_MULTIPART:
        raise malformed_multipart() from None
    raise Problem(422, f"Send {what} in the form field `{name}`", errors=[FieldError(name, "Required")])


async def save_part(part: BodyPartReader, target: Path, max_bytes: int, what: str) -> tuple[str, int]:
    """Stream the part to `target`; (SHA-256 hex, size). 413 past `max_bytes`, 422 when empty."""
    digest, size = hashlib.sha256(), 0
    try:
        with target.open("wb") as out:
            while chunk := await part.read_chunk(256 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise Problem(413, f"The file is larger than {max_bytes:,} bytes, the most {what}")
                digest.update(chunk)
                out.write(chunk)
    except MALFORMED_MULTIPART:
        raise malformed_multipart() from None
    if size == 0:
        raise Problem(422, "The file is empty", errors=[FieldError(part.name or "file", "The file is empty")])
    return digest.hexdigest(), size
