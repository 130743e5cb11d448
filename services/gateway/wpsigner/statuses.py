"""Statuses between the core and WPsigner (pure, no I/O). docs/wpsigner.md has the tables.

WPsigner documents: draft, sent, viewed, completed, declined, expired. The core's `pending` is
`sent`, or `viewed` once any signer has opened the signing page; `action_required` (a delivery
failed and the sender must fix a signer) is still out for signature, so it reads the same way.
WPsigner has no cancelled status: a cancelled document is reported as `cancelled`, an
extension a WPsigner client shows as an unknown status rather than a wrong known one.
"""

from __future__ import annotations

from typing import Literal

from services.gateway.wpsigner.errors import WpError, invalid_params

WP_STATUSES: tuple[str, ...] = ("draft", "sent", "viewed", "completed", "declined", "expired")
# Accepted in filters and PUT besides WPsigner's own statuses.
EXTENSION_STATUSES: tuple[str, ...] = ("cancelled",)
OUT_FOR_SIGNATURE: tuple[str, ...] = ("pending", "action_required")


def document_status(core_status: str, any_viewed: bool) -> str:
    if core_status in OUT_FOR_SIGNATURE:
        return "viewed" if any_viewed else "sent"
    return core_status  # draft, completed, declined, expired, cancelled: the same words


def status_filter(wp_status: str) -> tuple[tuple[str, ...], bool | None]:
    """The core statuses and the "some signer viewed it" condition of a WPsigner status filter."""
    if wp_status == "sent":
        return OUT_FOR_SIGNATURE, False
    if wp_status == "viewed":
        return OUT_FOR_SIGNATURE, True
    if wp_status in WP_STATUSES or wp_status in EXTENSION_STATUSES:
        return (wp_status,), None
    raise invalid_params({"status": f"status is not one of {', '.join(WP_STATUSES + EXTENSION_STATUSES)}."})


def signer_status(core_status: str, viewed_at: str | None) -> str:
    """WPsigner signers are pending, viewed, signed or declined. An approver who approved is
    `signed` (done); a signer whose invitation bounced is still `pending` (awaiting action)."""
    if core_status == "declined":
        return "declined"
    if core_status == "completed":
        return "signed"
    return "viewed" if viewed_at else "pending"


Command = Literal["none", "send", "cancel"]


def status_command(current: str, requested: str) -> Command:
    """What `PUT /documents/{id}` with `status` asks the core to do.

    Only two statuses are reachable by a command: `sent` (send) and `cancelled` (cancel); the
    core decides whether the document's state allows it. Asking for the status a document
    already has changes nothing (`sent` on a viewed document included: viewed is still sent).
    Every other status is reached by what signers do or by time, never by a request: 409.
    """
    if requested not in WP_STATUSES and requested not in EXTENSION_STATUSES:
        raise invalid_params({"status": f"status is not one of {', '.join(WP_STATUSES + EXTENSION_STATUSES)}."})
    if requested == current or (requested == "sent" and current == "viewed"):
        return "none"
    if requested == "sent":
        return "send"
    if requested == "cancelled":
        return "cancel"
    raise WpError(
        409,
        "invalid_status_transition",
        f"The status cannot be changed from {current} to {requested}: only sent (send) and "
        "cancelled (cancel) can be requested.",
        current=current,
        requested=requested,
    )
