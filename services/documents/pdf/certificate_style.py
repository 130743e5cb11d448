"""The certificate of completion's look: its fonts, colours and measures, and the label/value table
every section is built from (reportlab platypus, no I/O).

Only the bundled TrueType fonts are used (embedded as subsets): no PDF standard font, which a
reader would substitute. Every value from a user is XML-escaped before it reaches a Paragraph
(which parses markup).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from . import fonts

MARGIN = 48.0
LABEL_WIDTH = 92.0
SIGNATURE_BOX = (170.0, 64.0)
GREY = colors.Color(0.35, 0.35, 0.35)
RULE = colors.Color(0.78, 0.78, 0.78)
SHADE = colors.Color(0.95, 0.95, 0.95)
INK = colors.Color(0.05, 0.11, 0.40)  # signatures in the same pen blue as on the pages

Styles = dict[str, ParagraphStyle]


def styles() -> Styles:
    fonts.register()
    return {
        "title": ParagraphStyle("title", fontName=fonts.SANS_BOLD, fontSize=18, leading=22, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=fonts.SANS, fontSize=7.5, leading=10, textColor=GREY),
        "heading": ParagraphStyle(
            "heading", fontName=fonts.SANS_BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=5
        ),
        "label": ParagraphStyle("label", fontName=fonts.SANS_BOLD, fontSize=7.5, leading=10, textColor=GREY),
        "value": ParagraphStyle("value", fontName=fonts.SANS, fontSize=8.5, leading=11),
        "small": ParagraphStyle("small", fontName=fonts.SANS, fontSize=7, leading=9),
        "mono": ParagraphStyle("mono", fontName=fonts.MONO, fontSize=8, leading=10.5),
        "script": ParagraphStyle("script", fontName=fonts.SCRIPT, fontSize=22, leading=28, textColor=INK),
        "sans_signature": ParagraphStyle("sans_signature", fontName=fonts.SANS, fontSize=15, leading=20, textColor=INK),
    }


def table_style(*commands: tuple[object, ...], **padding: float) -> TableStyle:
    """Cells aligned to the top, the padding given (`left=0, top=1.2`: every cell's), then `commands`."""
    # A table's own font (used when it opens each cell, even a cell holding only Paragraphs)
    # defaults to Helvetica: name ours, so no standard font lands in the page's resources.
    paddings = [(f"{side.upper()}PADDING", (0, 0), (-1, -1), value) for side, value in padding.items()]
    return TableStyle(
        [("FONTNAME", (0, 0), (-1, -1), fonts.SANS), ("VALIGN", (0, 0), (-1, -1), "TOP"), *paddings, *commands]
    )


def text(value: str | None) -> str:
    return escape(value) if value else "—"


def rows(pairs: list[tuple[str, Flowable]], look: Styles, width: float) -> Table:
    """Label beside value, one row a pair: the shape of every section of the certificate."""
    table = Table(
        [[Paragraph(escape(label), look["label"]), value] for label, value in pairs],
        colWidths=[LABEL_WIDTH, width - LABEL_WIDTH],
    )
    table.setStyle(table_style(left=0, top=1.2, bottom=1.2))
    return table
