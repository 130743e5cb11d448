"""Calls from the WPsigner surface to the internal services, as the authenticated caller.

Every call carries the caller's identity headers (organisation, the key id as actor, client IP
and user agent), like the inSigner proxy's, and the gateway's own caller credential (it may use
the WPsigner internal endpoints, which a proxied public request never may), so the documents
core applies its organisation scoping and records the same actor in events and the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from aiohttp import web

from services.gateway.keys import HTTP, SETTINGS
from services.gateway.wpsigner import errors
from services.gateway.wpsigner.auth import caller_of, context_of
from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.translate import core_error
from shared.contracts.path_params import WPSIGNER_NUMBER
from shared.contracts.wpsigner import WPSIGNER_DOCUMENTS, DocumentDetail, DocumentRef
from shared.internal_client import Answer, InternalClient, Params, Unavailable

log = logging.getLogger("countersign.gateway.wpsigner.core")

Service = Literal["documents", "audit"]
WP_DOCS = WPSIGNER_DOCUMENTS
ErrorMap = Callable[[int, Any], WpError]


async def call(
    request: web.Request, service: Service, method: str, path: str, *, json: Any = None, params: Params | None = None
) -> Answer:
    settings = request.app[SETTINGS]
    base = settings.upstreams(service)
    client = InternalClient(request.app[HTTP], base, settings.require_internal_secret(), "gateway")
    try:
        return await client.call(
            method, path, identity=context_of(request).identity_headers(), json=json, params=params
        )
    except Unavailable as exc:
        log.warning("%s unavailable: %s %s (%s)", service, method, path, type(exc.__cause__).__name__)
        raise errors.upstream_unavailable() from None


async def expect(
    request: web.Request,
    service: Service,
    method: str,
    path: str,
    *,
    ok: tuple[int, ...] = (200, 201),
    error: ErrorMap = core_error,
    json: Any = None,
    params: Params | None = None,
) -> Any:
    """The body of a successful answer; any other answer through `error` into a WpError."""
    answer = await call(request, service, method, path, json=json, params=params)
    if answer.status in ok:
        return answer.body
    raise error(answer.status, answer.body)


def parse_number(raw: str) -> str:
    """A WPsigner id from the URL: ASCII digits only (a bigint; `str.isdigit` would also take
    full-width and superscript digits); anything else is not found."""
    if not WPSIGNER_NUMBER.fits(raw) or int(raw) == 0:
        raise errors.not_found()
    return str(int(raw))


async def resolve(request: web.Request, raw_id: str) -> DocumentRef:
    """The core document behind a WPsigner id, if the caller may act on it: 404 when it is not
    in the caller's organisation, 403 `forbidden` when it is another member's (non-admins)."""
    body = await expect(request, "documents", "GET", f"{WP_DOCS}/{parse_number(raw_id)}/ref")
    ref = DocumentRef.model_validate(body["data"])
    if not caller_of(request).owns(ref.createdBy):
        raise errors.forbidden()
    return ref


async def detail(request: web.Request, ref: str, *, check_owner: bool = True) -> DocumentDetail:
    """The full record (`ref`: a WPsigner number or a core id), with the same ownership rule."""
    body = await expect(request, "documents", "GET", f"{WP_DOCS}/{ref}")
    document = DocumentDetail.model_validate(body["data"])
    if check_owner and not caller_of(request).owns(document.createdBy):
        raise errors.forbidden()
    return document


async def detail_by_number(request: web.Request, raw_id: str) -> DocumentDetail:
    return await detail(request, parse_number(raw_id))
