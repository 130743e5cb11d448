"""`Idempotency-Key` on the POSTs of /api/v1, with Stripe's semantics (docs/api.md).

A POST that carries the header runs at most once per (organisation, key) for 24 hours
(IDEMPOTENCY_KEY_TTL_SECONDS): a retry with the same method, path and body gets the first
answer again, marked `Idempotent-Replayed: true`, and nothing is forwarded; the same key with
another request is 422 `idempotency-key-mismatch`; a retry while the first is still running is
409 `idempotency-key-in-use`.

What is kept: every answer the upstream service gave (its successes and its refusals, 4xx
included: they are the handler's verdict on that request), except 429 and 5xx. Not kept, the
key freed so a retry runs: refusals of the gateway itself before anything was forwarded (a
missing scope, a malformed id, an unreachable service: all raised as a `Problem`), 5xx, 429, and
a request cut short. Authentication failures never get here: the key middleware runs first, and
a request without a valid API key has no organisation to own a key.

Stored: the key's SHA-256, the request's fingerprint (never its body), and the answer with its
body sealed (shared/secretbox.py) under a key derived from the raw key and the gateway's secret,
so the table gives away no signing link or webhook secret to its readers.

Requests without the header cost nothing here: no body read, no statement.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from aiohttp import web

from services.gateway import idempotency_store as store
from services.gateway.auth import caller_key, require_scope
from services.gateway.keys import SETTINGS
from services.gateway.routes import body_capped
from shared.contracts.idempotency import (
    HEADER,
    INVALID_KEY,
    KEY_IN_USE,
    KEY_MISMATCH,
    MAX_KEY_LENGTH,
    NOT_STORED,
    REPLAYED_HEADER,
    takes_idempotency_key,
)
from shared.contracts.routes import BY_KEY, Operation
from shared.db import POOL
from shared.problems import Problem
from shared.secretbox import Keyring, SecretUnreadable
from shared.web import UNAVAILABLE_ERRORS, Handler

log = logging.getLogger("countersign.gateway.idempotency")

# Printable ASCII: a UUID, a hash or any client-made token fits; nothing that could hide in a log.
_VALID_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
# The answer's own headers a replay repeats (the rate-limit window and request id are the retry's).
_KEPT_HEADERS = frozenset({"content-type", "location", "etag", "cache-control"})


def _operation(request: web.Request) -> Operation | None:
    if request.method != "POST" or request.match_info.http_exception is not None:
        return None
    resource = request.match_info.route.resource
    op = BY_KEY.get(("POST", resource.canonical)) if resource is not None else None
    return op if op is not None and takes_idempotency_key(op) else None


def valid_key(raw: str) -> str:
    if not _VALID_KEY.fullmatch(raw):
        raise Problem(
            400,
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            slug=INVALID_KEY,
        )
    return raw


async def fingerprint(request: web.Request) -> bytes:
    """What makes a retry "the same request": method, path with query, and the body's hash."""
    body_hash = hashlib.sha256(_without_boundary(request, await request.read())).digest()
    return hashlib.sha256(b"%s\n%s\n%s" % (request.method.encode(), request.raw_path.encode(), body_hash)).digest()


def _without_boundary(request: web.Request, body: bytes) -> bytes:
    """A multipart body with its boundary replaced by a fixed one. Most HTTP clients (curl,
    requests, aiohttp) draw a new random boundary each time they build a form, so a retry of the
    same upload differs in those bytes only; the boundary cannot occur in the parts (that is
    what makes it one), so replacing it changes nothing else."""
    if request.content_type != "multipart/form-data":
        return body
    boundary = _boundary(request.headers.get("Content-Type", ""))
    return body.replace(b"--" + boundary, b"--\x00") if boundary else body


def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"').encode("latin-1", "replace")
    return None


def keeps(status: int) -> bool:
    """Whether an answer is replayed to retries (see the module docstring)."""
    return status < 500 and status != 429


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    raw = request.headers.get(HEADER)
    op = _operation(request) if raw is not None else None
    key = caller_key(request) if op is not None else None
    if raw is None or op is None or op.scope is None or key is None:
        return await handler(request)  # no header, or a route it does not apply to: ignored
    require_scope(request, op.scope)  # a key without the scope never sees another key's answer
    # The route's own body cap (a file upload's) before the fingerprint reads the body.
    return await run_once(body_capped(request, op), key.org_id, valid_key(raw), handler)


@dataclass(frozen=True, slots=True)
class _Key:
    """A client's key as the store knows it: its hash, and the box its answers are sealed in."""

    org_id: str
    hash: bytes
    box: Keyring  # opens only with the raw key, which the store never holds

    @classmethod
    def of(cls, request: web.Request, org_id: str, raw: str) -> _Key:
        secret = request.app[SETTINGS].require_internal_secret().encode()
        material = hmac.new(secret, b"countersign idempotency\x00%s\x00%s" % (org_id.encode(), raw.encode()), "sha256")
        return cls(org_id, hashlib.sha256(raw.encode()).digest(), Keyring([material.digest()]))


async def run_once(request: web.Request, org_id: str, raw_key: str, handler: Handler) -> web.StreamResponse:
    """Run `handler` once for (org_id, key), or answer from what the key already holds."""
    settings, pool = request.app[SETTINGS], request.app[POOL]
    key, print_ = _Key.of(request, org_id, raw_key), await fingerprint(request)
    found: store.Claim | store.Existing | None = None
    for _ in range(3):  # the key may be released between the claim and the read: look again
        async with pool.acquire() as conn:
            found = await store.claim(conn, org_id, key.hash, print_, settings.idempotency_key_ttl_seconds)
        if found is not None:
            break
    if found is None:
        raise _in_use()
    if isinstance(found, store.Existing):
        return _from_existing(found, key, print_)
    return await _run_claimed(request, handler, found, key, print_)


async def _run_claimed(
    request: web.Request, handler: Handler, claim: store.Claim, key: _Key, print_: bytes
) -> web.StreamResponse:
    pool = request.app[POOL]
    try:
        response = await handler(request)
    except BaseException:
        await _release(request, claim)  # refused before forwarding, or cut short: a retry runs
        raise
    if not keeps(response.status):
        await _release(request, claim)
        return response
    body = _body_to_keep(response, request.app[SETTINGS].idempotency_max_response_bytes)
    headers = {
        str(name): value  # plain str: the multidict's case-insensitive keys are a subclass
        for name, value in response.headers.items()
        if name.lower() in _KEPT_HEADERS or name.upper().startswith("X-WP-")  # the WPsigner surface's own
    }
    try:
        sealed = key.box.seal(body, print_.hex()) if body is not None else None
        async with pool.acquire() as conn:
            await store.complete(conn, claim, response.status, headers, sealed)
    except Exception:
        # The action happened: the client gets its answer whatever went wrong in keeping it. The
        # key stays in flight until its lease ends; a retry before then is 409, after it runs.
        log.exception("idempotency key not completed")
    return response


def _body_to_keep(response: web.StreamResponse, limit: int) -> str | None:
    """The answer's body as text to seal; None when it cannot be kept (streamed, too large)."""
    if response.prepared or not isinstance(response, web.Response):
        return None  # streamed: its bytes have left and were not kept
    body = response.body
    if body is None:
        return ""
    if not isinstance(body, bytes | bytearray) or len(body) > limit:
        return None
    try:
        return bytes(body).decode("utf-8")  # JSON is UTF-8 (RFC 8259)
    except UnicodeDecodeError:
        return None


async def _release(request: web.Request, claim: store.Claim) -> None:
    try:
        async with request.app[POOL].acquire() as conn:
            await store.release(conn, claim)
    except UNAVAILABLE_ERRORS as exc:  # the key frees itself when its lease ends
        log.warning("idempotency key not released: %r", exc)


def _from_existing(found: store.Existing, key: _Key, print_: bytes) -> web.StreamResponse:
    if found.fingerprint != print_:
        raise Problem(
            422,
            f"This {HEADER} was used with another request (method, path or body); use a new key for a new request",
            slug=KEY_MISMATCH,
        )
    if found.in_flight or found.status is None:
        raise _in_use()
    body: str | None = None
    if found.body_stored and found.body is not None:
        try:
            body = key.box.open(found.body, print_.hex())
        except SecretUnreadable:  # sealed before the gateway's secret changed
            body = None
    if body is None:
        raise Problem(
            409,
            f"The request with this {HEADER} was done (HTTP {found.status}), but its answer "
            "was not kept (too large); read the resource instead of retrying",
            slug=NOT_STORED,
        )
    headers = found.headers | {REPLAYED_HEADER: "true"}
    return web.Response(status=found.status, body=body.encode() or None, headers=headers)


def _in_use() -> Problem:
    return Problem(
        409,
        f"A request with this {HEADER} is still in progress; retry once it has finished",
        slug=KEY_IN_USE,
    )
