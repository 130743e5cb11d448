"""Verify a file: its seal (in a sandbox worker), our records, the verdict.

What the answer reveals, and why (docs/signed-pdf.md): for the sealed file we produced, the
document's id, name, organisation, page count and completion time — all printed on its
certificate of completion, so the holder already has them. For an original, only that it is one:
the same blank form may be many organisations' document, and its holder has been shown none of
them. The seal's findings come from the file itself. The API turns a `Verification` into its
answer (api/verify_views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.documents.adapters.sealing.seal_check import check_seal
from services.documents.commands.deps import Deps
from services.documents.db import verify_repository
from services.documents.db.verify_repository import SealedDocument
from services.documents.domain.seal_report import SealReport
from services.documents.domain.verdict import Verdict, judge
from shared.contracts.verify import RecordMatch


@dataclass(frozen=True, slots=True)
class UploadedFile:
    path: Path  # a private temporary file, already capped in size
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Verification:
    file: UploadedFile
    report: SealReport
    record: RecordMatch
    document: SealedDocument | None  # only when the file is a sealed file we recorded
    verdict: Verdict


async def verify_file(deps: Deps, upload: UploadedFile, ca_pem_path: Path) -> Verification:
    report = await check_seal(
        upload.path, ca_pem_path, timeout_s=deps.settings.verify_timeout_seconds, sandbox=deps.sandbox
    )
    async with deps.pool.acquire() as conn:
        record, document = await verify_repository.match(conn, upload.sha256)
    return Verification(upload, report, record, document, judge(report, record))
