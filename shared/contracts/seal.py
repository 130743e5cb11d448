"""The seal's public operation (docs/signed-pdf.md): the organisation's certificate chain, as PEM
text, not JSON (a raw JSON schema and its media type, like the PDF downloads)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

CERTIFICATE_PATH = "/api/v1/org/certificate"
# RFC 8555 §9.1: certificates in PEM, the end-entity certificate first, then its issuers.
PEM_CHAIN_MEDIA = "application/pem-certificate-chain"
PEM_CHAIN_BODY: dict[str, Any] = {
    "contentMediaType": PEM_CHAIN_MEDIA,
    "description": (
        "The certificate chain that seals this organisation's completed documents, PEM: the "
        "organisation's certificate first, then its issuers. By default the platform CA issues it at "
        "first use (this request or the first completed document); the first certificate's O "
        "attribute is then the organisation id. After PUT, it is the organisation's own chain as "
        "uploaded. Trust the last certificate (the root) to validate the seals. Header "
        "X-Certificate-Source says which: platform or uploaded."
    ),
}

# PUT /api/v1/org/certificate: the organisation's own certificate, a password-protected PKCS#12.
FILE_FIELD = "file"
PASSWORD_FIELD = "password"


class CertificateUpload(BaseModel):
    """The organisation's own seal certificate: `multipart/form-data` with the PKCS#12 (.p12/.pfx)
    in the field `file` and its password in `password`. It replaces the platform-issued
    certificate for every document completed from then on; the answer is the new chain, as GET."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {
                "type": "string",
                "contentMediaType": "application/pkcs12",
                "description": (
                    "PKCS#12 holding the private key (RSA >= 2048 bits or ECDSA P-256/384/521), its "
                    "certificate (valid now, for more than a day; keyUsage, if present, with "
                    "digitalSignature or nonRepudiation) and optionally its issuers. At most "
                    "SEAL_UPLOAD_MAX_BYTES (64 KiB)."
                ),
            }
        ),
    ]
    password: str = Field(min_length=1, max_length=1024, description="The PKCS#12 password (UTF-8)")
