"""POST /api/v1/verify: a PDF in, a verdict out (docs/signed-pdf.md#verifying-through-the-api).

The request is `multipart/form-data` with the file in the form field `file`: its row of the route
table (routes.py) says so with `request_media`, and the request model describes the form's one
field. The verdict codes are the API's stable vocabulary; the documents service's pure rules
(services/documents/domain/verdict.py) decide which one a file gets.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from shared.contracts.common import ResponseModel, Timestamp

VERIFY_PATH = "/api/v1/verify"
MULTIPART = "multipart/form-data"
FORM_FIELD = "file"

# From the best news to the worst; each one is described in docs/signed-pdf.md.
VerdictCode = Literal[
    "authentic",
    "sealed-unrecorded",
    "original",
    "appended",
    "untrusted-seal",
    "tampered",
    "rewritten",
    "truncated",
    "unknown",
    "unreadable",
]
# What of ours the file's SHA-256 matched: a completed document's sealed file, an original, nothing.
RecordMatch = Literal["sealed", "original", "none"]


class VerifyUpload(BaseModel):
    """A PDF to verify, as the form field `file` of a multipart/form-data body. No API key needed."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {"type": "string", "contentMediaType": "application/pdf", "description": "The PDF file (any name)."}
        ),
    ]


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
