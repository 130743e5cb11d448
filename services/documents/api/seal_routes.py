"""The caller's organisation seal (docs/signed-pdf.md): GET its public chain, PUT its own PKCS#12,
DELETE it to go back to the platform-issued certificate.

The upload is `multipart/form-data` with the PKCS#12 in the form field `file` and its password in
`password`: the shape of a browser form and of `curl -F`, the same as POST /api/v1/verify, and how
signing platforms take a certificate (Adobe Acrobat Sign, DocuSign's admin console: a .p12/.pfx
file plus its password). The file's bytes travel as they are, no base64 to undo.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from services.documents.adapters.sealing.pkcs12_upload import Pkcs12Refused
from services.documents.commands.deps import DEPS
from services.documents.commands.seal_identity import OrgSeal, upload_identity
from services.documents.db.seal_repository import CertificateInUse
from shared.context import org_id_of
from shared.contracts.seal import CERTIFICATE_PATH, FILE_FIELD, PASSWORD_FIELD, PEM_CHAIN_MEDIA
from shared.contracts.verify import MULTIPART
from shared.db import POOL
from shared.multipart import MALFORMED_MULTIPART, malformed_multipart, read_capped
from shared.problems import FieldError, Problem
from shared.service import SETTINGS

MAX_PASSWORD_BYTES = 1024
# Refusals about the password, not the file: the form field they point at.
_PASSWORD_CODES = frozenset({"pkcs12-wrong-password"})


def _chain_response(seal: OrgSeal) -> web.Response:
    return web.Response(
        text=seal.chain_pem,
        content_type=PEM_CHAIN_MEDIA,
        headers={"X-Certificate-SHA256": seal.cert_sha256, "X-Certificate-Source": seal.source},
    )


async def org_certificate(request: web.Request) -> web.Response:
    # Issued now when the organisation has none yet: a relying party may want the chain before
    # the first document completes.
    return _chain_response(await request.app[DEPS].sealer.org_seal(request.app[POOL], org_id_of(request)))


async def _form(request: web.Request, max_file_bytes: int) -> tuple[bytes, str]:
    """(the PKCS#12 bytes, its password) from the multipart form; other fields are ignored."""
    if request.content_type != MULTIPART:
        raise Problem(
            415, "Send the PKCS#12 as multipart/form-data: fields `file` and `password`", slug="multipart-required"
        )
    found: dict[str, bytes] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == FILE_FIELD:
                found[FILE_FIELD] = await read_capped(part, max_file_bytes, "PKCS#12 file")
            elif isinstance(part, BodyPartReader) and part.name == PASSWORD_FIELD:
                found[PASSWORD_FIELD] = await read_capped(part, MAX_PASSWORD_BYTES, "password")
            else:
                await part.release()
    except MALFORMED_MULTIPART:
        raise malformed_multipart() from None
    errors = [FieldError(name, "Required") for name in (FILE_FIELD, PASSWORD_FIELD) if not found.get(name)]
    if errors:
        raise Problem(422, "Send the PKCS#12 in the field `file` and its password in `password`", errors=errors)
    try:
        password = found[PASSWORD_FIELD].decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(422, "The password is not UTF-8 text", errors=[FieldError(PASSWORD_FIELD, "Not UTF-8")]) from None
    return found[FILE_FIELD], password


async def upload_org_certificate(request: web.Request) -> web.Response:
    data, password = await _form(request, request.app[SETTINGS].seal_upload_max_bytes)
    sealer = request.app[DEPS].sealer
    try:
        seal = await upload_identity(request.app[POOL], org_id_of(request), data, password, sealer.keyring)
    except Pkcs12Refused as refused:
        field = PASSWORD_FIELD if refused.code in _PASSWORD_CODES else FILE_FIELD
        raise Problem(422, refused.message, slug=refused.code, errors=[FieldError(field, refused.message)]) from None
    except CertificateInUse:
        raise Problem(
            409, "This certificate already seals another organisation's documents", slug="certificate-in-use"
        ) from None
    return _chain_response(seal)


async def remove_org_certificate(request: web.Request) -> web.Response:
    # Idempotent, and never a 404: an organisation always has a seal certificate; DELETE removes
    # its own and answers the platform-issued chain that seals from now on, as GET then answers it.
    return _chain_response(await request.app[DEPS].sealer.platform_seal(request.app[POOL], org_id_of(request)))


def add_seal_routes(app: web.Application) -> None:
    app.router.add_get(CERTIFICATE_PATH, org_certificate)
    app.router.add_put(CERTIFICATE_PATH, upload_org_certificate)
    app.router.add_delete(CERTIFICATE_PATH, remove_org_certificate)
