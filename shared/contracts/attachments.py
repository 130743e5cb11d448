"""Attachments of a document (api-attachments.txt): supplementary files sent along with it.

Upload is `multipart/form-data` with the file in the form field `file`, as the reference's curl
(`-F "file=@terms.pdf"`) sends it: its row of the route table says so with `request_media`, and
the gateway lets this route alone read up to ATTACHMENT_MAX_BYTES plus the form's framing. Limits
are the reference's: 5 per document, 10 MB per file, PDF, JPG, PNG or WebP, images converted to
PDF.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, WithJsonSchema

from shared.contracts.common import ResponseModel
from shared.contracts.document_responses import Attachment

FILE_FIELD = "file"
MAX_ATTACHMENTS = 5
# The multipart framing around the file (boundaries, part headers) that the gateway allows beyond
# the file's own cap.
MULTIPART_ALLOWANCE = 64 * 1024


class AttachmentUpload(BaseModel):
    """An attachment, as the form field `file` of a multipart/form-data body (the part's filename
    becomes `fileName`)."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "A PDF, JPG, PNG or WebP file of at most 10 MB (images are converted to PDF).",
            }
        ),
    ]


class AttachmentListResponse(ResponseModel):
    """GET /api/v1/documents/{id}/attachments, in order."""

    data: list[Attachment]


class AttachmentResponse(ResponseModel):
    """POST /api/v1/documents/{id}/attachments."""

    data: Attachment
