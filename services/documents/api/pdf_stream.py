"""Relaying a stored PDF to the client: GET …/download, the signer's …/file and …/download."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web

from services.documents.adapters.storage import ObjectChanged, ObjectMissing, ObjectStream, Storage
from services.documents.commands.file_download import PDF, content_disposition
from services.documents.commands.files import UNAVAILABLE, storage_unavailable
from shared.problems import Problem


async def stream_pdf(
    request: web.Request,
    storage: Storage,
    key: str,
    filename: str,
    *,
    if_match: str | None = None,
    before_send: Callable[[ObjectStream], Awaitable[None]] | None = None,
) -> web.StreamResponse:
    """Relay an S3 object to the client chunk by chunk (never the whole object in memory).

    `before_send` runs once the object is known to exist and before the first byte is sent: a
    failure there still becomes a problem response instead of a truncated download."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            obj = await stack.enter_async_context(storage.stream(key, if_match=if_match))
        except (ObjectMissing, ObjectChanged):
            # Verified and signed objects are written once; storage was changed behind our back.
            raise Problem(409, "The document's file is no longer available in storage", slug="file-missing") from None
        except UNAVAILABLE:
            raise storage_unavailable() from None
        if before_send is not None:
            await before_send(obj)
        response = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": PDF,
                "Content-Disposition": content_disposition(filename),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
        response.content_length = obj.size
        await response.prepare(request)
        # From here on, a failure can only cut the connection short; the client sees fewer
        # bytes than Content-Length promised, never a corrupt file presented as complete.
        async for chunk in obj.chunks():
            await response.write(chunk)
        await response.write_eof()
        return response
    raise AssertionError("unreachable")  # pragma: no cover - for type checkers
