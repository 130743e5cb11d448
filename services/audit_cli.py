"""`countersign audit verify DOC_ID`: recompute a document's audit chain from the database.

Exit status 0 when the chain is intact, 1 when it is broken (the first entry that does not match
is named), 2 when the document has no audit entries at all. `--json` prints the report as the API's
`GET /api/v1/documents/{id}/audit/verify` answers it (same exit status).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from services.cli_output import answer


def cmd_audit_verify(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the audit service's routes (aiohttp, every API contract)
    # were 0.4 s of CPU at the start of every `countersign` command, whichever it was.
    from services.audit.chain_check import chain_report
    from services.audit.routes import verification_body
    from services.cli import _with_conn

    report = asyncio.run(_with_conn(lambda conn: chain_report(conn, args.document_id)))
    code = (2 if report.entries == 0 else 0) if report.ok else 1
    if report.ok and report.entries == 0:
        line = f"{args.document_id}: no audit entries"
    elif report.ok:
        line = (
            f"{args.document_id}: chain intact, {report.entries} entries, head {report.head.hash} "
            f"(position {report.head.position})"
        )
    else:
        entry = f"entry {report.entry_id}" if report.entry_id else "a missing entry"
        line = f"{args.document_id}: chain BROKEN at position {report.broken_at} ({entry}): {report.reason}"
    # --json: the same body as GET /api/v1/documents/{id}/audit/verify answers (same exit status).
    return answer(args.json, verification_body(args.document_id, report).model_dump(), [line], code)


def add_audit_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    verify = audit.add_parser(
        "verify", help="recompute a document's audit chain and name the first entry that does not match"
    )
    verify.add_argument("document_id", metavar="DOC_ID")
    verify.add_argument("--json", action="store_true", help="the report as JSON (same exit status)")
    verify.set_defaults(func=cmd_audit_verify)
