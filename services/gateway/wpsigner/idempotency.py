"""`Idempotency-Key` on the WPsigner surface's POSTs: the inSigner API's rule (services/gateway/
idempotency.py), with the caller's organisation from the WPsigner credential and its refusals
in the WordPress error shape.

The WPsigner handlers run in the gateway, so their own refusals (`rest_invalid_param`,
`not_found`, …, raised as WpError) are the handler's verdict and are kept like an upstream 4xx;
5xx and 429 free the key. A multipart upload (a document created with its file in the body) is
refused with the header: its body may be far larger than what the gateway reads whole to hash,
and a retry must not guess; create the document from `file_path`, or retry without a key.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.idempotency import keeps, run_once, valid_key
from services.gateway.wpsigner import errors
from services.gateway.wpsigner.auth import CALLER
from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.params import body_kind
from shared.contracts.idempotency import HEADER, INVALID_KEY, KEY_IN_USE, KEY_MISMATCH, NOT_STORED
from shared.problems import Problem
from shared.web import Handler

# The problem codes of the inSigner surface, as WordPress-style codes.
_CODES = {slug: slug.replace("-", "_") for slug in (INVALID_KEY, KEY_IN_USE, KEY_MISMATCH, NOT_STORED)}


async def run_idempotent(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`handler(request)`, at most once per (organisation, Idempotency-Key) when the header is sent."""
    raw = request.headers.get(HEADER)
    if raw is None or request.method != "POST":
        return await handler(request)
    if body_kind(request) == "multipart":
        raise WpError(
            400,
            "idempotency_key_unsupported",
            f"{HEADER} is not supported on multipart uploads; create the document from file_path, "
            "or send the upload without the header.",
        )

    async def answered(req: web.Request) -> web.StreamResponse:
        try:
            return await handler(req)
        except WpError as error:
            if not keeps(error.status):
                raise
            return errors.error_response(error)  # the handler's verdict: kept and replayed

    try:
        return await run_once(request, request[CALLER].org_id, valid_key(raw), answered)
    except Problem as problem:
        code = _CODES.get(problem.slug or "")
        if code is None:
            raise
        raise WpError(problem.status, code, problem.detail) from None
