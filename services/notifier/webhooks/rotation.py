"""Re-sealing every webhook secret under the current key: `countersign secrets rotate`.

Also how rows from before sealing (migration 0004) get sealed. Safe with the services running
and with another rotation running at the same time: each row is replaced by compare-and-swap on
its stored value, so a row re-sealed or deleted meanwhile is left alone, and a delivery reads
either the old value or the new one — both open while the old key is still in the keyring.
Idempotent: rows already under the current key are not even read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from services.notifier.webhooks import repository as repo
from services.notifier.webhooks import secret_store
from shared.secretbox import Keyring, SecretUnreadable

BATCH = 200


@dataclass
class RotationReport:
    resealed: int = 0
    # re-sealed or deleted by someone else between our read and our write
    changed_meanwhile: int = 0
    # webhook ids whose secret no key of the keyring opens (a key was removed too early)
    unreadable: list[str] = field(default_factory=list)
    # after the pass: rows still not under the current key (the unreadable ones, or rows just
    # written by a replica that does not have the new key first yet)
    remaining: int = 0


async def reseal_webhook_secrets(conn: asyncpg.Connection, keyring: Keyring, batch: int = BATCH) -> RotationReport:
    report = RotationReport()
    prefix = keyring.current_prefix()
    after = ""
    while True:
        rows = await repo.secrets_to_reseal(conn, prefix, after, batch)
        for row in rows:
            try:
                sealed = secret_store.resealed(keyring, row["id"], row["secret"])
            except SecretUnreadable:
                report.unreadable.append(row["id"])
                continue
            if sealed is None:
                continue
            if await repo.replace_secret(conn, row["id"], row["secret"], sealed):
                report.resealed += 1
            else:
                report.changed_meanwhile += 1
        if len(rows) < batch:
            break
        after = rows[-1]["id"]
    report.remaining = await repo.count_not_sealed_with(conn, prefix)
    return report
