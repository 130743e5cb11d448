"""One way for a Countersign service to call another's internal HTTP API.

Every call names its caller and carries that caller's own credential (shared/callers.py), the
identity headers of whom it acts for (organisation, actor, client IP: shared/context.py), and the
id of the request or job it is part of, so both services log under one id. One timeout policy
for every call, and one line between the two outcomes a caller must tell apart:

- an `Answer`: the service answered, whatever the status; what a 404 or a 409 means is the
  caller's business (a missing document, an obsolete email, a dead signing link);
- `Unavailable`: it did not (refused connection, reset, timeout, or a JSON answer that cannot be
  read); callers map it to a 502, a retry later, or a page that reports the outage itself.

The gateway's public proxy (services/gateway/proxy.py) streams answers of any size and keeps its
own forwarding, but builds its headers with `internal_headers` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from shared.callers import Caller, caller_headers
from shared.logging import request_id_var
from shared.upstreams import first_answer, upstreams_for
from shared.web import REQUEST_ID_HEADER

# Internal answers are small JSON bodies from a neighbour on the same network: ten seconds is long
# past a healthy answer and short enough that a stuck service surfaces as Unavailable, not a hang.
CALL_TIMEOUT = aiohttp.ClientTimeout(total=10, sock_connect=5)

Params = Mapping[str, str] | list[tuple[str, str]]


class Unavailable(Exception):
    """The internal service did not answer (or answered something unreadable)."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # the parsed JSON body; None when there is none or it is not JSON


def internal_headers(
    secret: str, caller: Caller, identity: Mapping[str, str] | None = None, request_id: str | None = None
) -> dict[str, str]:
    """The headers of a call from `caller`: identity, credential, and the request id (given, or
    the one of the request being handled, shared.logging.request_id_var)."""
    headers = dict(identity or {})
    headers.update(caller_headers(secret, caller))  # after identity: no identity can override them
    request_id = request_id or request_id_var.get()
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return headers


class InternalClient:
    """Calls to one internal service as one caller, over a session the owner opens and closes."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | Sequence[str],
        secret: str,
        caller: Caller,
        timeout: aiohttp.ClientTimeout = CALL_TIMEOUT,
    ) -> None:
        """`base_url`: the service's one URL, or its replicas' (Settings.upstreams): each call
        goes to one of them, failing over as shared/upstreams.py says."""
        self._session = session
        self._upstreams = upstreams_for(base_url)
        self._secret = secret
        self._caller: Caller = caller
        self._timeout = timeout  # CALL_TIMEOUT everywhere; tests make it short

    async def call(
        self,
        method: str,
        path: str,
        *,
        identity: Mapping[str, str] | None = None,
        json: Any = None,
        params: Params | None = None,
        request_id: str | None = None,
    ) -> Answer:
        headers = internal_headers(self._secret, self._caller, identity, request_id)
        data = None
        if json is not None:
            data = orjson.dumps(json)
            headers["Content-Type"] = "application/json"

        async def send(base_url: str) -> Answer:
            async with self._session.request(
                method,
                base_url + path,
                data=data,
                params=params,
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout,
            ) as resp:
                raw = await resp.read()
                is_json = "json" in resp.headers.get("Content-Type", "")
                return Answer(resp.status, orjson.loads(raw) if raw and is_json else None)

        try:
            return await first_answer(self._upstreams, method, send)
        except (TimeoutError, aiohttp.ClientError, orjson.JSONDecodeError) as exc:
            where = " or ".join(self._upstreams.urls)
            raise Unavailable(f"{where} did not answer {method} {path}: {type(exc).__name__}") from exc
