"""`build_signed_pdf`: stamp the collected values onto the original and append the certificate.

An original that declares PDF/A-2 or -3 keeps a PDF/A-2b/3b declaration; any other gets none, and
the certificate says which (pdfa.py).

reportlab draws (overlays and the certificate, with embedded TrueType fonts and images); pypdf
does the surgery (clone the original, merge each overlay onto its page, append the certificate).
reportlab because it is a mature, BSD-licensed layout engine with TrueType subsetting and
image/alpha support that pypdf lacks; pypdf because it keeps the original's own objects intact
instead of re-rendering them.

Runs in-process on a file that `inspect_file` has already accepted; callers run it off the event
loop (`asyncio.to_thread`) — it is CPU-bound. Builds are serialised by a lock because reportlab
keeps per-font state that it does not promise is thread-safe; under the GIL this costs nothing.
The output is deterministic (same inputs, same bytes). The completion worker then seals it
(services/documents/sealing), which adds a signing time: the sealed file, and so signedFileHash,
differs from one attempt to the next; only the attempt that completes the document is recorded.
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from .active_content import remove_active_content
from .certificate import render_certificate
from .codes import Rejected
from .geometry import PageGeometry
from .layout import closest_paper
from .metadata import mark_modified
from .models import AttachedFile, Certificate, StampField
from .overlay import render_overlay
from .pdfa import apply as apply_pdfa
from .pdfa import plan_for, statement

_build_lock = threading.Lock()


def page_geometry(page: object) -> PageGeometry:
    """The geometry of a pypdf page (MediaBox, CropBox and /Rotate, inherited where unset)."""
    return PageGeometry.from_boxes(page.mediabox, page.cropbox, page.rotation)  # type: ignore[attr-defined]


def build_signed_pdf(original_pdf: bytes | Path, fields: Sequence[StampField], certificate: Certificate) -> bytes:
    """The signed PDF: every page of the original with its fields stamped in place, then the
    pages of each attachment (`certificate.attachments`, read from their `path`), then the
    certificate of completion, which lists the attachments with their hashes and pages. Raises
    ValueError for a field on a page that does not exist or a drawn signature that is not a
    valid image.

    Attachments go before the certificate: the certificate is the record of the whole envelope,
    so it closes the file and names every page before it (the signed document's pages keep their
    numbers, the attachments follow them, each starting on the page the certificate gives)."""
    source = original_pdf.read_bytes() if isinstance(original_pdf, Path) else original_pdf
    with _build_lock:
        return _build(source, fields, certificate)


def _build(source: bytes, fields: Sequence[StampField], certificate: Certificate) -> bytes:
    reader = PdfReader(io.BytesIO(source))
    if reader.is_encrypted:
        raise ValueError("the original PDF is encrypted")
    # The checker already removed active content from the PDF to sign; this pass is for documents
    # verified before it did, so that no signed PDF carries any (a no-op otherwise). Before the
    # clone, so that what it removes is not copied into the writer at all.
    remove_active_content(reader.root_object)
    pdfa = plan_for(reader)  # decided from the original, before anything is added
    writer = PdfWriter(clone_from=reader)
    page_count = len(writer.pages)

    by_page: dict[int, list[StampField]] = defaultdict(list)
    for field in fields:
        if not 1 <= field.page <= page_count:
            raise ValueError(f"field on page {field.page}, but the document has {page_count} pages")
        by_page[field.page].append(field)

    for number, page_fields in sorted(by_page.items()):
        if all(f.value is None or f.value is False for f in page_fields):
            continue  # nothing visible to stamp: leave the page byte-for-byte as it was
        page = writer.pages[number - 1]
        geometry = page_geometry(page)
        overlay = PdfReader(io.BytesIO(render_overlay(geometry, page_fields))).pages[0]
        # pypdf clips merged content to the overlay's CropBox; make that the page's visible area
        # in *user* space (reportlab's page always starts at 0,0, which clips offset CropBoxes).
        visible = RectangleObject([geometry.box.x0, geometry.box.y0, geometry.box.x1, geometry.box.y1])
        overlay.mediabox = visible
        overlay.cropbox = visible
        page.merge_page(overlay)
        page.compress_content_streams()

    first = page_geometry(writer.pages[0]).display_size
    certificate = replace(certificate, attachments=_append_attachments(writer, certificate.attachments))
    try:
        cert_pdf = render_certificate(
            certificate, page_size=closest_paper(*first), original_pages=page_count, pdfa_statement=statement(pdfa)
        )
    except Rejected as exc:  # a participant's drawn signature that is not a usable image
        raise ValueError(f"certificate: {exc.rejection.message}") from None
    for cert_page in PdfReader(io.BytesIO(cert_pdf)).pages:
        writer.add_page(cert_page)

    apply_pdfa(writer, pdfa)
    mark_modified(writer, certificate.completed_at)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_attachments(writer: PdfWriter, attachments: Sequence[AttachedFile]) -> list[AttachedFile]:
    """Append each attachment's pages; the attachments as the certificate lists them (their first
    page in this file and their page count, without the path the builder read)."""
    listed: list[AttachedFile] = []
    for attachment in attachments:
        if attachment.path is None:
            raise ValueError(f"attachment {attachment.name}: no file to append")
        reader = PdfReader(attachment.path)
        if reader.is_encrypted:
            raise ValueError(f"attachment {attachment.name} is encrypted")
        remove_active_content(reader.root_object)  # verified without it already; kept for symmetry
        first_page = len(writer.pages) + 1
        for page in reader.pages:
            writer.add_page(page)
        listed.append(replace(attachment, path=None, first_page=first_page, pages=len(reader.pages)))
    return listed
