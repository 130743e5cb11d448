"""`countersign emails failed | requeue`: the operator's view of emails that will not go out.

These endpoints are org-wide by design, so they are operator endpoints: the notifier answers them
only to the `operator` caller (shared/callers.py), which the gateway never is. The CLI calls the
notifier directly, at NOTIFIER_URL, with that credential.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import aiohttp

from services.cli_output import answer, fail
from shared.internal_client import InternalClient, Unavailable
from shared.settings import Settings, get_settings


async def _call(settings: Settings, method: str, path: str, params: dict[str, str] | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        notifier = InternalClient(
            session, settings.upstreams("notifier"), settings.beside_make_run().require_internal_secret(), "operator"
        )
        try:
            answer = await notifier.call(method, path, params=params)
        except Unavailable:
            where = " or ".join(settings.upstreams("notifier"))
            raise SystemExit(f"the notifier did not answer at {where}") from None
    return answer.status, answer.body


async def dead_letters(settings: Settings, limit: int) -> list[dict[str, Any]]:
    status, body = await _call(settings, "GET", "/internal/emails/dead-letters", {"limit": str(limit)})
    if status != 200:
        raise SystemExit(f"the notifier answered {status}: {body.get('detail') if isinstance(body, dict) else body}")
    return list(body["data"])


async def requeue(settings: Settings, email_id: str) -> tuple[int, Any]:
    return await _call(settings, "POST", f"/internal/emails/{email_id}/requeue")


def cmd_dead_letters(args: argparse.Namespace) -> int:
    rows = asyncio.run(dead_letters(get_settings(), args.limit))
    table = [
        f"{r['id']}  {r['status']:<8}  {r['orgId']}  {r['eventType']:<24}  {r['recipient']}  {r['lastError'] or ''}"
        for r in rows
    ]
    return answer(args.json, rows, table or ["no dead letters"])


def cmd_requeue(args: argparse.Namespace) -> int:
    status, body = asyncio.run(requeue(get_settings(), args.email_id))
    if status != 202:
        return fail(str(body.get("detail") if isinstance(body, dict) else body))
    return answer(args.json, body.get("data", body) if isinstance(body, dict) else body, [f"requeued {args.email_id}"])


def add_email_commands(sub: Any) -> None:
    emails = sub.add_parser("emails", help="emails that will not be sent (operator)").add_subparsers(
        dest="emails_command", required=True
    )
    # `dead-letters` was its first name; scripts that use it keep working.
    listing = emails.add_parser(
        "failed", aliases=["dead-letters"], help="failed and bounced emails, of every organisation"
    )
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_dead_letters)
    again = emails.add_parser("requeue", help="send a failed email again from scratch")
    again.add_argument("email_id")
    again.add_argument("--json", action="store_true")
    again.set_defaults(func=cmd_requeue)
