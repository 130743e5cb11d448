"""build_signed_pdf end to end: values stamped where they belong, certificate appended.

Placement is checked by rendering with pdfium (an independent PDF engine that applies /Rotate and
the CropBox as viewers do) and looking at pixels, so the coordinate maths is tested against what
a person would see rather than against itself.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from PIL import Image
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from services.documents.pdf import (
    Certificate,
    DrawnSignature,
    Participant,
    ParticipantEvent,
    StampField,
    TypedSignature,
    build_signed_pdf,
)
from services.documents.pdf.layout import A4, LETTER
from tests import pdf_corpus as corpus

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


def certificate(original: bytes, participants: list[Participant] | None = None) -> Certificate:
    return Certificate(
        document_name="Master Services Agreement",
        document_id="doc_8f3a2c",
        original_sha256=hashlib.sha256(original).hexdigest(),
        completed_at=datetime(2026, 5, 29, 14, 3, 11, tzinfo=UTC),
        sent_at=datetime(2026, 5, 28, 9, 0, tzinfo=UTC),
        participants=participants
        if participants is not None
        else [
            Participant(
                "Jane Signer",
                "jane@example.com",
                "signer",
                "203.0.113.7",
                UA,
                datetime(2026, 5, 28, 10, 0, tzinfo=UTC),
                datetime(2026, 5, 29, 14, 3, tzinfo=UTC),
                DrawnSignature(corpus.signature_png()),
            ),
            Participant(
                "Ann Approver",
                "ann@example.com",
                "approver",
                "2001:db8::1",
                "curl/8.5",
                datetime(2026, 5, 29, 11, 0, tzinfo=UTC),
                datetime(2026, 5, 29, 12, 0, tzinfo=UTC),
                TypedSignature("Ann Approver"),
            ),
            Participant("Vic Viewer", "vic@example.com", "viewer"),
        ],
    )


def text_of(page: Any) -> str:
    return " ".join(page.extract_text().split())


def image_xobjects(resources: Any) -> int:
    """Image XObjects reachable from a resource dictionary, looking inside form XObjects too."""
    count = 0
    xobjects = resources.get("/XObject") if resources is not None else None
    for ref in (xobjects or {}).values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            count += 1
        elif obj.get("/Subtype") == "/Form" and isinstance(obj.get("/Resources"), DictionaryObject):
            count += image_xobjects(obj["/Resources"])
    return count


def render(pdf: bytes, index: int) -> Image.Image:
    """Page `index` as a person sees it, 1 pixel per point, greyscale."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[index].render(scale=1).to_pil().convert("L")
    finally:
        document.close()


def grey(image: Image.Image, px: float, py: float) -> float:
    """The grey level (0 black … 255 white) of one pixel of a rendered ("L") page."""
    level = image.getpixel((int(px), int(py)))
    assert isinstance(level, int | float), level  # one band: a number, not a tuple
    return level


def darkest(image: Image.Image) -> float:
    """The lowest grey level in a rendered ("L") page or part of one."""
    low, _ = image.getextrema()  # one band: (min, max)
    assert isinstance(low, int | float), low
    return low


def content_of(page: PageObject) -> bytes:
    contents = page.get_contents()
    assert contents is not None, "the page has no content stream"
    return contents.get_data()


def half_black_png() -> bytes:
    """200 x 100 px: opaque black on the left half, transparent on the right."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (0, 0, 100, 100))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def all_fields(page: int) -> list[StampField]:
    return [
        StampField(page, 72, 100, 220, 50, "signature", TypedSignature("Jane Signer")),
        StampField(page, 320, 100, 150, 50, "initials", DrawnSignature(corpus.signature_png())),
        StampField(page, 72, 170, 16, 16, "checkbox", True),
        StampField(page, 100, 170, 160, 20, "date_signed", date(2026, 5, 29)),
        StampField(page, 72, 200, 200, 20, "company", "Acme Widgets Ltd"),
        StampField(page, 72, 230, 120, 20, "number", 42),
        StampField(
            page, 72, 260, 300, 40, "textarea", "Delivery within thirty days of signature, at the buyer's premises."
        ),
        StampField(page, 72, 310, 200, 20, "email", "jane@example.com"),
    ]


# --- structure and text ------------------------------------------------------------------------


def test_signed_pdf_has_stamped_values_and_a_certificate() -> None:
    original = corpus.three_page_a4()
    signed = build_signed_pdf(original, all_fields(2), certificate(original))
    reader = PdfReader(io.BytesIO(signed))
    assert len(reader.pages) == 3 + 1

    stamped = text_of(reader.pages[1])
    for value in (
        "Countersign test page 2 of 3",
        "Jane Signer",
        "May 29, 2026",
        "Acme Widgets Ltd",
        "42",
        "Delivery within thirty days of signature, at the buyer's premises.",
        "jane@example.com",
    ):
        assert value in stamped
    assert "Jane Signer" not in text_of(reader.pages[0])  # values only where their fields are

    cert = text_of(reader.pages[3])
    assert "Certificate of Completion" in cert
    assert "Master Services Agreement" in cert and "doc_8f3a2c" in cert
    assert hashlib.sha256(original).hexdigest() in cert
    for expected in (
        "jane@example.com",
        "ann@example.com",
        "vic@example.com",
        "Jane Signer",
        "Ann Approver",
        "203.0.113.7",
        "2001:db8::1",
        "curl/8.5",
        "May 29, 2026 14:03:11 UTC",
        "Approved",
        "Viewer",
    ):
        assert expected in cert
    assert (float(reader.pages[3].mediabox.width), float(reader.pages[3].mediabox.height)) == pytest.approx(A4)


def test_drawn_signature_image_is_on_its_page() -> None:
    original = corpus.three_page_a4()
    fields = [
        StampField(2, 100, 100, 150, 50, "signature", DrawnSignature(corpus.signature_png())),
        StampField(3, 100, 100, 150, 30, "text", "typed only"),
    ]
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, fields, certificate(original))))
    counts = [image_xobjects(page.get("/Resources")) for page in reader.pages]
    assert counts[0] == 0 and counts[1] == 1 and counts[2] == 0
    assert counts[3] >= 1  # the certificate shows Jane's drawn signature too


def test_original_content_and_untouched_pages_survive(tmp_path: Path) -> None:
    original = corpus.three_page_a4()
    path = tmp_path / "original.pdf"
    path.write_bytes(original)
    signed = build_signed_pdf(
        path,
        [
            StampField(1, 72, 100, 200, 20, "text", "hello"),
            StampField(3, 72, 100, 20, 20, "checkbox", False),
            StampField(3, 72, 130, 200, 20, "text", None),
        ],
        certificate(original),
    )
    before = PdfReader(io.BytesIO(original))
    after = PdfReader(io.BytesIO(signed))
    assert text_of(after.pages[0]) == text_of(before.pages[0]) + " hello"
    for index in (1, 2):  # no visible value: content stream unchanged
        assert content_of(after.pages[index]) == content_of(before.pages[index])


def test_active_content_never_reaches_the_signed_pdf() -> None:
    # Verification removes it before signing; a document verified before that existed still
    # carries it in its PDF to sign, and the builder removes it there too. Links stay.
    original = corpus.active_content_pdf()
    signed = build_signed_pdf(original, [StampField(1, 72, 100, 200, 20, "text", "hello")], certificate(original))
    assert corpus.active_markers(signed) == set()
    assert corpus.link_uris(signed) == [corpus.LINK_URL]
    assert "hello" in text_of(PdfReader(io.BytesIO(signed)).pages[0])


def test_unicode_values_and_markup_in_names() -> None:
    original = corpus.one_page_letter()
    fields = [
        StampField(1, 72, 100, 250, 50, "signature", TypedSignature("Иван Петров")),
        StampField(1, 72, 160, 250, 20, "name", "Zoë Łukasiewicz-Ōta"),
    ]
    people = [Participant("Bob <b>Smith</b> & Co", "bob@example.com", "signer", signature=TypedSignature("Bob Smith"))]
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, fields, certificate(original, people))))
    assert "Иван Петров" in text_of(reader.pages[0])  # script font lacks Cyrillic: fallback, still text
    assert "Zoë Łukasiewicz-Ōta" in text_of(reader.pages[0])
    assert "Bob <b>Smith</b> & Co" in text_of(reader.pages[1])  # escaped, not interpreted as markup


def test_long_text_is_shrunk_and_wrapped_not_cut() -> None:
    original = corpus.one_page_letter()
    words = " ".join(f"clause{i}" for i in range(120))
    signed = build_signed_pdf(original, [StampField(1, 72, 100, 200, 40, "textarea", words)], certificate(original))
    assert words in text_of(PdfReader(io.BytesIO(signed)).pages[0])


def test_many_participants_flow_onto_further_certificate_pages() -> None:
    original = corpus.one_page_letter()
    people = [
        Participant(
            f"Person {i}",
            f"person{i}@example.com",
            "signer",
            "192.0.2.1",
            UA,
            datetime(2026, 5, 29, tzinfo=UTC),
            datetime(2026, 5, 29, tzinfo=UTC),
            TypedSignature(f"Person {i}"),
        )
        for i in range(12)
    ]
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, [], certificate(original, people))))
    assert len(reader.pages) >= 3
    text = " ".join(text_of(page) for page in reader.pages[1:])
    assert all(f"person{i}@example.com" in text for i in range(12))
    assert (float(reader.pages[1].mediabox.width), float(reader.pages[1].mediabox.height)) == pytest.approx(LETTER)


def test_build_is_deterministic() -> None:
    """A build retried after a crash must produce the same file, hence the same recorded hash."""
    original = corpus.mixed_with_rotated()
    fields = all_fields(1) + all_fields(2)
    assert build_signed_pdf(original, fields, certificate(original)) == build_signed_pdf(
        original, fields, certificate(original)
    )


def test_bad_input_raises_value_error() -> None:
    original = corpus.one_page_letter()
    with pytest.raises(ValueError, match="page 2"):
        build_signed_pdf(original, [StampField(2, 0, 0, 10, 10, "text", "x")], certificate(original))
    with pytest.raises(ValueError, match="image"):
        build_signed_pdf(
            original, [StampField(1, 0, 0, 10, 10, "signature", DrawnSignature(b"not an image"))], certificate(original)
        )
    bad_person = [Participant("X", "x@example.com", "signer", signature=DrawnSignature(corpus.random_bytes(100)))]
    with pytest.raises(ValueError, match="certificate"):
        build_signed_pdf(original, [], certificate(original, bad_person))
    with pytest.raises(ValueError, match="too large"):
        build_signed_pdf(
            original,
            [StampField(1, 0, 0, 10, 10, "signature", DrawnSignature(corpus.pixel_bomb_png()))],
            certificate(original),
        )


# --- placement, seen through an independent renderer --------------------------------------------

PLACEMENT_CASES = [
    ("upright letter", corpus.make_pdf([LETTER])),
    ("rotated 90", corpus.make_pdf([LETTER], rotate={0: 90})),
    ("rotated 180", corpus.make_pdf([LETTER], rotate={0: 180})),
    ("rotated 270", corpus.make_pdf([LETTER], rotate={0: 270})),
    ("offset cropbox", corpus.make_pdf([A4], cropbox={0: (50.0, 60.0, 450.0, 760.0)})),
    ("offset cropbox rotated 90", corpus.make_pdf([A4], rotate={0: 90}, cropbox={0: (50.0, 60.0, 450.0, 760.0)})),
    (
        "rotated 270 with offset cropbox",
        corpus.make_pdf([A4], rotate={0: 270}, cropbox={0: (30.0, 40.0, 530.0, 800.0)}),
    ),
    ("boxes and rotation inherited from the page tree", corpus.inherited_attributes()),
]


@pytest.mark.parametrize("original", [case[1] for case in PLACEMENT_CASES], ids=[case[0] for case in PLACEMENT_CASES])
def test_fields_land_where_placed_and_upright(original: bytes) -> None:
    x, y, w, h = 60.0, 40.0, 100.0, 50.0  # from the displayed top-left
    fields = [
        StampField(1, x, y, w, h, "signature", DrawnSignature(half_black_png())),
        StampField(1, 200, 150, 30, 30, "checkbox", True),
    ]
    signed = build_signed_pdf(original, fields, certificate(original))
    before, after = render(original, 0), render(signed, 0)
    assert after.size == before.size  # same displayed page

    def dark(px: float, py: float) -> bool:
        return grey(after, px, py) < 80

    # The image's black half is on the left of the box, its transparent half on the right:
    # in place, at the right size, and not turned or mirrored.
    assert dark(x + w * 0.25, y + h * 0.5)
    assert dark(x + w * 0.05, y + h * 0.15) and dark(x + w * 0.45, y + h * 0.85)
    assert not dark(x + w * 0.75, y + h * 0.5)
    assert not dark(x - 6, y + h * 0.5) and not dark(x + w * 0.25, y - 6) and not dark(x + w * 0.25, y + h + 6)
    # The check mark is inside its own box.
    box = after.crop((200, 150, 230, 180))
    assert darkest(box) < 80
    assert darkest(before.crop((200, 150, 230, 180))) > 200


# --- the certificate of completion: what a court reads -----------------------------------------


def _rich_certificate(original: bytes, events_each: int = 0) -> Certificate:
    def events(ip: str) -> list[ParticipantEvent]:
        base = [
            ParticipantEvent("invited", datetime(2026, 5, 28, 9, 0, tzinfo=UTC)),
            ParticipantEvent("viewed", datetime(2026, 5, 28, 10, 0, tzinfo=UTC), ip, UA),
            ParticipantEvent("otp_requested", datetime(2026, 5, 28, 10, 1, tzinfo=UTC), ip, UA),
            ParticipantEvent("otp_verified", datetime(2026, 5, 28, 10, 2, 30, tzinfo=UTC)),
            ParticipantEvent("signed", datetime(2026, 5, 29, 14, 3, tzinfo=UTC), ip, UA),
        ]
        extra = [
            ParticipantEvent("reminded", datetime(2026, 5, 28, 12, i % 60, tzinfo=UTC)) for i in range(events_each)
        ]
        return base + extra

    jane = Participant(
        "Jane Signer",
        "jane@example.com",
        "signer",
        "203.0.113.7",
        UA,
        datetime(2026, 5, 28, 10, 0, tzinfo=UTC),
        datetime(2026, 5, 29, 14, 3, tzinfo=UTC),
        DrawnSignature(corpus.signature_png()),
        otp_verified_at=datetime(2026, 5, 28, 10, 2, 30, tzinfo=UTC),
        consent_at=datetime(2026, 5, 29, 14, 3, tzinfo=UTC),
        events=events("203.0.113.7"),
    )
    ann = Participant(
        "Ann Approver",
        "ann@example.com",
        "approver",
        "2001:db8::1",
        "curl/8.5",
        datetime(2026, 5, 29, 11, 0, tzinfo=UTC),
        datetime(2026, 5, 29, 12, 0, tzinfo=UTC),
        events=[ParticipantEvent("approved", datetime(2026, 5, 29, 12, 0, tzinfo=UTC), "2001:db8::1", "curl/8.5")],
    )
    return Certificate(
        document_name="Master Services Agreement",
        document_id="doc_8f3a2c",
        original_sha256=hashlib.sha256(original).hexdigest(),
        completed_at=datetime(2026, 5, 29, 14, 3, 11, tzinfo=UTC),
        sent_at=datetime(2026, 5, 28, 9, 0, tzinfo=UTC),
        participants=[jane, ann],
        sender_name="Sally Sender",
        sender_email="sally@acme.example",
        sender_org_name="Acme Widgets Ltd",
        otp_method="email",
    )


def certificate_fonts(page: Any) -> list[DictionaryObject]:
    return [ref.get_object() for ref in page["/Resources"]["/Font"].values()]


def is_embedded(font: DictionaryObject) -> bool:
    """A simple font's descriptor, or a Type0 font's descendant's, carries the font program."""
    if font.get("/Subtype") == "/Type0":
        descendants = font["/DescendantFonts"]
        assert isinstance(descendants, ArrayObject)
        font = descendants[0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def test_certificate_names_sender_authentication_consent_and_every_event() -> None:
    original = corpus.three_page_a4()
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, [], _rich_certificate(original))))
    text = " ".join(text_of(page) for page in reader.pages[3:])
    for expected in (
        "Sally Sender",
        "sally@acme.example",
        "Acme Widgets Ltd",  # sender and organisation
        "one-time code by email verified May 28, 2026 10:02:30 UTC",  # Jane's authentication
        "Agreed to use electronic records and signatures, May 29, 2026 14:03:00 UTC",
        "Not asked",  # the approver was never asked to consent: said, not left blank
        "Invitation emailed",
        "Opened the document",
        "One-time code emailed",
        "One-time code verified",
        "Signed",
        "Approved",
        "203.0.113.7",
        "2001:db8::1",
        hashlib.sha256(original).hexdigest(),
        "3 + this certificate",
        "signedFileHash",
        "POST /api/v1/verify",
    ):
        assert expected in text, expected
    assert image_xobjects(reader.pages[3]["/Resources"]) >= 1  # Jane's drawn signature


def test_every_font_on_the_certificate_is_embedded_and_none_is_a_standard_font() -> None:
    original = corpus.three_page_a4()
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, [], _rich_certificate(original))))
    for page in reader.pages[3:]:
        found = certificate_fonts(page)
        assert found
        for font in found:
            assert is_embedded(font), font["/BaseFont"]
            assert not any(std in str(font["/BaseFont"]) for std in ("Helvetica", "Courier", "Times"))


def test_moddate_and_xmp_say_the_file_was_modified_at_completion() -> None:
    original = corpus.three_page_a4()
    before = PdfReader(io.BytesIO(original))
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, [], _rich_certificate(original))))
    completed = datetime(2026, 5, 29, 14, 3, 11, tzinfo=UTC)
    assert reader.metadata is not None and reader.metadata.modification_date == completed
    assert before.metadata is None or before.metadata.modification_date != completed
    assert reader.metadata["/Producer"] == "Countersign"
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert xmp.xmp_modify_date is not None and xmp.xmp_modify_date.replace(tzinfo=UTC) == completed
    assert xmp.pdf_producer == "Countersign"


def test_a_long_history_flows_onto_further_pages_and_loses_nothing() -> None:
    original = corpus.one_page_letter()
    reader = PdfReader(io.BytesIO(build_signed_pdf(original, [], _rich_certificate(original, events_each=90))))
    assert len(reader.pages) >= 3
    text = " ".join(text_of(page) for page in reader.pages[1:])
    assert text.count("Reminder emailed") == 90
    assert "Ann Approver" in text and "POST /api/v1/verify" in text
