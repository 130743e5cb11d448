"""`countersign outbox status`: each service's unpublished events and how long the oldest waited.

Read from the database (shared/outbox_backlog.py). A backlog that grows, or an oldest row older
than a few seconds, means the service's relay is not publishing: RabbitMQ is unreachable, or no
replica of that service is running.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from services.cli_output import answer
from shared.outbox_backlog import Backlog, outbox_backlogs


def as_json(backlog: Backlog) -> dict[str, Any]:
    return {"service": backlog.service, "pending": backlog.pending, "oldestAgeSeconds": backlog.oldest_age_seconds}


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def cmd_outbox_status(args: argparse.Namespace) -> int:
    from services.cli import _with_conn

    backlogs = asyncio.run(_with_conn(outbox_backlogs))
    table = [f"{b.service:<12}  {b.pending:>8}  {_age(b.oldest_age_seconds)}" for b in backlogs]
    return answer(args.json, [as_json(b) for b in backlogs], [f"{'service':<12}  {'pending':>8}  oldest", *table])


def add_outbox_commands(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="the services' event outboxes").add_subparsers(
        dest="outbox_command", required=True
    )
    status = outbox.add_parser("status", help="unpublished events per service and the oldest one's age")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_outbox_status)
