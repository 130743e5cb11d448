"""A signature uploaded as a picture: POST /api/v1/signing/{token}/fields/{fieldId}/signature-image.

Nothing is stored: the answer is the cleaned PNG (pdf/signature_upload.py) as the data URL of a
drawn value, which the page then sends with POST …/sign like a drawing, where it is checked again
(signing_validation). So an upload that is refused changes nothing, and one that is accepted
changes nothing either until the signer finishes.

As every signer command: the signer's own signature or initials field, their turn, after the
one-time code; checked before the image is decoded, so a refused request costs no decoding.
The decoding runs in a warm worker of the sandbox pool, as every stranger's file does (in a
worker thread when the service runs without a pool, SANDBOX_POOL_SIZE=0).
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

import asyncpg

from services.documents.adapters.image_jobs import run_image_job
from services.documents.adapters.sandbox_pool import SandboxPool
from services.documents.commands.deps import Deps
from services.documents.commands.field_attachments import own_field
from services.documents.commands.signing_session import Session, run
from services.documents.domain.errors import FieldIssue, Invalid
from services.documents.domain.signing_validation import SIGNATURE_TYPES
from services.documents.pdf.signature_upload import SignatureImageRefused, prepare_signature
from shared.context import RequestContext

FILE_FIELD = "file"


@dataclass(frozen=True, slots=True)
class PreparedSignature:
    png: bytes
    width: int
    height: int

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def refused(exc: SignatureImageRefused) -> Invalid:
    return Invalid(exc.message, code=exc.code, fields=[FieldIssue(FILE_FIELD, exc.message)])


async def prepare(deps: Deps, token: str, ctx: RequestContext, field_id: str, data: bytes) -> PreparedSignature:
    async def box_of(conn: asyncpg.Connection, session: Session) -> tuple[float, float]:
        field = await own_field(conn, session, field_id)
        if field["type"] not in SIGNATURE_TYPES:
            raise Invalid(
                "Only signature and initials fields take a signature image",
                code="not-a-signature-field",
                fields=[FieldIssue("fieldId", f"This is a {field['type']} field")],
            )
        return float(field["width"]), float(field["height"])

    width, height = await run(deps.pool, token, ctx, box_of, lock="share")
    try:
        if deps.sandbox is None:
            png = await asyncio.to_thread(prepare_signature, data, width, height)
        else:
            png = await _in_sandbox(deps, deps.sandbox, data, width, height)
    except SignatureImageRefused as exc:
        raise refused(exc) from None
    size = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR's width, height
    return PreparedSignature(png, *size)


async def _in_sandbox(deps: Deps, sandbox: SandboxPool, data: bytes, width: float, height: float) -> bytes:
    """The decoding in a warm worker of the sandbox pool, like every other stranger's file
    (docs/security.md); a worker that dies on the image costs that job only, and the signer is
    told the image could not be used."""
    reply = await run_image_job(sandbox, deps.settings, "signature", data, width=width, height=height)
    if reply is None:
        raise SignatureImageRefused("signature-image-invalid", "The image could not be processed; try another one.")
    if not reply.get("ok"):
        raise SignatureImageRefused(str(reply["code"]), str(reply["message"]))
    return base64.b64decode(reply["png"])
