"""Who is calling: the identity the gateway forwards to internal services.

The gateway authenticates the caller, then forwards the request with the headers below and its
caller credential (shared/callers.py). Internal services trust these headers only when the
credential matches its caller (constant-time compare); anything else on an internal port is
401, and a caller on a route it may not use is 404, as if the route did not exist.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

from aiohttp import web

from shared.callers import H_CALLER, H_SECRET, authenticated_caller, may_call
from shared.logging import log_fields
from shared.problems import Problem
from shared.web import PROXIED, Handler

log = logging.getLogger("countersign.internal_auth")

H_ORG = "X-Countersign-Org"
H_ACTOR_TYPE = "X-Countersign-Actor-Type"
H_ACTOR_ID = "X-Countersign-Actor-Id"
H_CLIENT_IP = "X-Countersign-Client-Ip"
H_USER_AGENT = "X-Countersign-User-Agent"
# Who sends on the organisation's behalf (the API key's member) and the organisation's name: the
# documents service stores them on a document at creation, for its emails (docs/emails.md).
# Percent-encoded UTF-8 on the wire: names are free text, header values are not.
H_SENDER_NAME = "X-Countersign-Sender-Name"
H_SENDER_EMAIL = "X-Countersign-Sender-Email"
H_ORG_NAME = "X-Countersign-Org-Name"
# The organisation's logo: the SHA-256 of its PNG (services/gateway/org_logo.py), when it has one.
H_ORG_LOGO = "X-Countersign-Org-Logo"
_SENDER_HEADERS = (
    ("sender_name", H_SENDER_NAME),
    ("sender_email", H_SENDER_EMAIL),
    ("org_name", H_ORG_NAME),
    ("org_logo", H_ORG_LOGO),
)

# Of the scopes a route's service checks against the body (Operation.body_scopes), those the API
# key holds: comma-separated, set by the gateway only (a client's own X-Countersign-* headers are
# never forwarded, services/gateway/proxy.py).
H_GRANTED_SCOPES = "X-Countersign-Granted-Scopes"

ActorType = Literal["api_key", "signer", "system"]

# Paths an internal service answers without the gateway's credential (probes).
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True)
class RequestContext:
    org_id: str | None
    actor_type: ActorType
    actor_id: str | None
    ip: str | None
    user_agent: str | None
    # Known only for API-key callers whose gateway looked them up; None elsewhere.
    sender_name: str | None = None
    sender_email: str | None = None
    org_name: str | None = None
    org_logo: str | None = None

    def identity_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {H_ACTOR_TYPE: self.actor_type}
        for name, value in (
            (H_ORG, self.org_id),
            (H_ACTOR_ID, self.actor_id),
            (H_CLIENT_IP, self.ip),
            (H_USER_AGENT, self.user_agent),
        ):
            if value:
                headers[name] = value
        for attribute, header in _SENDER_HEADERS:
            if text := getattr(self, attribute):
                headers[header] = _encoded(text)
        return headers


SYSTEM = RequestContext(org_id=None, actor_type="system", actor_id=None, ip=None, user_agent=None)

_REQUEST_CONTEXT: web.RequestKey[RequestContext] = web.RequestKey("countersign.context", RequestContext)


def internal_auth_middleware(secret: str) -> object:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS:
            return await handler(request)
        caller = authenticated_caller(secret, request.headers.get(H_CALLER, ""), request.headers.get(H_SECRET, ""))
        if caller is None:
            raise Problem(401, "This service only accepts requests from Countersign's own services")
        if caller == "public":
            request[PROXIED] = True  # the gateway logs it (shared.web.request_id_middleware)
        # Decided on the route that routing matched, not on the path's text: however a path was
        # encoded, what runs is that route's handler, so that is what the caller must be allowed.
        resource = request.match_info.route.resource
        if not may_call(request.app, caller, request.method, resource.canonical if resource else None):
            log.warning(
                "caller refused",
                extra=log_fields(caller=caller, method=request.method, route=resource.canonical if resource else None),
            )
            raise Problem(404, "No route matches this path")
        actor_type = request.headers.get(H_ACTOR_TYPE, "system")
        if actor_type not in ("api_key", "signer", "system"):
            raise Problem(401, "Unknown actor type")
        request[_REQUEST_CONTEXT] = RequestContext(
            org_id=request.headers.get(H_ORG),
            actor_type=actor_type,  # type: ignore[arg-type]
            actor_id=request.headers.get(H_ACTOR_ID),
            ip=request.headers.get(H_CLIENT_IP),
            user_agent=request.headers.get(H_USER_AGENT),
            sender_name=_decoded(request.headers.get(H_SENDER_NAME)),
            sender_email=_decoded(request.headers.get(H_SENDER_EMAIL)),
            org_name=_decoded(request.headers.get(H_ORG_NAME)),
            org_logo=_logo(request.headers.get(H_ORG_LOGO)),
        )
        return await handler(request)

    return middleware


# The sender's and organisation's names are the same few strings request after request (one
# key's member, one organisation), and quoting them each time was ~2 % of the gateway's CPU on a
# proxied read (unquoting, ~1 % of the documents service's): both are pure, so remember them.
@functools.lru_cache(maxsize=4096)
def _encoded(text: str) -> str:
    return quote(text, safe="")


@functools.lru_cache(maxsize=4096)
def _unquoted(value: str) -> str | None:
    return unquote(value, errors="replace") or None


def _decoded(value: str | None) -> str | None:
    return _unquoted(value) if value else None


def _logo(value: str | None) -> str | None:
    # A hash and nothing else: it becomes part of a URL in emails and on the signing page.
    return value if value and len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def request_context(request: web.Request) -> RequestContext:
    return request[_REQUEST_CONTEXT]


def require_granted(request: web.Request, scope: str) -> None:
    """403, in the gateway's words, unless the gateway said the key holds `scope`."""
    held = {s for s in request.headers.get(H_GRANTED_SCOPES, "").split(",") if s}
    if scope not in held:
        raise Problem(403, f"This API key lacks the required scope: {scope}")


def org_id_of(request: web.Request) -> str:
    """The caller's organisation; every organisation-scoped query goes through this."""
    org_id = request_context(request).org_id
    if not org_id:
        raise Problem(401, "No organisation in the forwarded identity")
    return org_id
