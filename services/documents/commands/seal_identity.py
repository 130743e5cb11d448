"""Each organisation's seal identity: issued by the platform CA at first use, key sealed at rest.

The private key is stored sealed with SECRETS_ENCRYPTION_KEYS (shared/secretbox.py), bound to
its organisation by the context, so a key copied to another organisation's row does not open.
Two workers issuing for the same organisation at once both generate a key; the first INSERT
wins and both use the stored one (ON CONFLICT), so an organisation never has two live identities.
A certificate within a day of expiry is replaced by a fresh one on next use.

An organisation may instead upload its own (PUT /api/v1/org/certificate, `upload_identity`): it is
stored the same way, with source 'uploaded', and seals from then on; when it comes within a day of
expiry, the platform issues one again (the organisation uploads a renewed one before that).
DELETE /api/v1/org/certificate (`org_seal(..., platform_only=True)`) goes back to a platform-issued one.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from services.documents.adapters.sealing.authority import CertificateAuthority
from services.documents.adapters.sealing.pkcs12_upload import parse_pkcs12
from services.documents.adapters.sealing.seal import SealIdentity
from services.documents.db import seal_repository
from shared.secretbox import Keyring


def key_context(org_id: str) -> str:
    return f"documents.seal_key:{org_id}"


def cert_fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class OrgSeal:
    """An organisation's stored seal identity, its key opened."""

    identity: SealIdentity
    chain_pem: str
    cert_sha256: str
    not_after: datetime
    source: str  # 'platform' (issued by the platform CA) or 'uploaded' (the organisation's own)


def _split_chain(chain_pem: str) -> list[bytes]:
    marker = "-----END CERTIFICATE-----"
    return [(part.strip() + "\n" + marker + "\n").encode() for part in chain_pem.split(marker) if part.strip()]


def _opened(row: asyncpg.Record, keyring: Keyring) -> OrgSeal:
    key_pem = keyring.open(row["private_key"], key_context(row["org_id"])).encode()
    return OrgSeal(
        SealIdentity(key_pem, _split_chain(row["chain_pem"])),
        row["chain_pem"],
        row["cert_sha256"],
        row["not_after"],
        row["source"],
    )


def _sealed_key(keyring: Keyring, org_id: str, key_pem: bytes) -> str:
    return keyring.seal(key_pem.decode(), key_context(org_id))


async def _stored_seal(pool: asyncpg.Pool, org_id: str, keyring: Keyring) -> OrgSeal:
    """The live identity just stored, re-read: a concurrent writer's row may be the one that won."""
    row = await seal_repository.live_identity(pool, org_id)
    if row is None:  # pragma: no cover - a row just stored, live for at least another day
        raise RuntimeError(f"no live seal identity for organisation {org_id} after storing one")
    return _opened(row, keyring)


async def org_seal(
    pool: asyncpg.Pool,
    org_id: str,
    authority: CertificateAuthority,
    keyring: Keyring,
    valid_days: int,
    crl_url: str | None = None,
    *,
    platform_only: bool = False,
) -> OrgSeal:
    """The organisation's seal identity, issued now if it has none (or only an expiring one).

    `platform_only`: back to the platform CA (DELETE /api/v1/org/certificate). The organisation's
    uploaded identity (if any) is deleted first, key and all, so the platform one it has (or gets
    now) seals every document completed from then on. Idempotent."""
    if platform_only:
        await seal_repository.remove_uploaded_identity(pool, org_id)
    row = await seal_repository.live_identity(pool, org_id)
    if row is not None:
        return _opened(row, keyring)
    # Key generation and signing are CPU work: off the event loop.
    issued = await asyncio.to_thread(authority.issue_seal_certificate, org_id, datetime.now(UTC), valid_days, crl_url)
    cert = x509.load_pem_x509_certificate(issued.cert_pem)
    await seal_repository.store_identity(
        pool,
        org_id,
        issued.cert_pem.decode() + authority.cert_pem.decode(),
        _sealed_key(keyring, org_id, issued.key_pem),
        cert_fingerprint(issued.cert_pem),
        cert.not_valid_after_utc,
    )
    return await _stored_seal(pool, org_id, keyring)


async def upload_identity(pool: asyncpg.Pool, org_id: str, pkcs12: bytes, password: str, keyring: Keyring) -> OrgSeal:
    """Make the organisation's own PKCS#12 its seal identity. Raises Pkcs12Refused (nothing stored)
    when the file cannot be one, seal_repository.CertificateInUse when another organisation seals
    with the same certificate."""
    # Key derivation and parsing are CPU work (bounded by parse_pkcs12's limits): off the event loop.
    # parse_pkcs12 refuses a certificate expiring within a day, so the stored one is live.
    uploaded = await asyncio.to_thread(parse_pkcs12, pkcs12, password, datetime.now(UTC))
    await seal_repository.store_uploaded_identity(
        pool,
        org_id,
        uploaded.chain_pem,
        _sealed_key(keyring, org_id, uploaded.key_pem),
        uploaded.cert_sha256,
        uploaded.not_after,
    )
    return await _stored_seal(pool, org_id, keyring)
