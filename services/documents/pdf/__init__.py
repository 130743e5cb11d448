"""Countersign's PDF toolkit: verify untrusted uploads, convert images, build the signed PDF.

No HTTP, database or S3 in here: the documents service downloads a file to a path, calls
`inspect_file`, and later hands `build_signed_pdf` the original and the collected values.

    inspect_file(path, declared_type, ...) -> Inspection     (async; checks in a limited process)
    build_signed_pdf(original_pdf, fields, certificate) -> bytes
    check_signature_image(png_bytes) -> (width, height)      (validate a drawn signature at sign time)

Names are imported lazily (PEP 562): the checker process runs `python -m
services.documents.pdf.inspect_worker`, which imports this package first, and it should not pay
for (or be limited after) reportlab and Pillow imports it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .codes import RejectCode, Rejection
    from .geometry import PageGeometry
    from .inspection import ConvertedPdf, Inspection
    from .models import Certificate, DrawnSignature, Participant, ParticipantEvent, StampField, TypedSignature
    from .safe_image import check_signature_image
    from .signed import build_signed_pdf
    from .verify import inspect_file

_EXPORTS = {
    "RejectCode": "codes",
    "Rejection": "codes",
    "PageGeometry": "geometry",
    "ConvertedPdf": "inspection",
    "Inspection": "inspection",
    "Certificate": "models",
    "DrawnSignature": "models",
    "Participant": "models",
    "ParticipantEvent": "models",
    "StampField": "models",
    "TypedSignature": "models",
    "check_signature_image": "safe_image",
    "build_signed_pdf": "signed",
    "inspect_file": "verify",
}

__all__ = [
    "Certificate",
    "ConvertedPdf",
    "DrawnSignature",
    "Inspection",
    "PageGeometry",
    "Participant",
    "ParticipantEvent",
    "RejectCode",
    "Rejection",
    "StampField",
    "TypedSignature",
    "build_signed_pdf",
    "check_signature_image",
    "inspect_file",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
