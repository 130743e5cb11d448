"""The platform CA's revocation list, fetched for a seal to embed (PAdES B-LT, docs/signed-pdf.md).

Fetched from SEAL_CRL_URL at each seal (it is small and signed afresh by the publisher) and
checked before use: it must be a CRL signed by the platform CA. Anything else, or no answer,
raises: the seal fails and completion retries, rather than shipping a seal without the
validation data it was configured to carry.
"""

from __future__ import annotations

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
