"""The gateway's proxy of /api/v1: the rows of the route table that other services answer.

The table is declared once, in shared/contracts/routes.py (method, path, scope, service, the
shape of each path parameter, models). The gateway registers exactly its rows: a request whose
parameters do not fit their shapes is a 404 here, and one that fits is forwarded to the route's
own path filled with those parameters — never to the path the client sent — with the `public`
caller credential, which no /internal/ route accepts.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.auth import caller_context, require_scope
from services.gateway.keys import SETTINGS
from services.gateway.proxy import forward
from services.gateway.scopes import grants
from shared.context import H_GRANTED_SCOPES
from shared.contracts.attachments import MULTIPART_ALLOWANCE
from shared.contracts.path_params import fill, misfit
from shared.contracts.routes import OPERATIONS, Operation, Service
from shared.internal_client import internal_headers
from shared.problems import Problem
from shared.upstreams import Upstreams, upstreams_for

# What the gateway forwards: every operation another service answers.
ROUTES: tuple[Operation, ...] = tuple(op for op in OPERATIONS if op.service != "gateway")


def _upstreams(request: web.Request, service: Service) -> Upstreams:
    # Only the three internal services: the gateway's own rows are not in ROUTES.
    assert service != "gateway"
    return upstreams_for(request.app[SETTINGS].upstreams(service))


# Set on a request whose body cap is already its route's (a clone cannot be cloned once read).
_CAPPED: web.RequestKey[bool] = web.RequestKey("body_capped", bool)


def body_capped(request: web.Request, route: Operation) -> web.Request:
    """A file upload's route gets its own cap instead of MAX_BODY_BYTES (sized for JSON). Applied
    before anything reads the body: the idempotency step hashes it before the proxy forwards it."""
    if route.body_limit is None or request.get(_CAPPED):
        return request
    cap = getattr(request.app[SETTINGS], route.body_limit) + MULTIPART_ALLOWANCE
    capped = request.clone(client_max_size=cap)
    capped[_CAPPED] = True
    return capped


def proxy_handler(route: Operation):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.StreamResponse:
        granted: dict[str, str] = {}
        if route.scope is not None:
            caller = require_scope(request, route.scope)
            if route.body_scopes:
                # What the service checks against the body (shared.context.granted_scopes).
                held = [scope for scope in route.body_scopes if grants(caller.key.scopes, scope)]
                granted[H_GRANTED_SCOPES] = ",".join(held)
        unfit = misfit(route.shapes, request.match_info)
        if unfit is not None:
            raise Problem(404, unfit.refusal)
        request = body_capped(request, route)
        path = fill(route.path, request.match_info)
        # The `public` caller, which no /internal/ route accepts, with the identity auth resolved.
        internal = internal_headers(
            request.app[SETTINGS].require_internal_secret(),
            "public",
            caller_context(request).identity_headers() | granted,
        )
        return await forward(request, _upstreams(request, route.service), path, internal)

    handler.__name__ = f"proxy_{route.method.lower()}_{route.path}"
    return handler


def add_proxy_routes(app: web.Application) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, proxy_handler(route))
