"""Seal a finished PDF: a PAdES certification signature, appended as an incremental update (pure-ish).

bytes + the organisation's key material + an optional timestamper -> sealed bytes. No database,
no S3; the only I/O is the timestamper's request to the TSA, when one is given.

- PAdES baseline (ETSI.CAdES.detached): B-B without a timestamper, B-T with one (the TSA's token
  on the signature), B-LT when `crls` are given as well: the chain and those revocation lists go
  into the file's DSS, so that the seal can be validated later without asking anyone. The DSS is
  written in the sealed revision itself, before the signature, so the seal covers it and still
  covers the whole file (docs/signed-pdf.md, "PAdES levels").
- A certification (DocMDP) signature with "no changes allowed": any later edit of the file, even
  a form fill or an annotation, makes readers report the certification as broken.
- Invisible (no widget on any page): the certificate-of-completion page already shows who signed
  what, readers show the seal in their signature panel, and a visible box would have to be placed
  on pages whose layout we do not control.
- An incremental update: the bytes we stamped and hashed before sealing stay the file's prefix.
- The document's metadata is left as the build wrote it (`_SealWriter`): /ModDate is the
  completion time and the Info dictionary and the XMP packet agree, which PDF/A requires.

Synchronous and CPU-bound: callers run it in a thread (pyHanko's sync API runs its own event loop
for the TSA request, which is fine in a worker thread).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.keys import (
    load_cert_from_pemder,
    load_certs_from_pemder_data,
    load_private_key_from_pemder_data,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

SEAL_FIELD = "CountersignSeal"
REASON = "Completed with Countersign: the signers' values and the certificate of completion, sealed"

__all__ = ["SEAL_FIELD", "SealIdentity", "load_cert_from_pemder", "reserved_size", "seal_file", "seal_pdf"]


@dataclass(frozen=True)
class SealIdentity:
    """Who seals: the signing key and its certificate chain (the signer's certificate first)."""

    key_pem: bytes = field(repr=False)
    chain_pem: Sequence[bytes]

    def certificates(self) -> list[asn1_x509.Certificate]:
        return [cert for pem in self.chain_pem for cert in load_certs_from_pemder_data(pem)]

    def signer(self) -> signers.SimpleSigner:
        certs = self.certificates()
        if not certs:
            raise ValueError("the seal identity has no certificate")
        return signers.SimpleSigner(
            signing_cert=certs[0],
            signing_key=load_private_key_from_pemder_data(self.key_pem, passphrase=None),
            # The issuing CA(s) go into the signature, so a verifier needs only the root to trust.
            cert_registry=SimpleCertificateStore.from_certs(certs[1:]),
        )


class _SealWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer, minus its metadata update: by default it sets /ModDate to the
    signing time and appends "pyHanko" to the Info /Producer while writing a different
    pdf:Producer into the XMP packet, which would break the Info/XMP agreement PDF/A asks for and
    the completion time the build wrote (pdf/metadata.py). A seal adds a signature, nothing else.
    (`_update_meta` is pyHanko's hook; tests/integration/test_pdf_seal.py checks the metadata.)"""

    def _update_meta(self) -> None:
        return None


def seal_pdf(
    pdf: bytes, identity: SealIdentity, timestamper: TimeStamper | None = None, crls: Sequence[bytes] = ()
) -> bytes:
    """The PDF with the seal appended. Raises whatever the timestamper raises when the TSA fails
    (pyHanko's TimestampRequestError, aiohttp errors): a file is never sealed without the
    timestamp it was meant to have. `crls` (DER): revocation lists for the chain, embedded with
    it in the DSS (fetched by the caller: adapters/sealing/revocation.py)."""
    out = io.BytesIO()
    _seal(io.BytesIO(pdf), out, identity, timestamper, crls)
    return out.getvalue()


def seal_file(
    source: Path,
    target: Path,
    identity: SealIdentity,
    timestamper: TimeStamper | None = None,
    crls: Sequence[bytes] = (),
    bytes_reserved: int | None = None,
) -> None:
    """`seal_pdf` from file to file: pyHanko reads the objects it needs from `source` and copies
    the rest in chunks, so no copy of a large document is held in memory (the completion worker
    seals 50 MB files in a long-lived process). `bytes_reserved`: the signature placeholder's
    size (`reserved_size` of an earlier seal with this identity and timestamper); None: pyHanko
    sizes it with a dry-run signature."""
    with source.open("rb") as original, target.open("w+b") as out:  # read back for the digest
        _seal(original, out, identity, timestamper, crls, bytes_reserved)


def reserved_size(sealed: Path) -> int:
    """The size pyHanko reserved for the seal of `sealed` (hex digits of /Contents). Its sizing
    is a dry-run signature with the identity's chain and the timestamper's cached token, so it
    comes out the same for every seal with them: a caller may reuse it instead of paying the dry
    run (about a third of a seal's CPU) each time."""
    with sealed.open("rb") as handle:
        signature = PdfFileReader(handle, strict=False).embedded_signatures[-1]
        return 2 * len(signature.sig_object.raw_get("/Contents"))


def _seal(
    original: BinaryIO,
    out: BinaryIO,
    identity: SealIdentity,
    timestamper: TimeStamper | None,
    crls: Sequence[bytes],
    bytes_reserved: int | None = None,
) -> None:
    writer = _SealWriter(original, strict=False)
    if crls:
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            None,  # no signature yet: the data is the chain's, not tied to one signature (no VRI)
            certs=identity.certificates(),
            crls=[asn1_crl.CertificateList.load(der) for der in crls],
        )
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason=REASON,
        name="Countersign",
    )
    signers.sign_pdf(
        writer,
        meta,
        signer=identity.signer(),
        timestamper=timestamper,
        new_field_spec=SigFieldSpec(sig_field_name=SEAL_FIELD),
        bytes_reserved=bytes_reserved,
        output=out,
    )
