"""What the completion worker calls to seal a built PDF: the organisation's identity + the TSA.

The documents app loads one Sealer from its settings when it is created (a missing or broken CA
stops the service at start-up, not at the first completion) and hands it to the use cases and
workers in `Deps` (commands/deps.py), like the storage and the upload checker. `from_settings`
gives it processes of its own to seal in (adapters/sealing/seal_processes.py: one per completion
that may run at once); a Sealer made without them seals in a thread of the caller's process.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from pyhanko.sign.timestamps.api import TimeStamper

from services.documents.adapters.sealing.authority import AuthorityError, CertificateAuthority
from services.documents.adapters.sealing.revocation import CrlCache
from services.documents.adapters.sealing.seal import reserved_size, seal_file
from services.documents.adapters.sealing.seal_processes import SealProcesses
from services.documents.adapters.sealing.timestamper import TimestampClient
from services.documents.commands.seal_identity import OrgSeal, org_seal
from shared.secretbox import Keyring
from shared.settings import Settings


@dataclass(frozen=True)
class Sealer:
    authority: CertificateAuthority = field(repr=False)
    keyring: Keyring = field(repr=False)
    certificate_days: int
    tsa_url: str | None
    tsa_timeout_seconds: float
    # Where the platform CA publishes its CRL: named in the certificates it issues, and fetched
    # into every platform seal (PAdES B-LT). None: no revocation data (B-T / B-B).
    crl_url: str | None = None
    # The CRL above, reused for a few minutes (adapters/sealing/revocation.py).
    crls: CrlCache | None = field(default=None, repr=False, compare=False)
    # One TSA client for every seal of the process (adapters/sealing/timestamper.py: each seal
    # then asks the TSA once, and no TLS context is built per seal).
    tsa: TimestampClient | None = field(default=None, repr=False, compare=False)

    # The seal placeholder's size per certificate (sha256), learnt from the first seal with it
    # (adapters/sealing/seal.py `reserved_size`), so later seals skip pyHanko's dry-run sizing.
    reserved: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    # Where seals run: processes of their own (which keep their own TSA client), or None: a
    # thread of this process, with `tsa` above.
    processes: SealProcesses | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tsa is None and self.tsa_url is not None:
            object.__setattr__(self, "tsa", TimestampClient(self.tsa_url, self.tsa_timeout_seconds))
        if self.crls is None and self.crl_url is not None:
            object.__setattr__(self, "crls", CrlCache(self.crl_url, self.authority.cert, self.tsa_timeout_seconds))

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer:
        cert_file, key_file = settings.require_seal_ca_files()
        password = settings.seal_ca_key_password.get_secret_value().encode() if settings.seal_ca_key_password else None
        try:
            authority = CertificateAuthority.from_pem(cert_file.read_bytes(), key_file.read_bytes(), password)
        except OSError as exc:
            raise SystemExit(f"cannot read the seal CA ({exc.filename}): {exc.strerror}") from None
        except AuthorityError as exc:
            raise SystemExit(f"{exc} (SEAL_CA_CERT_FILE, SEAL_CA_KEY_FILE)") from None
        return cls(
            authority,
            settings.require_secrets_keyring(),
            settings.seal_certificate_days,
            settings.tsa_url or None,
            settings.tsa_timeout_seconds,
            settings.seal_crl_url or None,
            processes=SealProcesses(
                settings.completion_concurrency,
                settings.tsa_url or None,
                settings.tsa_timeout_seconds,
                niceness=settings.seal_nice,
            ),
        )

    async def start(self) -> None:
        if self.processes is not None:
            await self.processes.start()

    async def close(self) -> None:
        if self.processes is not None:
            await self.processes.close()

    def timestamper(self) -> TimeStamper | None:
        return self.tsa.get() if self.tsa is not None else None

    async def org_seal(self, pool: asyncpg.Pool, org_id: str, *, platform_only: bool = False) -> OrgSeal:
        return await org_seal(
            pool,
            org_id,
            self.authority,
            self.keyring,
            self.certificate_days,
            self.crl_url,
            platform_only=platform_only,
        )

    async def platform_seal(self, pool: asyncpg.Pool, org_id: str) -> OrgSeal:
        """The organisation back on a platform-issued identity (DELETE /api/v1/org/certificate)."""
        return await self.org_seal(pool, org_id, platform_only=True)

    async def seal(self, pool: asyncpg.Pool, org_id: str, source: Path, target: Path) -> None:
        seal = await self.org_seal(pool, org_id)
        # B-LT for the platform's own chain, whose CRL we publish (fetched within the last few
        # minutes: unavailable fails the seal, and completion retries); an organisation's uploaded
        # certificate is sealed B-T: its chain's revocation sources are not ours to depend on.
        crls: list[bytes] = []
        if self.crls is not None and seal.source == "platform":
            crls.append(await self.crls.get())
        reserved = self.reserved.get(seal.cert_sha256)
        if self.processes is not None:
            try:
                learnt = await self.processes.seal(source, target, seal.identity, crls, reserved)
            except Exception:
                self.reserved.clear()  # the worker dropped its TSA client; size afresh too
                raise
            if learnt is not None:
                self.reserved[seal.cert_sha256] = learnt
            return
        stamper = self.tsa.get() if self.tsa is not None else None
        try:
            await asyncio.to_thread(seal_file, source, target, seal.identity, stamper, crls, reserved)
            if reserved is None:
                self.reserved[seal.cert_sha256] = await asyncio.to_thread(reserved_size, target)
        except Exception:
            # The retry sizes everything afresh: the TSA's token and the placeholder.
            if self.tsa is not None and stamper is not None:
                self.tsa.discard(stamper)
            self.reserved.clear()
            raise
