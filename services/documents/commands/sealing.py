"""What the completion worker calls to seal a built PDF: the organisation's identity + the TSA.

The documents app installs one Sealer from its settings (`seal_ctx`). The completion worker's
functions take only a pool and the storage (tests and other workers call them that way), so the
build step reaches the sealer installed by the running documents app (`seal_completed`) instead
of having it threaded through every signature: the CA, the keyring and the TSA are configuration
of the whole process, like its logging.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper

from services.documents.adapters.sealing.authority import AuthorityError, CertificateAuthority
from services.documents.adapters.sealing.seal import seal_file
from services.documents.commands.seal_identity import OrgSeal, org_seal
from shared.secretbox import Keyring
from shared.service import SETTINGS
from shared.settings import Settings


@dataclass(frozen=True)
class Sealer:
    authority: CertificateAuthority = field(repr=False)
    keyring: Keyring = field(repr=False)
    certificate_days: int
    tsa_url: str | None
    tsa_timeout_seconds: float

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
        )

    def timestamper(self) -> TimeStamper | None:
        if self.tsa_url is None:
            return None
        return HTTPTimeStamper(self.tsa_url, timeout=self.tsa_timeout_seconds)

    async def org_seal(self, pool: asyncpg.Pool, org_id: str) -> OrgSeal:
        return await org_seal(pool, org_id, self.authority, self.keyring, self.certificate_days)

    async def seal(self, pool: asyncpg.Pool, org_id: str, source: Path, target: Path) -> None:
        identity = (await self.org_seal(pool, org_id)).identity
        await asyncio.to_thread(seal_file, source, target, identity, self.timestamper())


SEALER = web.AppKey("sealer", Sealer)
_installed: list[Sealer] = []


def installed_sealer() -> Sealer:
    if not _installed:
        raise RuntimeError("no documents app has installed a sealer: documents are never completed unsealed")
    return _installed[-1]


async def seal_completed(pool: asyncpg.Pool, document: Mapping[str, Any], source: Path, target: Path) -> None:
    """The built PDF of a completed document (`source`), sealed by its organisation into `target`
    (raises when it cannot be: the completion worker then retries, and never stores an unsealed file)."""
    await installed_sealer().seal(pool, document["org_id"], source, target)


def add_sealing(app: web.Application) -> None:
    """The app's sealer, loaded now so that a missing or broken CA stops the service at start-up,
    and installed for the completion worker while the app runs."""
    sealer = Sealer.from_settings(app[SETTINGS])
    app[SEALER] = sealer

    async def installed(_: web.Application) -> AsyncIterator[None]:
        _installed.append(sealer)
        yield
        _installed.remove(sealer)

    app.cleanup_ctx.append(installed)
