"""The certificate-of-completion page(s) appended to a signed PDF.

Laid out with reportlab's platypus so long values (user agents, names) wrap and a document with
many participants or events flows onto further pages instead of running off the first. Only the
bundled TrueType fonts are used (embedded as subsets): no PDF standard font, which a reader would
substitute. Every value from a user is XML-escaped before it reaches a Paragraph (which parses
markup). The wording is in certificate_text (pure), the column maths in layout.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from . import fonts
from .certificate_text import (
    N_,
    Words,
    audit_how_to_verify,
    audit_summary,
    authentication,
    consent,
    event_rows,
    location,
    role_labels,
)
from .geometry import Rect
from .layout import fit_contain, share
from .models import Certificate, DrawnSignature, Participant, TypedSignature
from .safe_image import SIGNATURE_MAX_PIXELS, open_untrusted

MARGIN = 48.0
LABEL_WIDTH = 92.0
SIGNATURE_BOX = (170.0, 64.0)
EVENT_COLUMNS = (2.6, 2.3, 1.9, 4.2)  # time, event, IP address and its location, user agent
GREY = colors.Color(0.35, 0.35, 0.35)
RULE = colors.Color(0.78, 0.78, 0.78)
SHADE = colors.Color(0.95, 0.95, 0.95)
INK = colors.Color(0.05, 0.11, 0.40)  # signatures in the same pen blue as on the pages
VERIFY_ENDPOINT = "POST /api/v1/verify"
ORIGINAL_HASH_NOTE = N_(
    "SHA-256 of the PDF exactly as it was sent for signature, before any value was stamped "
    "and before this certificate was added."
)
FINAL_HASH_NOTE = N_(
    "The SHA-256 of the final, sealed file cannot be printed inside that file (printing it "
    "would change it): it is recorded as the document's signedFileHash and returned by "
    "the verification endpoint below."
)


def _styles() -> dict[str, ParagraphStyle]:
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


def _table_style(commands: list[tuple[object, ...]]) -> TableStyle:
    # A table's own font (used when it opens each cell, even a cell holding only Paragraphs)
    # defaults to Helvetica: name ours, so no standard font lands in the page's resources.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.SANS), *commands])


def _text(value: str | None) -> str:
    return escape(value) if value else "—"


def _rows(pairs: list[tuple[str, Flowable]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    table = Table(
        [[Paragraph(escape(label), styles["label"]), value] for label, value in pairs],
        colWidths=[LABEL_WIDTH, width - LABEL_WIDTH],
    )
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    return table


def _signature(signature: TypedSignature | DrawnSignature | None, styles: dict[str, ParagraphStyle]) -> Flowable:
    if isinstance(signature, DrawnSignature):
        image = open_untrusted(signature.image, max_pixels=SIGNATURE_MAX_PIXELS).convert("RGBA")
        # Flattened onto the page's white: no soft mask (transparency) on the certificate (pdfa.py).
        flat = PILImage.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        placed = fit_contain(flat.width, flat.height, Rect(0, 0, *SIGNATURE_BOX))
        png = io.BytesIO()
        flat.save(png, format="PNG")  # re-encoded from the checked pixels, not the signer's bytes
        png.seek(0)
        return Image(png, width=placed.width, height=placed.height)
    if isinstance(signature, TypedSignature):
        font = fonts.script_or_fallback(signature.text)
        return Paragraph(escape(signature.text), styles["script" if font == fonts.SCRIPT else "sans_signature"])
    return Paragraph("—", styles["value"])


def _events(p: Participant, styles: dict[str, ParagraphStyle], width: float, _: Words) -> Table | None:
    rows = event_rows(p.events, _)
    if not rows:
        return None
    small, label = styles["small"], styles["label"]
    header = [Paragraph(escape(h), label) for h in (_("Time (UTC)"), _("Event"), _("IP, location"), _("User agent"))]
    # The location under its address, in one cell: the user agent beside it takes two lines
    # anyway, so the place costs no height (a page holds as many events as before).
    body = [
        [Paragraph(escape(cell), small) for cell in (at, what)]
        + [Paragraph(escape(ip) if ip == "—" else f"{escape(ip)}<br/>{escape(place)}", small)]
        + [Paragraph(escape(agent), small)]
        for at, what, ip, place, agent in rows
    ]
    # Splittable with its header repeated: a long history continues on the next page.
    table = Table([header, *body], colWidths=share(width, EVENT_COLUMNS), repeatRows=1)
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _participant(
    p: Participant, otp_method: str | None, styles: dict[str, ParagraphStyle], width: float, _: Words
) -> list[Flowable]:
    role, action = role_labels(p.role, _)
    value = styles["value"]
    # The signature's column: the box plus the cell's padding (8 left, 6 right), so a full-width
    # signature stays inside the block's border.
    signature_column = SIGNATURE_BOX[0] + 16
    details_width = width - signature_column
    details = _rows(
        [
            (_("Participant"), Paragraph(f"<b>{_text(p.name)}</b>, {_text(p.email)} ({escape(role)})", value)),
            (_("Authentication"), Paragraph(escape(authentication(p, otp_method, _)), value)),
            (_("Consent"), Paragraph(escape(consent(p, _)), value)),
            (_("Viewed"), Paragraph(escape(_.when(p.viewed_at)), value)),
            (action, Paragraph(escape(_.when(p.signed_at)), value)),
            (
                _("IP address"),
                Paragraph(f"{escape(p.ip)} ({escape(location(p.ip, p.place, _))})" if p.ip else "—", value),
            ),
            (_("User agent"), Paragraph(_text(p.user_agent), value)),
        ],
        styles,
        details_width - 16,
    )
    signature_cell = [Paragraph(escape(_("Signature")), styles["label"]), Spacer(1, 4), _signature(p.signature, styles)]
    block = Table([[details, signature_cell]], colWidths=[details_width, signature_column])
    block.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    events = _events(p, styles, width, _)
    if events is None:
        return [KeepTogether([block, Spacer(1, 8)])]
    # The block and the start of its history stay together; the history itself may split.
    return [KeepTogether([block, Spacer(1, 3)]), events, Spacer(1, 10)]


def _pages(cert: Certificate, original_pages: int, _: Words) -> str:
    attached = sum(a.pages or 0 for a in cert.attachments)
    if attached:
        return _("%(pages)s + %(attached)s attached + this certificate") % {
            "pages": original_pages,
            "attached": attached,
        }
    return _("%(pages)s + this certificate") % {"pages": original_pages}


def _summary(
    cert: Certificate, original_pages: int, styles: dict[str, ParagraphStyle], width: float, _: Words
) -> Table:
    """Document and sender side by side: the top of the page answers what, and from whom."""
    value = styles["value"]
    left, right = share(width, (1, 1))
    document = _rows(
        [
            (_("Document"), Paragraph(_text(cert.document_name), value)),
            (_("Document ID"), Paragraph(_text(cert.document_id), value)),
            (_("Pages"), Paragraph(escape(_pages(cert, original_pages, _)), value)),
            (_("Sent"), Paragraph(escape(_.when(cert.sent_at)), value)),
            (_("Completed"), Paragraph(escape(_.when(cert.completed_at)), value)),
        ],
        styles,
        left - 10,
    )
    sender = _rows(
        [
            (_("Sender"), Paragraph(_text(cert.sender_name), value)),
            (_("Sender email"), Paragraph(_text(cert.sender_email), value)),
            (_("Organisation"), Paragraph(_text(cert.sender_org_name), value)),
            (_("Participants"), Paragraph(str(len(cert.participants)), value)),
        ],
        styles,
        right - 10,
    )
    table = Table([[document, sender]], colWidths=[left, right])
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBEFORE", (1, 0), (1, 0), 0.6, RULE),
                ("LEFTPADDING", (1, 0), (1, 0), 10),
            ]
        )
    )
    return table


def _integrity(
    cert: Certificate, styles: dict[str, ParagraphStyle], width: float, pdfa_statement: str | None, _: Words
) -> list[Flowable]:
    note = styles["note"]
    how = _(
        "Upload the file to %(endpoint)s (form field %(field)s, no API key needed) or the /verify "
        "page: it names the document, says whether the bytes match the record and whether the seal "
        "is valid. The full audit trail (with geo-location) is available to the sender from the "
        "audit API."
    )
    return [
        Paragraph(escape(_("Integrity and verification")), styles["heading"]),
        _rows(
            [
                (_("Original SHA-256"), Paragraph(_text(cert.original_sha256), styles["mono"])),
                ("", Paragraph(escape(_(ORIGINAL_HASH_NOTE)), note)),
                (_("Signed file"), Paragraph(escape(_(FINAL_HASH_NOTE)), note)),
                (
                    _("Seal"),
                    Paragraph(
                        escape(
                            _(
                                "The file carries a PAdES digital seal of the sending organisation's certificate: "
                                "any change after completion shows in any PDF reader's signature panel."
                            )
                        ),
                        note,
                    ),
                ),
                (
                    _("How to verify"),
                    Paragraph(escape(how) % {"endpoint": VERIFY_ENDPOINT, "field": "<i>file</i>"}, note),
                ),
                *_audit_rows(cert, styles, _),
                *([("PDF/A", Paragraph(escape(pdfa_statement), note))] if pdfa_statement else []),
            ],
            styles,
            width,
        ),
    ]


def _attachments(cert: Certificate, styles: dict[str, ParagraphStyle], width: float, _: Words) -> list[Flowable]:
    """Each attachment sent along with the document: its name, where it is in this file, and the
    SHA-256 of the attached PDF (an image was converted to PDF before it was hashed)."""
    if not cert.attachments:
        return []
    rows: list[tuple[str, Flowable]] = []
    for number, attachment in enumerate(cert.attachments, 1):
        pages = ""
        if attachment.first_page is not None and attachment.pages:
            last = attachment.first_page + attachment.pages - 1
            pages = " — " + (
                _("page %(page)s") % {"page": attachment.first_page}
                if last == attachment.first_page
                else _("pages %(first)s–%(last)s") % {"first": attachment.first_page, "last": last}
            )
        label = _("Attachment %(number)s") % {"number": number}
        rows.append((label, Paragraph(_text(attachment.name) + escape(pages), styles["value"])))
        rows.append(("SHA-256", Paragraph(_text(attachment.sha256), styles["mono"])))
    return [Paragraph(escape(_("Attachments")), styles["heading"]), _rows(rows, styles, width)]


def _audit_rows(cert: Certificate, styles: dict[str, ParagraphStyle], _: Words) -> list[tuple[str, Flowable]]:
    """The audit chain's head when the document completed, and how anyone given the trail checks it."""
    if cert.audit_head is None:
        return []
    head = cert.audit_head
    return [
        (_("Audit trail"), Paragraph(escape(audit_summary(head, _)), styles["note"])),
        ("", Paragraph(escape(head.hash), styles["mono"])),
        ("", Paragraph(escape(audit_how_to_verify(cert.document_id, head, _)), styles["note"])),
    ]


def render_certificate(
    cert: Certificate, *, page_size: tuple[float, float], original_pages: int, pdfa_statement: str | None = None
) -> bytes:
    """The certificate as a standalone PDF (one page for a typical handful of participants)."""
    styles = _styles()
    _ = Words(cert.language)
    title = _("Certificate of Completion")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        invariant=1,
        title=f"{title} — {cert.document_name}",
        author="Countersign",
        creator="Countersign",
        # reportlab opens every page in Helvetica unless told otherwise, which
        # puts a non-embedded standard font in the page's resources.
        initialFontName=fonts.SANS,
    )
    width = page_size[0] - 2 * MARGIN
    story: list[Flowable] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(
            escape(
                _(
                    "Issued by Countersign when every required participant had signed or approved. "
                    "This page is part of the signed document."
                )
            ),
            styles["note"],
        ),
        Spacer(1, 10),
        _summary(cert, original_pages, styles, width, _),
    ]
    story += _integrity(cert, styles, width, pdfa_statement, _)
    story += _attachments(cert, styles, width, _)
    story.append(Paragraph(escape(_("Participants")), styles["heading"]))
    for participant in cert.participants:
        story += _participant(participant, cert.otp_method, styles, width, _)
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            escape(
                _(
                    "Times are in UTC. IP addresses and user agents are as seen by Countersign when each "
                    "participant acted; emails are sent by the platform, so they have none."
                )
            ),
            styles["note"],
        )
    )
    doc.build(story)
    return buf.getvalue()
