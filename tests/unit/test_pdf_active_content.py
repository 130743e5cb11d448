"""Removing active content from a PDF object graph (services/documents/pdf/active_content.py).

Every case is a PDF built here (tests/pdf_corpus.py), parsed with pypdf, cleaned in memory and,
where it matters, written out and re-read: what survives is judged by `corpus.active_markers`,
a plain walk that shares no code with the cleaner."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject

from services.documents.pdf.active_content import action_kinds, kinds_in_order, remove_active_content
from services.documents.pdf.codes import ActiveKind
from tests import pdf_corpus as corpus

K = ActiveKind


def array(obj: object) -> ArrayObject:
    """`obj`, which the test built as a PDF array (pypdf types what it reads as any PdfObject)."""
    assert isinstance(obj, ArrayObject), obj
    return obj


def dictionary(obj: object) -> DictionaryObject:
    """`obj`, which the test built as a PDF dictionary."""
    assert isinstance(obj, DictionaryObject), obj
    return obj


def clean(data: bytes) -> tuple[set[ActiveKind], bytes]:
    """The kinds removed, and the document written out again as the checker writes it."""
    reader = PdfReader(io.BytesIO(data))
    removed = set(remove_active_content(reader.root_object))
    out = io.BytesIO()
    PdfWriter(clone_from=reader).write(out)
    return removed, out.getvalue()


def one_page(
    *,
    catalog: bytes = b"",
    page: bytes = b"",
    annotations: list[bytes] = (),  # type: ignore[assignment]
    extra: dict[int, bytes] | None = None,
) -> bytes:
    """A one-page PDF with extra catalog/page entries and annotations (objects 20, 21, …)."""
    objects = corpus._simple_page_objects()
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>"
    refs = b" ".join(b"%d 0 R" % (20 + i) for i in range(len(annotations)))
    objects[3] = objects[3][:-2] + page + (b" /Annots [" + refs + b"]" if annotations else b"") + b" >>"
    objects.update({20 + i: annotation for i, annotation in enumerate(annotations)})
    objects.update(extra or {})
    return corpus.raw_pdf(objects)


def link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A " + action + b" >>"


def uri(target: bytes) -> bytes:
    return b"<< /S /URI /URI (" + target + b") >>"


def test_everything_in_the_hostile_sample_goes_and_the_web_link_stays() -> None:
    data = corpus.active_content_pdf()
    assert "/JavaScript" in corpus.active_markers(data)  # the sample really carries what we remove

    removed, cleaned = clean(data)

    assert removed == {
        K.JAVASCRIPT,
        K.OPEN_ACTION,
        K.ADDITIONAL_ACTIONS,
        K.LAUNCH,
        K.EMBEDDED_FILE,
        K.SUBMIT_FORM,
        K.REMOTE_GOTO,
        K.XFA,
        K.UNSAFE_LINK,
    }
    assert corpus.active_markers(cleaned) == set()
    assert corpus.link_uris(cleaned) == [corpus.LINK_URL]
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 1 and reader.pages[0].extract_text().strip() == "Hello"
    # Cleaning is complete in one pass: the written copy has nothing left to remove.
    assert remove_active_content(reader.root_object) == frozenset()


def test_harmless_interactivity_is_left_alone() -> None:
    data = corpus.harmless_interactive_pdf()
    reader = PdfReader(io.BytesIO(data))
    assert remove_active_content(reader.root_object) == frozenset()
    assert array(reader.root_object["/OpenAction"])[1] == "/Fit"  # a destination only sets the first view
    actions = [annotation.get_object()["/A"]["/S"] for annotation in array(reader.pages[0]["/Annots"])]
    assert actions == ["/GoTo", "/URI", "/Named", "/URI"]


@pytest.mark.parametrize(
    ("document", "kinds"),
    [
        (one_page(catalog=b"/OpenAction << /S /JavaScript /JS (x) >>"), {K.OPEN_ACTION, K.JAVASCRIPT}),
        (one_page(catalog=b"/OpenAction << /S /Launch /F (a.exe) >>"), {K.OPEN_ACTION, K.LAUNCH}),
        (one_page(catalog=b"/AA << /WS << /S /JavaScript /JS (x) >> >>"), {K.ADDITIONAL_ACTIONS, K.JAVASCRIPT}),
        (
            one_page(page=b" /AA << /C << /S /GoTo /D [3 0 R /Fit] >> >>"),
            {K.ADDITIONAL_ACTIONS},
        ),  # even a harmless trigger
        (one_page(catalog=b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"), {K.JAVASCRIPT}),
        (one_page(catalog=b"/Names << /EmbeddedFiles << /Names [] >> >>"), {K.EMBEDDED_FILE}),
        (one_page(catalog=b"/Collection << /Type /Collection >>"), {K.EMBEDDED_FILE}),
        (one_page(catalog=b"/AF [<< /Type /Filespec /F (a.xml) >>]"), {K.EMBEDDED_FILE}),
        (one_page(catalog=b"/AcroForm << /Fields [] /XFA (x) >>"), {K.XFA}),
        (one_page(annotations=[link(b"<< /S /Launch /F (calc.exe) >>")]), {K.LAUNCH}),
        (one_page(annotations=[link(b"<< /S /SubmitForm /F (https://x.example) >>")]), {K.SUBMIT_FORM}),
        (one_page(annotations=[link(b"<< /S /ImportData /F (data.fdf) >>")]), {K.IMPORT_DATA}),
        (one_page(annotations=[link(b"<< /S /GoToR /F (other.pdf) /D [0 /Fit] >>")]), {K.REMOTE_GOTO}),
        (one_page(annotations=[link(b"<< /S /GoToE /D [0 /Fit] >>")]), {K.REMOTE_GOTO}),
        (one_page(annotations=[link(b"<< /S /Rendition /R 30 0 R >>")], extra={30: b"<< >>"}), {K.RICH_MEDIA}),
        (one_page(annotations=[link(b"<< /S /Named /N /Print >>")]), {K.OTHER_ACTION}),
        (one_page(annotations=[link(b"<< /S /ResetForm >>")]), {K.OTHER_ACTION}),
        (one_page(annotations=[link(b"<< /S /MadeUp /JS (x) >>")]), {K.OTHER_ACTION}),  # unknown type: not allowed
        (
            one_page(annotations=[b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS (a.exe) >>"]),
            {K.EMBEDDED_FILE},
        ),
        (one_page(annotations=[b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"]), {K.RICH_MEDIA}),
        (one_page(annotations=[b"<< /Type /Annot /Subtype /Screen /Rect [0 0 9 9] >>"]), {K.RICH_MEDIA}),
        (one_page(annotations=[b"<< /Type /Annot /Subtype /3D /Rect [0 0 9 9] >>"]), {K.RICH_MEDIA}),
        # A form field that is not on any page, reached only through the form.
        (
            one_page(
                catalog=b"/AcroForm << /Fields [30 0 R] >>",
                extra={30: b"<< /FT /Tx /T (total) /AA << /C << /S /JavaScript /JS (x) >> >> >>"},
            ),
            {K.ADDITIONAL_ACTIONS, K.JAVASCRIPT},
        ),
        # A bookmark that runs a script when clicked.
        (
            one_page(
                catalog=b"/Outlines 30 0 R",
                extra={
                    30: b"<< /Type /Outlines /First 31 0 R /Last 31 0 R /Count 1 >>",
                    31: b"<< /Title (Go) /Parent 30 0 R /A << /S /JavaScript /JS (x) >> >>",
                },
            ),
            {K.JAVASCRIPT},
        ),
        # A file specification with embedded bytes, hanging where no rule above looks.
        (
            one_page(
                page=b" /PieceInfo << /App << /Private << /Type /Filespec /EF << /F 30 0 R >> >> >> >>",
                extra={30: corpus.stream(corpus.PAYLOAD_MARKER, b"/Type /EmbeddedFile")},
            ),
            {K.EMBEDDED_FILE},
        ),
    ],
    ids=lambda value: "" if isinstance(value, bytes) else "-".join(sorted(value)),
)
def test_each_kind_is_removed_and_named(document: bytes, kinds: set[ActiveKind]) -> None:
    removed, cleaned = clean(document)
    assert removed == kinds
    assert corpus.active_markers(cleaned) == set()
    # What was removed went and nothing else: the page and its text are intact.
    assert PdfReader(io.BytesIO(cleaned)).pages[0].extract_text().strip() == "Hello"


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        (b"https://example.com/a", True),
        (b"http://example.com/a", True),
        (b"HTTPS://EXAMPLE.COM", True),
        (b"mailto:someone@example.com", True),
        (b"javascript:alert(1)", False),
        (b"JavaScript:alert(1)", False),
        (b"java\tscript:alert(1)", False),  # browsers drop the tab and run it
        (b" javascript:alert(1)", False),
        (b"file:///etc/passwd", False),
        (b"data:text/html,<script>x</script>", False),
        (b"smb://host/share", False),
        (b"/relative/path", False),
    ],
)
def test_uri_links_keep_only_web_and_mail_schemes(target: bytes, allowed: bool) -> None:
    removed, cleaned = clean(one_page(annotations=[link(uri(target))]))
    assert removed == (set() if allowed else {K.UNSAFE_LINK})
    assert corpus.link_uris(cleaned) == ([target.decode()] if allowed else [])


def test_structure_attributes_named_a_are_not_actions() -> None:
    # A tagged PDF (as word processors export them): /A on a structure element is its attributes.
    tagged = one_page(
        catalog=b"/StructTreeRoot 30 0 R /MarkInfo << /Marked true >>",
        extra={
            30: b"<< /Type /StructTreeRoot /K [31 0 R] >>",
            31: b"<< /Type /StructElem /S /P /P 30 0 R /Pg 3 0 R /K 0 "
            b"/A [<< /O /Layout /Placement /Block >> << /O /List /ListNumbering /Decimal >>] >>",
            32: b"<< /Type /StructElem /S /Figure /P 30 0 R /A << /O /Layout /BBox [0 0 10 10] >> >>",
        },
    )
    reader = PdfReader(io.BytesIO(tagged))
    assert remove_active_content(reader.root_object) == frozenset()
    attributes = array(dictionary(reader.get_object(31))["/A"])
    assert attributes[0]["/O"] == "/Layout" and "/A" in dictionary(reader.get_object(32))


def test_a_link_whose_chain_reaches_a_script_loses_its_action() -> None:
    chained = (
        b"<< /S /URI /URI (https://a.example) /Next [<< /S /GoTo /D [3 0 R /Fit] >> << /S /JavaScript /JS (x) >>] >>"
    )
    removed, cleaned = clean(one_page(annotations=[link(chained)]))
    assert removed == {K.JAVASCRIPT}
    assert corpus.link_uris(cleaned) == [] and corpus.active_markers(cleaned) == set()


def test_cycles_end_the_walk() -> None:
    # An action chain that loops back on itself, and annotations pointing back at their page.
    looping = one_page(
        annotations=[link(b"30 0 R")],
        extra={
            30: b"<< /S /URI /URI (https://a.example) /Next 31 0 R >>",
            31: b"<< /S /GoTo /D [3 0 R /Fit] /Next 30 0 R >>",
        },
    )
    removed, cleaned = clean(looping)
    assert removed == set() and corpus.link_uris(cleaned) == ["https://a.example"]
    assert action_kinds(dictionary(PdfReader(io.BytesIO(looping)).get_object(30))) == set()


def test_kinds_are_reported_sorted_by_value() -> None:
    assert kinds_in_order({K.XFA, K.JAVASCRIPT, K.EMBEDDED_FILE}) == ["embedded_file", "javascript", "xfa"]
