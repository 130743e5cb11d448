"""The shapes of public path parameters, and upstream paths rebuilt from them (pure, no I/O).

The gateway never forwards the path a client sent. It forwards the path of the route it matched,
filled in with that route's parameters, each of which must fit its own shape first. Shapes are
exact (what our id generators make, shared/ids.py and services/documents/domain/tokens.py), ASCII only,
and allow no character that means something in a path or query (`/`, `.`, `%`, `?`, `#`, `;`,
`\\`), so however a client encodes a path, what reaches an internal service is a route of the
public table with well-formed ids, or nothing at all.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Shape:
    pattern: re.Pattern[str]
    refusal: str  # the 404's detail, the same words the internal service uses for a missing one

    def fits(self, value: str) -> bool:
        # fullmatch and re.ASCII: no trailing newline slips through `$`, no Unicode digit or letter.
        return self.pattern.fullmatch(value) is not None


def _shape(regex: str, refusal: str) -> Shape:
    return Shape(re.compile(regex, re.ASCII), refusal)


DOCUMENT_ID = _shape(r"c[0-9a-z]{24}", "Document not found")
SIGNER_ID = _shape(r"sr_[0-9a-z]{20}", "Signer not found")
FIELD_ID = _shape(r"fld_[0-9a-z]{20}", "Field not found")
TEMPLATE_ID = _shape(r"tpl_[0-9a-z]{20}", "Template not found")
ROLE_ID = _shape(r"ts_[0-9a-z]{20}", "Role not found")
TEMPLATE_FIELD_ID = _shape(r"tf_[0-9a-z]{20}", "Field not found")
BULK_SEND_ID = _shape(r"bs_[0-9a-z]{20}", "Bulk send not found")
ATTACHMENT_ID = _shape(r"att_[0-9a-z]{20}", "Attachment not found")
CAMPAIGN_ID = _shape(r"cmp_[0-9a-z]{20}", "Campaign not found")
WEBHOOK_ID = _shape(r"wh_[0-9a-z]{20}", "Webhook not found")
DELIVERY_ID = _shape(r"whd_[0-9a-z]{20}", "Delivery not found")
# base64url of an HMAC-SHA256 (services/documents/domain/tokens.py)
SIGNING_TOKEN = _shape(r"[A-Za-z0-9_-]{43}", "This signing link is not valid; ask the sender for a new one")
PAGE_NUMBER = _shape(r"[1-9][0-9]{0,4}", "No such page")
WPSIGNER_NUMBER = _shape(r"[0-9]{1,18}", "Document not found.")  # WordPress route ids: \d+, a bigint here

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "_-")


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def misfit(shapes: Mapping[str, Shape], values: Mapping[str, str]) -> Shape | None:
    """The shape of the first parameter that does not fit it (None: all fit)."""
    for name, shape in shapes.items():
        if not shape.fits(values.get(name, "")):
            return shape
    return None


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its (already shape-checked) value.

    Percent-encoding is a second guard only: a checked value has no character it would change,
    which `fill` asserts rather than silently forwarding an encoded surprise.
    """

    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if not value or not set(value) <= _PATH_SAFE:
            raise ValueError(f"unchecked path parameter {match.group(1)!r}")
        return quote(value, safe="")

    return _PLACEHOLDER.sub(one, template)
