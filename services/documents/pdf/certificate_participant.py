"""One participant's block on the certificate of completion: who, how they were authenticated,
what they did and from where, their signature, and their history of events (reportlab platypus).

A drawn signature is decoded here from the signer's checked upload (safe_image) and re-encoded:
the certificate never embeds the signer's own bytes.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus.flowables import Flowable

from . import fonts
from .certificate_style import RULE, SHADE, SIGNATURE_BOX, Styles, rows, table_style, text
from .certificate_text import Words, authentication, consent, event_rows, location, role_labels
from .geometry import Rect
from .layout import fit_contain, share
from .models import DrawnSignature, Participant, TypedSignature
from .safe_image import SIGNATURE_MAX_PIXELS, open_untrusted

EVENT_COLUMNS = (2.6, 2.3, 1.9, 4.2)  # time, event, IP address and its location, user agent


def _signature(signature: TypedSignature | DrawnSignature | None, look: Styles) -> Flowable:
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
        return Paragraph(escape(signature.text), look["script" if font == fonts.SCRIPT else "sans_signature"])
    return Paragraph("—", look["value"])


def _events(p: Participant, look: Styles, width: float, _: Words) -> Table | None:
    history = event_rows(p.events, _)
    if not history:
        return None
    small, label = look["small"], look["label"]
    header = [Paragraph(escape(h), label) for h in (_("Time (UTC)"), _("Event"), _("IP, location"), _("User agent"))]
    # The location under its address, in one cell: the user agent beside it takes two lines
    # anyway, so the place costs no height (a page holds as many events as before).
    body = [
        [Paragraph(escape(cell), small) for cell in (at, what)]
        + [Paragraph(escape(ip) if ip == "—" else f"{escape(ip)}<br/>{escape(place)}", small)]
        + [Paragraph(escape(agent), small)]
        for at, what, ip, place, agent in history
    ]
    # Splittable with its header repeated: a long history continues on the next page.
    table = Table([header, *body], colWidths=share(width, EVENT_COLUMNS), repeatRows=1)
    table.setStyle(
        table_style(
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            left=3,
            right=3,
            top=1.5,
            bottom=1.5,
        )
    )
    return table


def participant_block(p: Participant, otp_method: str | None, look: Styles, width: float, _: Words) -> list[Flowable]:
    role, action = role_labels(p.role, _)
    value = look["value"]
    # The signature's column: the box plus the cell's padding (8 left, 6 right), so a full-width
    # signature stays inside the block's border.
    signature_column = SIGNATURE_BOX[0] + 16
    details_width = width - signature_column
    details = rows(
        [
            (_("Participant"), Paragraph(f"<b>{text(p.name)}</b>, {text(p.email)} ({escape(role)})", value)),
            (_("Authentication"), Paragraph(escape(authentication(p, otp_method, _)), value)),
            (_("Consent"), Paragraph(escape(consent(p, _)), value)),
            (_("Viewed"), Paragraph(escape(_.when(p.viewed_at)), value)),
            (action, Paragraph(escape(_.when(p.signed_at)), value)),
            (
                _("IP address"),
                Paragraph(f"{escape(p.ip)} ({escape(location(p.ip, p.place, _))})" if p.ip else "—", value),
            ),
            (_("User agent"), Paragraph(text(p.user_agent), value)),
        ],
        look,
        details_width - 16,
    )
    signature_cell = [Paragraph(escape(_("Signature")), look["label"]), Spacer(1, 4), _signature(p.signature, look)]
    block = Table([[details, signature_cell]], colWidths=[details_width, signature_column])
    block.setStyle(table_style(("BOX", (0, 0), (-1, -1), 0.6, RULE), left=8, top=6, bottom=6))
    events = _events(p, look, width, _)
    if events is None:
        return [KeepTogether([block, Spacer(1, 8)])]
    # The block and the start of its history stay together; the history itself may split.
    return [KeepTogether([block, Spacer(1, 3)]), events, Spacer(1, 10)]
