"""The public route table of /api/v1: method, path, required scope, internal service.

This table is the single list of public routes: the gateway registers exactly these, and the
OpenAPI test checks that each one is described in the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from services.gateway.auth import caller_context, require_scope
from services.gateway.keys import SETTINGS
from services.gateway.proxy import forward

Upstream = Literal["documents", "audit", "notifier"]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    scope: str | None  # None: signer-facing, authenticated by the signing token instead
    upstream: Upstream


D = "/api/v1/documents"
S = "/api/v1/signing/{token}"
W = "/api/v1/webhooks"
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
        secret = request.app[SETTINGS].require_internal_secret()
        return await forward(request, _upstream_url(request, route.upstream), secret, caller_context(request))

    handler.__name__ = f"proxy_{route.method.lower()}_{route.path}"
    return handler


def add_proxy_routes(app: web.Application) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, proxy_handler(route))
