"""`countersign secrets ...`: the keys that seal secrets at rest (docs/webhooks.md, "Secrets at rest").

- `secrets new-key` prints a fresh key for SECRETS_ENCRYPTION_KEYS.
- `secrets rotate` re-seals every stored webhook secret under the current (first) key: rows
  sealed under an older key, and rows from before sealing existed (plaintext). Idempotent, safe
  to run twice, concurrently, and with the services running (services/notifier/webhooks/rotation.py).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from services.cli_output import fail
from shared.migrate import apply_migrations, ensure_database
from shared.secretbox import Keyring, new_key
from shared.settings import get_settings

if TYPE_CHECKING:
    from services.notifier.webhooks.rotation import RotationReport


async def rotate_webhook_secrets(database_url: str, keyring: Keyring) -> RotationReport:
    import asyncpg

    # Imported here: building the CLI's parser should not load the notifier.
    from services.notifier.webhooks.rotation import reseal_webhook_secrets

    # The trigger that refuses plaintext (notifier 0004) must exist before anything is written.
    await ensure_database(database_url)
    await apply_migrations(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        return await reseal_webhook_secrets(conn, keyring)
    finally:
        await conn.close()


def describe(report: RotationReport, keyring: Keyring) -> str:
    lines = [f"webhook secrets re-sealed under key {keyring.current_id}: {report.resealed}"]
    if report.changed_meanwhile:
        lines.append(f"changed meanwhile (re-sealed or deleted by another process): {report.changed_meanwhile}")
    if report.unreadable:
        lines.append(f"unreadable with the configured keys ({len(report.unreadable)}): {', '.join(report.unreadable)}")
    lines.append(f"not yet under key {keyring.current_id}: {report.remaining}")
    return "\n".join(lines)


def cmd_rotate(_: argparse.Namespace) -> int:
    settings = get_settings()
    keyring = settings.require_secrets_keyring()
    report = asyncio.run(rotate_webhook_secrets(settings.database_url, keyring))
    print(describe(report, keyring))
    if report.unreadable:
        return fail(
            "put the key that sealed them back into SECRETS_ENCRYPTION_KEYS (after the first) and run this again"
        )
    if report.remaining:
        # Written meanwhile by a replica whose SECRETS_ENCRYPTION_KEYS does not start with the new key yet.
        return fail(
            "some secrets are still under an older key; give every replica the same "
            "SECRETS_ENCRYPTION_KEYS and run this again"
        )
    return 0


def cmd_new_key(_: argparse.Namespace) -> int:
    print(new_key())
    return 0


def add_secrets_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    secrets = sub.add_parser("secrets", help="keys that seal secrets at rest (webhook signing secrets)")
    commands = secrets.add_subparsers(dest="secrets_command", required=True)
    commands.add_parser(
        "rotate",
        help="re-seal every stored secret under the first key of SECRETS_ENCRYPTION_KEYS "
        "(also seals secrets stored before sealing existed); idempotent",
    ).set_defaults(func=cmd_rotate)
    commands.add_parser("new-key", help="print a fresh key for SECRETS_ENCRYPTION_KEYS").set_defaults(func=cmd_new_key)
