"""The documents service's internal endpoints the send worker calls right before sending.

    GET  /internal/signers/{id}/signing-link   invitation, reminder  → {url, expiresAt}
    GET  /internal/signers/{id}/otp-code       one-time code         → {code, expiresAt}
    POST /internal/signers/{id}/download-link  completion copy       → {url, availableUntil}

With the internal secret and the email's organisation (checked by the documents service). The
answer lives only in memory for the one send: links and codes are never written to our tables.

- 409 `document-action_required`: the document is on hold until the sender fixes a bounced
  address; the link will work again when it resumes. `Held`: the email waits (no attempt is
  counted) and is brought forward when the document resumes (enqueue.py).
- Other 404 / 409 / 410 mean the email is obsolete (the link died: the document was cancelled,
  the signer finished, the code expired...): `Obsolete`, and the email is skipped, not sent.
- Anything else (5xx, 401, a refused connection, a timeout) is `Unavailable`: retried later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiohttp

from services.notifier.emails.render import Fetched
from shared.context import H_ORG
from shared.internal_client import InternalClient
from shared.internal_client import Unavailable as InternalUnavailable

_OBSOLETE = frozenset({404, 409, 410})


class Obsolete(Exception):
    """The link or code cannot be had any more; the email must not go out."""


class Unavailable(Exception):
    """The documents service could not answer now; try again later."""


class Held(Exception):
    """The document is on hold (action_required); the email waits for it to resume."""


ON_HOLD_SLUG = "document-action_required"


def _slug(body: Any) -> str:
    kind = body.get("type") if isinstance(body, dict) else None
    return kind.rsplit("/", 1)[-1] if isinstance(kind, str) else "unknown"


def refusal(status: int, body: Any) -> Exception:
    """What a non-200 answer means for the email (pure)."""
    slug = _slug(body)
    if status == 409 and slug == ON_HOLD_SLUG:
        return Held(f"{status} {slug}")
    if status in _OBSOLETE:
        return Obsolete(f"{status} {slug}")
    return Unavailable(f"documents service answered {status}")


class DocumentsClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str | Sequence[str], secret: str) -> None:
        self._documents = InternalClient(session, base_url, secret, "notifier")

    @classmethod
    def open_session(cls) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()  # each call's timeout: shared.internal_client.CALL_TIMEOUT

    async def _call(self, method: str, path: str, org_id: str, request_id: str | None) -> dict[str, Any]:
        # The request id is the email's (the event's that queued it), not a context variable's:
        # the send worker runs outside any request.
        try:
            answer = await self._documents.call(method, path, identity={H_ORG: org_id}, request_id=request_id)
        except InternalUnavailable as exc:
            raise Unavailable(f"documents service unreachable: {type(exc.__cause__).__name__}") from exc
        if answer.status == 200 and isinstance(answer.body, dict) and isinstance(answer.body.get("data"), dict):
            return answer.body["data"]
        raise refusal(answer.status, answer.body)

    async def fetch(self, need: str | None, signer_id: str | None, org_id: str, request_id: str | None) -> Fetched:
        """What the email's kind needs (kinds/*.needs); nothing for kinds that need nothing."""
        if need is None:
            return Fetched()
        if signer_id is None:
            raise Obsolete("no signer to ask for")
        if need == "signing_link":
            data = await self._call("GET", f"/internal/signers/{signer_id}/signing-link", org_id, request_id)
            return Fetched(link=str(data["url"]), valid_until=_time(data.get("expiresAt")))
        if need == "otp_code":
            data = await self._call("GET", f"/internal/signers/{signer_id}/otp-code", org_id, request_id)
            return Fetched(code=str(data["code"]), valid_until=_time(data.get("expiresAt")))
        if need == "download_link":
            data = await self._call("POST", f"/internal/signers/{signer_id}/download-link", org_id, request_id)
            return Fetched(link=str(data["url"]), valid_until=_time(data.get("availableUntil")))
        raise ValueError(f"unknown need {need!r}")


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
