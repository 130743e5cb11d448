"""The document-wide sections of the certificate of completion: the summary (what, from whom),
integrity and verification (hashes, seal, audit chain, PDF/A) and the attachments (reportlab
platypus, no I/O). The wording is in certificate_text.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph, Table

from .certificate_style import RULE, Styles, rows, table_style, text
from .certificate_text import N_, Words, attachment_pages, audit_how_to_verify, audit_summary, page_count
from .layout import share
from .models import Certificate

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


def summary(cert: Certificate, original_pages: int, look: Styles, width: float, _: Words) -> Table:
    """Document and sender side by side: the top of the page answers what, and from whom."""
    value = look["value"]
    left, right = share(width, (1, 1))
    document = rows(
        [
            (_("Document"), Paragraph(text(cert.document_name), value)),
            (_("Document ID"), Paragraph(text(cert.document_id), value)),
            (_("Pages"), Paragraph(escape(page_count(cert, original_pages, _)), value)),
            (_("Sent"), Paragraph(escape(_.when(cert.sent_at)), value)),
            (_("Completed"), Paragraph(escape(_.when(cert.completed_at)), value)),
        ],
        look,
        left - 10,
    )
    sender = rows(
        [
            (_("Sender"), Paragraph(text(cert.sender_name), value)),
            (_("Sender email"), Paragraph(text(cert.sender_email), value)),
            (_("Organisation"), Paragraph(text(cert.sender_org_name), value)),
            (_("Participants"), Paragraph(str(len(cert.participants)), value)),
        ],
        look,
        right - 10,
    )
    table = Table([[document, sender]], colWidths=[left, right])
    table.setStyle(table_style(("LINEBEFORE", (1, 0), (1, 0), 0.6, RULE), ("LEFTPADDING", (1, 0), (1, 0), 10), left=0))
    return table


def integrity(cert: Certificate, look: Styles, width: float, pdfa_statement: str | None, _: Words) -> list[Flowable]:
    note = look["note"]
    how = _(
        "Upload the file to %(endpoint)s (form field %(field)s, no API key needed) or the /verify "
        "page: it names the document, says whether the bytes match the record and whether the seal "
        "is valid. The full audit trail (with geo-location) is available to the sender from the "
        "audit API."
    )
    seal = _(
        "The file carries a PAdES digital seal of the sending organisation's certificate: "
        "any change after completion shows in any PDF reader's signature panel."
    )
    return [
        Paragraph(escape(_("Integrity and verification")), look["heading"]),
        rows(
            [
                (_("Original SHA-256"), Paragraph(text(cert.original_sha256), look["mono"])),
                ("", Paragraph(escape(_(ORIGINAL_HASH_NOTE)), note)),
                (_("Signed file"), Paragraph(escape(_(FINAL_HASH_NOTE)), note)),
                (_("Seal"), Paragraph(escape(seal), note)),
                (
                    _("How to verify"),
                    Paragraph(escape(how) % {"endpoint": VERIFY_ENDPOINT, "field": "<i>file</i>"}, note),
                ),
                *_audit_rows(cert, look, _),
                *([("PDF/A", Paragraph(escape(pdfa_statement), note))] if pdfa_statement else []),
            ],
            look,
            width,
        ),
    ]


def _audit_rows(cert: Certificate, look: Styles, _: Words) -> list[tuple[str, Flowable]]:
    """The audit chain's head when the document completed, and how anyone given the trail checks it."""
    if cert.audit_head is None:
        return []
    head = cert.audit_head
    return [
        (_("Audit trail"), Paragraph(escape(audit_summary(head, _)), look["note"])),
        ("", Paragraph(escape(head.hash), look["mono"])),
        ("", Paragraph(escape(audit_how_to_verify(cert.document_id, head, _)), look["note"])),
    ]


def attachments(cert: Certificate, look: Styles, width: float, _: Words) -> list[Flowable]:
    """Each attachment sent along with the document: its name, where it is in this file, and the
    SHA-256 of the attached PDF (an image was converted to PDF before it was hashed)."""
    if not cert.attachments:
        return []
    listed: list[tuple[str, Flowable]] = []
    for number, attachment in enumerate(cert.attachments, 1):
        label = _("Attachment %(number)s") % {"number": number}
        listed.append(
            (label, Paragraph(text(attachment.name) + escape(attachment_pages(attachment, _)), look["value"]))
        )
        listed.append(("SHA-256", Paragraph(text(attachment.sha256), look["mono"])))
    return [Paragraph(escape(_("Attachments")), look["heading"]), rows(listed, look, width)]
