"""The seal's public operation (docs/signed-pdf.md): the organisation's certificate chain, as PEM
text, not JSON (a raw JSON schema and its media type, like the PDF downloads)."""

from __future__ import annotations

from typing import Any

CERTIFICATE_PATH = "/api/v1/org/certificate"
# RFC 8555 §9.1: certificates in PEM, the end-entity certificate first, then its issuers.
PEM_CHAIN_MEDIA = "application/pem-certificate-chain"
PEM_CHAIN_BODY: dict[str, Any] = {
    "contentMediaType": PEM_CHAIN_MEDIA,
    "description": (
        "The certificate chain that seals this organisation's completed documents, PEM: the "
        "organisation's certificate first, then the platform CA that issued it. Issued at first use "
        "(this request or the first completed document). Trust the last certificate (the CA) to "
        "validate the seals; the first one names the organisation (its O attribute is the "
        "organisation id)."
    ),
}
