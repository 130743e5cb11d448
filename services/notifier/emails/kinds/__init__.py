"""One module per email kind: its subject line and what it needs fetched before sending.

The bodies are Jinja templates beside them (services/notifier/emails/templates/<kind>.html and
.txt); a module here holds no markup. Each module has:

    needs(ctx) -> "signing_link" | "otp_code" | "download_link" | None
    subject(ctx) -> str    (plain text; headers.one_line makes it a safe header)
"""

from __future__ import annotations

from types import ModuleType

from services.notifier.emails.kinds import (
    cancelled,
    completed,
    declined,
    delivery_failed,
    expired,
    invitation,
    otp,
    reminder,
)

KIND_MODULES: dict[str, ModuleType] = {
    "invitation": invitation,
    "reminder": reminder,
    "otp": otp,
    "completed": completed,
    "declined": declined,
    "cancelled": cancelled,
    "expired": expired,
    "delivery_failed": delivery_failed,
}
