"""Request and response bodies of the file endpoints (upload URL, download), as pydantic models.

Shapes follow documents-api.txt ("Upload document file", "Download a document"). The download
answers raw PDF bytes, not JSON: the route table (shared/contracts/routes.py) describes it by the
raw JSON schema PDF_BODY and its media type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, WithJsonSchema

from shared.contracts.common import RequestModel, ResponseModel
from shared.text import SINGLE_LINE

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UploadContentType = Literal["application/pdf", "image/png", "image/jpeg", "image/webp"]


class UploadRequest(RequestModel):
    """Body of POST /api/v1/documents/{id}/upload: what the client is about to upload.

    Images (PNG, JPEG, WebP) become a one-page PDF once verified. With `fileSize`, the presigned
    request is bound to that length, and the uploaded object must have exactly that size."""

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), SINGLE_LINE] = (
        Field(default="document.pdf", description="Original filename; sanitised for storage (default: document.pdf)")
    )
    contentType: UploadContentType = Field(default="application/pdf", description="MIME type of the file")
    fileSize: Annotated[int, Field(ge=1, le=MAX_UPLOAD_BYTES)] | None = Field(
        default=None, description="File size in bytes (max 50 MB); when given, the upload must be exactly this size"
    )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # a null default would contradict the (never null) string type


class UploadHeaders(ResponseModel):
    """Headers to send with the PUT, exactly as given: they are part of the URL's signature."""

    model_config = {"populate_by_name": True}

    contentType: str = Field(serialization_alias="Content-Type", validation_alias="Content-Type")
    # Omitted (never null) when the request was not bound to a size.
    contentLength: Annotated[
        str | None, WithJsonSchema({"type": "string", "description": "Present when fileSize was given"})
    ] = Field(
        default=None,
        serialization_alias="Content-Length",
        validation_alias="Content-Length",
        json_schema_extra=_no_default,
    )


class UploadInstructions(ResponseModel):
    """Where and how to PUT the file."""

    uploadUrl: str
    fileKey: str
    expiresIn: int = Field(description="Seconds until uploadUrl expires")
    method: Literal["PUT"] = "PUT"
    headers: UploadHeaders


class UploadResponse(ResponseModel):
    """POST /api/v1/documents/{id}/upload."""

    data: UploadInstructions

    def dump(self) -> dict[str, Any]:
        # Content-Length is present only when the request was bound to a size.
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


PDF_MEDIA = "application/pdf"
PDF_BODY: dict[str, Any] = {
    "description": (
        "The document PDF: the signed PDF once the document is completed, otherwise the original "
        "(an uploaded image as the one-page PDF it was converted to). Sent with Content-Length and "
        '`Content-Disposition: attachment; filename="<Name>.pdf"` (`<Name> - Signed.pdf` when signed).'
    ),
    "contentMediaType": PDF_MEDIA,
}
