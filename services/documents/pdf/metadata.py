"""The signed PDF's own metadata: it was modified when the document was completed.

Both places a reader looks are updated, and kept in agreement: the Info dictionary (/ModDate,
/Producer) and the XMP packet (xmp:ModifyDate, xmp:MetadataDate, pdf:Producer); an XMP packet the
original already had is updated rather than replaced, so its title, author and PDF/A claims stay.
The time is the completion time, not the build's clock, so a retried build gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject
from pypdf.xmp import XmpInformation

PRODUCER = "Countersign"


def pdf_date(value: datetime) -> str:
    """`D:20260529140311+00'00'`: the PDF date format (ISO 32000-1, 7.9.4), in UTC."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return f"D:{value:%Y%m%d%H%M%S}+00'00'"


def mark_modified(writer: PdfWriter, modified: datetime) -> None:
    when = modified.astimezone(UTC) if modified.tzinfo else modified.replace(tzinfo=UTC)
    writer.add_metadata({"/Producer": PRODUCER, "/ModDate": pdf_date(when)})
    try:
        xmp = writer.xmp_metadata
    except Exception:  # an unreadable packet in the original: replaced by a fresh one
        xmp = None
    if xmp is None:
        xmp = XmpInformation.create()
    xmp.xmp_modify_date = when
    xmp.xmp_metadata_date = when
    xmp.pdf_producer = PRODUCER
    writer.xmp_metadata = xmp
    # pypdf writes a bare stream; PDF/A (and ISO 32000-1, 14.3.2) want it typed.
    stream = cast(StreamObject, writer.root_object["/Metadata"].get_object())
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
