"""The certificate-of-completion page(s) appended to a signed PDF.

Laid out with reportlab's platypus so long values (user agents, names) wrap and a document with
many participants flows onto further pages instead of running off the first. Every value from a
user is XML-escaped before it reaches a Paragraph (which parses markup).
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from . import fonts
from .geometry import Rect
from .layout import fit_contain
from .models import Certificate, DrawnSignature, Participant, TypedSignature
from .safe_image import SIGNATURE_MAX_PIXELS, open_untrusted
from .values import format_datetime

MARGIN = 54.0
LABEL_WIDTH = 96.0
SIGNATURE_BOX = (170.0, 64.0)
GREY = colors.Color(0.35, 0.35, 0.35)
RULE = colors.Color(0.78, 0.78, 0.78)
INK = colors.Color(0.05, 0.11, 0.40)  # signatures in the same pen blue as on the pages
ROLE_LABELS = {"signer": ("Signer", "Signed"), "approver": ("Approver", "Approved"), "viewer": ("Viewer", "Completed")}


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    return {
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=4),
        "note": ParagraphStyle("note", fontName="Helvetica", fontSize=8.5, leading=11, textColor=GREY),
        "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=11.5, leading=15,
                                  spaceBefore=14, spaceAfter=6),
        "label": ParagraphStyle("label", fontName="Helvetica-Bold", fontSize=8.5, leading=11, textColor=GREY),
        "value": ParagraphStyle("value", fontName=fonts.SANS, fontSize=9, leading=11.5),
        "mono": ParagraphStyle("mono", fontName="Courier", fontSize=8.5, leading=11),
        "script": ParagraphStyle("script", fontName=fonts.SCRIPT, fontSize=22, leading=28, textColor=INK),
        "sans_signature": ParagraphStyle("sans_signature", fontName=fonts.SANS, fontSize=15, leading=20, textColor=INK),
    }


def _text(value: str | None) -> str:
    return escape(value) if value else "—"


def _when(value: datetime | None) -> str:
    return format_datetime(value) if value is not None else "—"


def _rows(pairs: list[tuple[str, Flowable]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    table = Table([[Paragraph(escape(label), styles["label"]), value] for label, value in pairs],
                  colWidths=[LABEL_WIDTH, width - LABEL_WIDTH])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _signature(signature: TypedSignature | DrawnSignature | None, styles: dict[str, ParagraphStyle]) -> Flowable:
    if isinstance(signature, DrawnSignature):
        image = open_untrusted(signature.image, max_pixels=SIGNATURE_MAX_PIXELS)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        placed = fit_contain(image.width, image.height, Rect(0, 0, *SIGNATURE_BOX))
        png = io.BytesIO()
        image.save(png, format="PNG")  # re-encoded from the checked pixels, not the signer's bytes
        png.seek(0)
        return Image(png, width=placed.width, height=placed.height, mask="auto")
    if isinstance(signature, TypedSignature):
        font = fonts.script_or_fallback(signature.text)
        return Paragraph(escape(signature.text), styles["script" if font == fonts.SCRIPT else "sans_signature"])
    return Paragraph("—", styles["value"])


def _participant(p: Participant, styles: dict[str, ParagraphStyle], width: float) -> Flowable:
    role, action = ROLE_LABELS.get(p.role, (p.role.title(), "Completed"))
    value = styles["value"]
    details = _rows([
        ("Name", Paragraph(_text(p.name), value)),
        ("Email", Paragraph(_text(p.email), value)),
        ("Role", Paragraph(escape(role), value)),
        ("IP address", Paragraph(_text(p.ip), value)),
        ("User agent", Paragraph(_text(p.user_agent), value)),
        ("Viewed", Paragraph(_when(p.viewed_at), value)),
        (action, Paragraph(_when(p.signed_at), value)),
    ], styles, width - SIGNATURE_BOX[0] - 12)
    signature_cell = [Paragraph("Signature", styles["label"]), Spacer(1, 4), _signature(p.signature, styles)]
    block = Table([[details, signature_cell]], colWidths=[width - SIGNATURE_BOX[0] - 12, SIGNATURE_BOX[0] + 12])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                               ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 7),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]))
    return KeepTogether([block, Spacer(1, 8)])


def render_certificate(cert: Certificate, *, page_size: tuple[float, float], original_pages: int) -> bytes:
    """The certificate as a standalone PDF (one page for a typical handful of participants)."""
    styles = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page_size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, title=f"Certificate of Completion — {cert.document_name}",
                            author="Countersign", creator="Countersign")
    width = page_size[0] - 2 * MARGIN
    value = styles["value"]
    story: list[Flowable] = [
        Paragraph("Certificate of Completion", styles["title"]),
        Paragraph("Issued by Countersign when every required participant had signed or approved. "
                  "This page is part of the signed document.", styles["note"]),
        Spacer(1, 12),
        _rows([
            ("Document", Paragraph(_text(cert.document_name), value)),
            ("Document ID", Paragraph(_text(cert.document_id), value)),
            ("Original SHA-256", Paragraph(_text(cert.original_sha256), styles["mono"])),
            ("Pages", Paragraph(f"{original_pages} + this certificate", value)),
            ("Sent", Paragraph(_when(cert.sent_at), value)),
            ("Completed", Paragraph(_when(cert.completed_at), value)),
        ], styles, width),
        Paragraph("Participants", styles["heading"]),
    ]
    story += [_participant(p, styles, width) for p in cert.participants]
    story.append(Paragraph(
        "Times are in UTC. The SHA-256 fingerprint identifies the document exactly as it was sent for "
        "signature; IP addresses and user agents are as seen by Countersign when each participant acted.",
        styles["note"]))
    doc.build(story)
    return buf.getvalue()
