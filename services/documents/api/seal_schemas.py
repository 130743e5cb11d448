"""Schemas of the seal's public operations (docs/signed-pdf.md). The certificate chain is PEM
text, not JSON: a raw JSON schema in RESPONSE_MODELS and its media type in RESPONSE_MEDIA."""

from __future__ import annotations

from typing import Any

CERTIFICATE_PATH = "/api/v1/org/certificate"
# RFC 8555 §9.1: certificates in PEM, the end-entity certificate first, then its issuers.
PEM_CHAIN_MEDIA = "application/pem-certificate-chain"
PEM_CHAIN_BODY: dict[str, Any] = {
    "contentMediaType": PEM_CHAIN_MEDIA,
    "description": ("The certificate chain that seals this organisation's completed documents, PEM: the "
                    "organisation's certificate first, then the platform CA that issued it. Issued at first use "
                    "(this request or the first completed document). Trust the last certificate (the CA) to "
                    "validate the seals; the first one names the organisation (its O attribute is the "
                    "organisation id)."),
}

RESPONSE_MODELS: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {("GET", CERTIFICATE_PATH): (200, PEM_CHAIN_BODY)}
RESPONSE_MEDIA: dict[tuple[str, str], str] = {("GET", CERTIFICATE_PATH): PEM_CHAIN_MEDIA}
