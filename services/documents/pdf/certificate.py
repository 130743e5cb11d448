"""The certificate-of-completion page(s) appended to a signed PDF: the sections in order, built
into a standalone PDF.

Laid out with reportlab's platypus so long values (user agents, names) wrap and a document with
many participants or events flows onto further pages instead of running off the first. The look
(fonts, colours, the label/value table) is in certificate_style, the document-wide sections in
certificate_sections, each participant's block in certificate_participant, the wording in
certificate_text (pure), the column maths in layout.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from . import fonts
from .certificate_participant import participant_block
from .certificate_sections import attachments, integrity, summary
from .certificate_style import MARGIN, styles
from .certificate_text import Words
from .models import Certificate


def render_certificate(
    cert: Certificate, *, page_size: tuple[float, float], original_pages: int, pdfa_statement: str | None = None
) -> bytes:
    """The certificate as a standalone PDF (one page for a typical handful of participants)."""
    look = styles()
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
        Paragraph(escape(title), look["title"]),
        Paragraph(
            escape(
                _(
                    "Issued by Countersign when every required participant had signed or approved. "
                    "This page is part of the signed document."
                )
            ),
            look["note"],
        ),
        Spacer(1, 10),
        summary(cert, original_pages, look, width, _),
    ]
    story += integrity(cert, look, width, pdfa_statement, _)
    story += attachments(cert, look, width, _)
    story.append(Paragraph(escape(_("Participants")), look["heading"]))
    for participant in cert.participants:
        story += participant_block(participant, cert.otp_method, look, width, _)
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            escape(
                _(
                    "Times are in UTC. IP addresses and user agents are as seen by Countersign when each "
                    "participant acted; emails are sent by the platform, so they have none."
                )
            ),
            look["note"],
        )
    )
    doc.build(story)
    return buf.getvalue()
