"""The public route table of /api/v1: method, path, required scope, internal service.

This table is the single list of public routes: the gateway registers exactly these, and the
OpenAPI test checks that each one is described in the spec. Each path parameter has a shape
(services/gateway/route_params.py); a request whose parameters do not fit is a 404 here, and
one that fits is forwarded to the route's own path filled with those parameters — never to the
path the client sent — with the `public` caller credential, which no /internal/ route accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from aiohttp import web

from services.gateway.auth import caller_context, require_scope
from services.gateway.keys import SETTINGS
from services.gateway.proxy import forward
from services.gateway.route_params import (
    DELIVERY_ID, DOCUMENT_ID, FIELD_ID, PAGE_NUMBER, SIGNER_ID, SIGNING_TOKEN, WEBHOOK_ID, Shape, fill, misfit,
    placeholders,
)
from shared.callers import caller_headers
from shared.problems import Problem

Upstream = Literal["documents", "audit", "notifier"]

D = "/api/v1/documents"
S = "/api/v1/signing/{token}"
W = "/api/v1/webhooks"

# What each placeholder holds, by the family of routes it appears in.
_SHAPES: tuple[tuple[str, Mapping[str, Shape]], ...] = (
    (D, {"id": DOCUMENT_ID, "signerId": SIGNER_ID, "fieldId": FIELD_ID}),
    (W, {"id": WEBHOOK_ID, "deliveryId": DELIVERY_ID}),
    (S, {"token": SIGNING_TOKEN, "page": PAGE_NUMBER}),
    ("/api/v1/org/certificate", {}),
    ("/api/v1/verify", {}),
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    scope: str | None  # None: signer-facing, authenticated by the signing token instead
    upstream: Upstream
    shapes: Mapping[str, Shape] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Every placeholder gets its shape now, at import: a route added without one fails to
        # load instead of forwarding whatever a client puts there.
        family = next(shapes for prefix, shapes in _SHAPES if self.path.startswith(prefix))
        object.__setattr__(self, "shapes", MappingProxyType({name: family[name] for name in placeholders(self.path)}))

ROUTES: tuple[Route, ...] = (
    Route("GET", D, "documents.read", "documents"),
    Route("POST", D, "documents.create", "documents"),
    Route("GET", D + "/{id}", "documents.read", "documents"),
    Route("PATCH", D + "/{id}", "documents.write", "documents"),
    Route("DELETE", D + "/{id}", "documents.delete", "documents"),
    Route("GET", D + "/{id}/signers", "documents.read", "documents"),
    Route("POST", D + "/{id}/signers", "documents.write", "documents"),
    Route("PATCH", D + "/{id}/signers/{signerId}", "documents.write", "documents"),
    Route("DELETE", D + "/{id}/signers/{signerId}", "documents.write", "documents"),
    Route("GET", D + "/{id}/fields", "documents.read", "documents"),
    Route("POST", D + "/{id}/fields", "documents.write", "documents"),
    Route("PATCH", D + "/{id}/fields/{fieldId}", "documents.write", "documents"),
    Route("DELETE", D + "/{id}/fields/{fieldId}", "documents.write", "documents"),
    Route("GET", D + "/{id}/audit", "documents.read", "audit"),
    Route("GET", D + "/{id}/audit/verify", "documents.read", "audit"),
    Route("POST", D + "/{id}/upload", "documents.write", "documents"),
    Route("GET", D + "/{id}/download", "documents.read", "documents"),
    Route("POST", D + "/{id}/send", "documents.send", "documents"),
    Route("POST", D + "/{id}/cancel", "documents.write", "documents"),
    Route("POST", D + "/{id}/remind", "documents.send", "documents"),
    Route("POST", D + "/{id}/signers/{signerId}/signing-url", "documents.send", "documents"),
    Route("GET", W, "webhooks.read", "notifier"),
    Route("POST", W, "webhooks.create", "notifier"),
    Route("GET", W + "/{id}", "webhooks.read", "notifier"),
    Route("PATCH", W + "/{id}", "webhooks.update", "notifier"),
    Route("DELETE", W + "/{id}", "webhooks.delete", "notifier"),
    Route("GET", W + "/{id}/deliveries", "webhooks.read", "notifier"),
    Route("POST", W + "/{id}/deliveries/{deliveryId}/redeliver", "webhooks.update", "notifier"),
    # The organisation's seal certificate chain (docs/signed-pdf.md), issued by the documents service.
    Route("GET", "/api/v1/org/certificate", "org.read", "documents"),
    # Verification of a PDF by anyone (docs/signed-pdf.md): no API key; services/gateway/verify_limits.py
    # budgets it per client IP and lets its body be a whole PDF.
    Route("POST", "/api/v1/verify", None, "documents"),
    # The signer-facing API: no API key; the signing token in the path is the credential.
    Route("GET", S, None, "documents"),
    Route("GET", S + "/file", None, "documents"),
    Route("POST", S + "/sign", None, "documents"),
    Route("POST", S + "/approve", None, "documents"),
    Route("POST", S + "/decline", None, "documents"),
    Route("POST", S + "/otp", None, "documents"),
    Route("POST", S + "/otp/verify", None, "documents"),
    Route("GET", S + "/download", None, "documents"),
    Route("GET", S + "/pages/{page}", None, "documents"),
)


def _upstream_url(request: web.Request, upstream: Upstream) -> str:
    settings = request.app[SETTINGS]
    return {"documents": settings.documents_url, "audit": settings.audit_url, "notifier": settings.notifier_url}[upstream]


def proxy_handler(route: Route):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.StreamResponse:
        if route.scope is not None:
            require_scope(request, route.scope)
        unfit = misfit(route.shapes, request.match_info)
        if unfit is not None:
            raise Problem(404, unfit.refusal)
        path = fill(route.path, request.match_info)
        credential = caller_headers(request.app[SETTINGS].require_internal_secret(), "public")
        return await forward(request, _upstream_url(request, route.upstream) + path, credential, caller_context(request))

    handler.__name__ = f"proxy_{route.method.lower()}_{route.path}"
    return handler


def add_proxy_routes(app: web.Application) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, proxy_handler(route))
