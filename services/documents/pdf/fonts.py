"""The bundled fonts, registered once with reportlab, and the choice of font for a string.

* Dancing Script (SIL OFL 1.1, from the @expo-google-fonts/dancing-script npm package, which
  ships Google Fonts' TrueType file): typed signatures and initials.
* DejaVu Sans (Bitstream Vera licence + public domain, from Debian's fonts-dejavu-core): every
  other value and the certificate, because names and addresses come in any script and the PDF
  standard fonts only cover Latin-1. Its Bold and Mono faces (same package, same licence) give the
  certificate its headings and hashes: the PDF standard fonts (Helvetica, Courier) are never
  embedded, so a reader would substitute its own and an archival (PDF/A) check fails.

Both are TrueType (reportlab cannot embed CFF/OpenType outlines) and are embedded as subsets with a
ToUnicode map, so text extraction and search in the signed PDF find what was typed.
Licences are in fonts/ next to the files.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")
SCRIPT = "CountersignScript"
SANS = "CountersignSans"
SANS_BOLD = "CountersignSansBold"
MONO = "CountersignMono"
_FILES = {
    SCRIPT: "DancingScript-Regular.ttf",
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}

_lock = threading.Lock()
_registered: dict[str, TTFont] = {}


def register() -> None:
    """Register the bundled fonts with reportlab (idempotent, thread-safe)."""
    if len(_registered) == len(_FILES):
        return
    with _lock:
        for name, filename in _FILES.items():
            if name not in _registered:
                font = TTFont(name, str(FONT_DIR / filename))
                pdfmetrics.registerFont(font)
                _registered[name] = font
            # <b>/<i> in a Paragraph resolve through the family; unmapped, reportlab would
            # fall back to a standard (non-embedded) font. No italic face is shipped.
            pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)


@dataclass(frozen=True, slots=True)
class FontMetrics:
    name: str
    ascent: float  # as a fraction of the font size
    descent: float  # negative


def metrics(name: str) -> FontMetrics:
    register()
    face = _registered[name].face
    return FontMetrics(name, face.ascent / 1000, face.descent / 1000)


def covers(name: str, text: str) -> bool:
    register()
    cmap = _registered[name].face.charToGlyph
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def script_or_fallback(text: str) -> str:
    """The script font when it has every glyph of `text`, else DejaVu Sans: a Cyrillic or Greek
    name typed as a signature is shown in a plain font rather than as empty boxes."""
    return SCRIPT if covers(SCRIPT, text) else SANS


def width(name: str, text: str, size: float) -> float:
    register()
    return float(pdfmetrics.stringWidth(text, name, size))
