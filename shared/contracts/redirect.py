"""`redirectUrl`: where a signer is sent once they have signed or declined.

Campaigns (shared/contracts/campaigns.py), documents and signers take the same type, with the
inSigner reference's limit (api-campaigns.txt: "URL to redirect after signing (max 2000 chars)").
The signing page puts it in `window.location`, so only what a browser would open as a web page
is accepted: an absolute https URL to a named host, nothing a browser would run (javascript:,
data:), no credentials, no whitespace or control characters. An invalid one is a 422
`validation-error` naming `redirectUrl`, and nothing is stored; the database checks the scheme
and length again (migrations 0019 and 0023).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

from shared.text import SINGLE_LINE

MAX_REDIRECT_URL = 2000


def https_only(value: str) -> str:
    """An absolute https URL to a named host: nothing a browser would run (javascript:, data:)
    and no credentials in it."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise ValueError("Must be an https URL") from None
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError("Must be an https URL (https://host/…), without credentials")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in value):
        raise ValueError("Must not contain spaces or control characters")
    return value


RedirectUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REDIRECT_URL),
    AfterValidator(https_only),
    SINGLE_LINE,
    Field(description="Where the signer is sent after signing: https only, at most 2000 characters"),
]
