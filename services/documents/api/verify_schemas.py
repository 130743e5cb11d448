"""POST /api/v1/verify: a PDF in, a verdict out (docs/signed-pdf.md#verifying-through-the-api).

The request is `multipart/form-data` with the file in the form field `file`: REQUEST_MEDIA says so
to the OpenAPI builder, and the request model describes the form's one field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from services.documents.api.schemas import ResponseModel, Timestamp
from services.documents.verification.verdict import RecordMatch, VerdictCode

VERIFY_PATH = "/api/v1/verify"
VERIFY = ("POST", VERIFY_PATH)
MULTIPART = "multipart/form-data"


class VerifyUpload(BaseModel):
    """A PDF to verify, as the form field `file` of a multipart/form-data body. No API key needed."""

    file: Annotated[bytes, WithJsonSchema({"type": "string", "contentMediaType": "application/pdf",
                                           "description": "The PDF file (any name)."})]


class VerifiedDocument(ResponseModel):
    """The document whose sealed file this is: only what its certificate of completion already shows."""

    id: str
    name: str
    orgId: str = Field(description="The organisation that sent it (also in the seal certificate's O attribute)")
    pageCount: int | None = Field(description="Pages of the original, before the certificate of completion")
    completedAt: Timestamp | None


class SealFindings(ResponseModel):
    """What the file's seal says, checked against the platform CA (null where there is no seal to say it)."""

    present: bool = Field(description="The file carries a digital signature")
    intact: bool | None = Field(description="The signed bytes are unchanged (the digest matches)")
    valid: bool | None = Field(description="The signature verifies with its certificate's key")
    trusted: bool | None = Field(description="The certificate was issued by this platform's seal CA")
    coversWholeFile: bool | None = Field(description="The seal covers every byte of the file")
    modifiedAfterSeal: bool | None = Field(description="Bytes were added or rewritten after the seal")
    organizationId: str | None = Field(description="The organisation named by the seal certificate (O attribute)")
    certificateSubject: str | None
    certificateSha256: str | None = Field(description="SHA-256 of the seal certificate (DER), as X-Certificate-SHA256")
    signedAt: Timestamp | None = Field(description="The signing time the seal claims")
    timestampAt: Timestamp | None = Field(description="The timestamp authority's time (PAdES B-T), if any")
    timestampValid: bool | None = Field(description="The timestamp token verifies and chains to the platform CA")


class VerifyResult(ResponseModel):
    """The verdict on a file: which document it is, whether it is our bytes, and what its seal says."""

    verdict: VerdictCode = Field(description="Stable code; see docs/signed-pdf.md for each one")
    message: str
    fileSha256: str
    fileSize: int
    matchesRecord: bool = Field(description="The file's SHA-256 is a completed document's signedFileHash")
    record: RecordMatch = Field(description="What of ours the file's hash matched: a sealed file, an original, nothing")
    document: VerifiedDocument | None = Field(description="Only for a sealed file we produced (record = sealed)")
    seal: SealFindings


REQUEST_MODELS: dict[tuple[str, str], type[BaseModel]] = {VERIFY: VerifyUpload}
REQUEST_MEDIA: dict[tuple[str, str], str] = {VERIFY: MULTIPART}
RESPONSE_MODELS: dict[tuple[str, str], Any] = {VERIFY: (200, VerifyResult)}
# 429: the client address's verification budget (VERIFY_RATE_LIMIT_PER_MINUTE).
EXTRA_ERROR_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {VERIFY: (429,)}
