"""What an SMTP failure means for one email (pure: no I/O).

- `permanent`: the recipient's server refused the address or the message for good (a 5xx reply
  to RCPT or DATA — each email has one recipient, so that reply is about them), or the address
  cannot be written at all. Retrying cannot help; the sender must fix the address.
- `transient`: everything else — a 4xx reply, a refused or dropped connection, a timeout, and
  also a 5xx to our own MAIL FROM or login (our configuration, not the recipient's fault, so it
  is retried and finally dead-lettered rather than blamed on the signer).

`connection_lost` says the SMTP session cannot carry the next email of the batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiosmtplib

MAX_REASON = 500


@dataclass(frozen=True)
class SmtpFailure:
    permanent: bool
    reason: str
    connection_lost: bool = False


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"[:MAX_REASON]


def classify(exc: BaseException) -> SmtpFailure:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusals = exc.recipients or []
        codes = [r.code for r in refusals]
        reason = "; ".join(_reply(r.code, r.message) for r in refusals) or "recipient refused"
        return SmtpFailure(permanent=bool(codes) and all(500 <= c < 600 for c in codes), reason=reason[:MAX_REASON])
    if isinstance(exc, (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
        return SmtpFailure(permanent=500 <= exc.code < 600, reason=_reply(exc.code, exc.message))
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPConnectError | aiosmtplib.SMTPTimeoutError):
        return SmtpFailure(permanent=False, reason=f"{type(exc).__name__}: {exc}"[:MAX_REASON], connection_lost=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException):  # MAIL FROM, AUTH, HELO...: ours to fix
        return SmtpFailure(permanent=False, reason=_reply(exc.code, exc.message))
    if isinstance(exc, (OSError, asyncio.TimeoutError)):
        return SmtpFailure(permanent=False, reason=f"{type(exc).__name__}: {exc}"[:MAX_REASON], connection_lost=True)
    if isinstance(exc, ValueError):  # aiosmtplib refuses an address it cannot write
        return SmtpFailure(permanent=True, reason=f"invalid address: {exc}"[:MAX_REASON])
    return SmtpFailure(permanent=False, reason=f"{type(exc).__name__}: {exc}"[:MAX_REASON], connection_lost=True)
