"""Who calls an internal service, how the caller proves it, and which internal routes it may use.

Every request to an internal service names its caller (`X-Countersign-Caller`) and carries that
caller's own credential (`X-Countersign-Internal`):

    public    the gateway forwarding a public request (an API key's or a signer's)
    gateway   the gateway acting for itself: the WPsigner translation, GET /api/v1/org
    notifier  the notifier fetching links and codes for its emails
    audit     the audit service asking whether a document is visible to an organisation
    documents the documents service asking the audit service for the chain head it prints on a
              certificate of completion
    operator  the `countersign` CLI: org-wide endpoints such as the email dead letters

A caller's credential is `HMAC-SHA256(INTERNAL_SECRET, "countersign-caller:" + name)`, so one
setting configures the system while no two callers share a credential. Public routes
(/api/v1/...) answer `public` and `gateway`; an /internal/... route answers only the callers it
was registered with (`add_internal_route`), and is a 404 to everyone else — above all to
`public`, the only identity a proxied request can ever carry (docs/architecture.md).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Iterable
from typing import Literal, get_args

from aiohttp import web

from shared.web import Handler

H_CALLER = "X-Countersign-Caller"
H_SECRET = "X-Countersign-Internal"

Caller = Literal["public", "gateway", "notifier", "audit", "documents", "operator"]
CALLERS: frozenset[str] = frozenset(get_args(Caller))
# Who may use the public API routes that internal services also serve (/api/v1/...).
PUBLIC_ROUTE_CALLERS: frozenset[str] = frozenset({"public", "gateway"})
INTERNAL_PREFIX = "/internal/"

RouteKey = tuple[str, str]  # (method, path template), as registered
INTERNAL_ROUTES: web.AppKey[dict[RouteKey, frozenset[str]]] = web.AppKey("internal_routes", dict)


# Derived once per (secret, caller): every internal request presents one and every internal
# service checks one, and an HMAC per request was ~2 % of both processes' CPU on a proxied read.
# Six callers, and one secret per process (two while a test switches it): a small bound suffices.
@functools.lru_cache(maxsize=64)
def credential(master_secret: str, caller: Caller) -> str:
    digest = hmac.new(master_secret.encode(), f"countersign-caller:{caller}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def caller_headers(master_secret: str, caller: Caller) -> dict[str, str]:
    """The two headers that make a request to an internal service come from `caller`."""
    return {H_CALLER: caller, H_SECRET: credential(master_secret, caller)}


def authenticated_caller(master_secret: str, claimed: str, presented: str) -> str | None:
    """The caller, if `presented` is its credential; None otherwise (constant-time compare)."""
    if claimed not in CALLERS:
        return None
    expected = credential(master_secret, claimed)  # type: ignore[arg-type]
    return claimed if hmac.compare_digest(presented.encode(), expected.encode()) else None


def add_internal_route(
    app: web.Application, method: str, path: str, handler: Handler, callers: Iterable[Caller]
) -> None:
    """Register an /internal/... route that only `callers` may use."""
    if not path.startswith(INTERNAL_PREFIX):
        raise ValueError(f"internal routes live under {INTERNAL_PREFIX}: {path}")
    allowed = frozenset(callers)
    if not allowed or "public" in allowed:
        raise ValueError(f"an internal route needs internal callers, never 'public': {path}")
    app.setdefault(INTERNAL_ROUTES, {})[(method.upper(), path)] = allowed
    app.router.add_route(method, path, handler)


def may_call(app: web.Application, caller: str, method: str, template: str | None) -> bool:
    """Whether `caller` may use the route that routing matched (`template`: its path template;
    None when nothing matched, which routing answers with its own 404/405)."""
    if template is None:
        return True
    if not template.startswith(INTERNAL_PREFIX):
        return caller in PUBLIC_ROUTE_CALLERS
    # An internal route nobody declared is closed to everyone: fail closed, not open.
    allowed = app.get(INTERNAL_ROUTES, {}).get((method.upper(), template), frozenset())
    return caller in allowed
