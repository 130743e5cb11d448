"""The platform CA's revocation list, fetched for a seal to embed (PAdES B-LT, docs/signed-pdf.md).

Fetched from SEAL_CRL_URL and checked before use: it must be a CRL signed by the platform CA.
Anything else, or no answer, raises: the seal fails and completion retries, rather than shipping
a seal without the validation data it was configured to carry.

`CrlCache` keeps the last good CRL for a few minutes, as any PKI client does: a CRL is valid until
its nextUpdate (a day for ours), so a seal made minutes after the fetch still carries a list that
was current when it sealed, and a completion does not pay a connection, a download and a
signature check each time (py-spy of the lifecycle bench: ~3 % of the documents service's CPU).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiohttp
from cryptography import x509

MAX_CRL_BYTES = 1024 * 1024  # the platform revokes nothing: its CRL is a few hundred bytes


class CrlUnavailable(Exception):
    """The CRL could not be fetched, or is not the CA's."""


async def fetch_crl(url: str, issuer: x509.Certificate, timeout_seconds: float) -> bytes:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as session,
            session.get(url, allow_redirects=False) as resp,
        ):
            if resp.status != 200:
                raise CrlUnavailable(f"{url} answered {resp.status}")
            der = await resp.content.read(MAX_CRL_BYTES + 1)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise CrlUnavailable(f"{url} did not answer: {type(exc).__name__}") from exc
    if len(der) > MAX_CRL_BYTES:
        raise CrlUnavailable(f"{url} answered more than {MAX_CRL_BYTES} bytes")
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError:
        raise CrlUnavailable(f"{url} did not answer a DER CRL") from None
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        raise CrlUnavailable(f"the CRL at {url} is not signed by the seal CA")
    return der


# How long a fetched CRL is reused, and how far from its nextUpdate it must still be.
CRL_REUSE_SECONDS = 300.0
CRL_NEXT_UPDATE_MARGIN = timedelta(hours=1)


class CrlCache:
    """The last CRL fetched from `url`, reused for CRL_REUSE_SECONDS while it stays at least
    CRL_NEXT_UPDATE_MARGIN from its nextUpdate; concurrent seals share one fetch."""

    def __init__(
        self, url: str, issuer: x509.Certificate, timeout_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self._issuer = issuer
        self._timeout = timeout_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._der: bytes | None = None
        self._fetched_at = 0.0
        self._next_update: datetime | None = None

    def _fresh(self) -> bool:
        if self._der is None or self._clock() - self._fetched_at >= CRL_REUSE_SECONDS:
            return False
        return self._next_update is not None and datetime.now(UTC) + CRL_NEXT_UPDATE_MARGIN < self._next_update

    async def get(self) -> bytes:
        async with self._lock:
            if not self._fresh():
                der = await fetch_crl(self.url, self._issuer, self._timeout)
                self._der, self._fetched_at = der, self._clock()
                self._next_update = x509.load_der_x509_crl(der).next_update_utc
            assert self._der is not None
            return self._der
