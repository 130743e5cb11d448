"""PDF/A-2b where the original allows it (services/documents/pdf/pdfa.py): an original that declares
PDF/A-2b keeps a true declaration through stamping, the certificate and the seal (an sRGB output
intent, metadata in agreement, embedded fonts, no active content, no soft mask on our page); one
that does not gets no claim, and the certificate of completion says so in words. The XMP packet
is read back from the sealed file."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject
from pypdf.xmp import XmpInformation

from services.documents.adapters.sealing.authority import CertificateAuthority
from services.documents.adapters.sealing.seal import SealIdentity, seal_pdf
from services.documents.pdf import build_signed_pdf
from services.documents.pdf.metadata import PRODUCER, pdf_date
from services.documents.pdf.pdfa import SRGB_PROFILE
from tests.integration.test_pdf_signed import certificate, certificate_fonts, is_embedded, text_of
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers
from tests.seal_checks import issued_identity, peers_authority, trust_roots, validate_seal

NOT_PDFA = "The original is not PDF/A; this file does not claim PDF/A conformance."


def declaring(pdf: bytes, part: str, conformance: str, output_components: int | None = None) -> bytes:
    """`pdf` with an XMP packet declaring PDF/A-<part><conformance> (and an output intent whose
    profile has `output_components` colour components, when given), as a PDF/A producer writes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    xmp = XmpInformation.create()
    xmp.pdfaid_part = part
    xmp.pdfaid_conformance = conformance
    xmp.pdf_producer = "Acme Writer"
    writer.xmp_metadata = xmp
    writer.add_metadata({"/Producer": "Acme Writer"})
    if output_components is not None:
        profile = StreamObject()
        profile.set_data(b"not a real profile: only its /N is read")
        profile[NameObject("/N")] = NumberObject(output_components)
        intent = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/OutputIntent"),
                NameObject("/S"): NameObject("/GTS_PDFA1"),
                NameObject("/OutputConditionIdentifier"): TextStringObject("Press"),
                NameObject("/DestOutputProfile"): writer._add_object(profile),
            }
        )
        writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def ca(peers: Peers) -> CertificateAuthority:
    return peers_authority(peers)


@pytest.fixture(scope="module")
def identity(ca: CertificateAuthority) -> SealIdentity:
    return issued_identity(ca, "org_test_pdfa")


def signed_and_sealed(original: bytes, identity: SealIdentity) -> tuple[bytes, PdfReader]:
    sealed = seal_pdf(build_signed_pdf(original, [], certificate(original)), identity)
    return sealed, PdfReader(io.BytesIO(sealed))


def images_of(resources: Any) -> list[DictionaryObject]:
    """Image XObjects reachable from a resource dictionary, inside form XObjects too."""
    found: list[DictionaryObject] = []
    for ref in (resources.get("/XObject") or {}).values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.append(obj)
        elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            found += images_of(obj["/Resources"])
    return found


def assert_metadata_agrees(reader: PdfReader) -> None:
    """Info and XMP say the same, and the seal changed neither (the completion time, our name)."""
    completed = certificate(b"").completed_at
    info = reader.metadata
    xmp = reader.xmp_metadata
    assert info is not None and xmp is not None
    assert info["/ModDate"] == pdf_date(completed) and info["/Producer"] == PRODUCER == xmp.pdf_producer
    modified = xmp.xmp_modify_date
    assert modified is not None and modified.replace(tzinfo=UTC) == completed
    stream: Any = reader.root_object["/Metadata"].get_object()
    assert stream["/Type"] == "/Metadata" and stream["/Subtype"] == "/XML" and "/Filter" not in stream


def test_an_original_declaring_pdfa_2b_keeps_a_true_declaration(
    ca: CertificateAuthority, identity: SealIdentity
) -> None:
    original = declaring(make_pdf([LETTER, LETTER], text="Archival agreement"), "2", "B")
    sealed, reader = signed_and_sealed(original, identity)

    xmp = reader.xmp_metadata
    assert xmp is not None and (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("2", "B")
    assert_metadata_agrees(reader)
    # An sRGB output intent for what reportlab draws in DeviceRGB.
    intents: Any = reader.root_object["/OutputIntents"]
    [intent] = [i.get_object() for i in intents]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data() == SRGB_PROFILE.read_bytes()
    # No active content anywhere in the catalogue, every font of the certificate embedded, and
    # no soft mask (transparency) on the certificate page, drawn signature included.
    assert not {"/OpenAction", "/AA", "/JavaScript"} & set(reader.root_object)
    assert "/JavaScript" not in reader.root_object.get("/Names", {})
    pages = reader.pages[2:]
    assert all(is_embedded(font) for page in pages for font in certificate_fonts(page))
    images = [image for page in pages for image in images_of(page["/Resources"])]
    assert images and all("/SMask" not in image for image in images)
    # The certificate says what the file claims; the seal holds over it.
    assert "keeps a PDF/A-2b declaration" in " ".join(text_of(page) for page in pages)
    assert validate_seal(sealed, trust_roots(ca.cert_pem)).bottom_line
    # The seal's (invisible) widget is printable and not hidden, as PDF/A asks of every annotation.
    form: Any = reader.root_object["/AcroForm"]
    [seal] = [f.get_object() for f in form["/Fields"]]
    assert int(seal["/F"]) & 4 and not int(seal["/F"]) & (1 | 2 | 32)


def test_an_original_that_is_not_pdfa_claims_nothing_and_the_certificate_says_so(identity: SealIdentity) -> None:
    _, reader = signed_and_sealed(make_pdf([LETTER], text="Plain agreement"), identity)
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.pdfaid_part is None and xmp.pdfaid_conformance is None
    assert "/OutputIntents" not in reader.root_object
    assert_metadata_agrees(reader)
    assert NOT_PDFA in " ".join(text_of(page) for page in reader.pages[1:])


@pytest.mark.parametrize(
    ("part", "components", "why"),
    [("1", None, "only PDF/A-2 and PDF/A-3"), ("2", 4, "output intent is not RGB")],
)
def test_a_declaration_that_cannot_hold_is_removed_and_explained(
    identity: SealIdentity, part: str, components: int | None, why: str
) -> None:
    original = declaring(make_pdf([LETTER], text="Old archive"), part, "B", components)
    _, reader = signed_and_sealed(original, identity)
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.pdfaid_part is None and xmp.pdfaid_conformance is None
    text = " ".join(text_of(page) for page in reader.pages[1:])
    assert f"The original declares PDF/A-{part}b, which this file cannot keep" in text and why in text
    assert "does not claim PDF/A conformance" in text
