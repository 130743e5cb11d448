"""Which recorded events the certificate of completion lists for a participant (pure: no I/O).

The rows come from the outbox (db/participant_event_repository.py). Verifying a one-time code
records no event, only `signers.otp_verified_at`, so that step is added from the signer's row
(without an IP: the column keeps none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from services.documents.pdf.models import ParticipantEvent, Place

EVENT_KINDS = {
    "signer.invited": "invited",
    "signer.reminded": "reminded",
    "signer.viewed": "viewed",
    "signer.otp_requested": "otp_requested",
    "signer.otp_locked": "otp_locked",
    "signer.otp_unlocked": "otp_unlocked",
    "signer.completed": "signed",
    "signer.approved": "approved",
    "signer.declined": "declined",
}


def by_participant(
    rows: Sequence[Mapping[str, Any]],
    signers: Sequence[Mapping[str, Any]],
    places: Mapping[str, Place] | None = None,
) -> dict[str, list[ParticipantEvent]]:
    """signer id → that participant's events, oldest first; `places`: IP address → where it is
    (the GeoIP lookups, done by the caller: an address missing from it has no known place)."""
    places = places or {}
    events: dict[str, list[ParticipantEvent]] = defaultdict(list)
    for row in rows:
        kind = EVENT_KINDS.get(row["type"])
        if kind is not None and row["signer_id"]:
            events[row["signer_id"]].append(
                ParticipantEvent(kind, row["at"], row["ip"], row["user_agent"], places.get(row["ip"] or ""))
            )
    for signer in signers:
        if signer.get("otp_verified_at") is not None:
            events[signer["id"]].append(ParticipantEvent("otp_verified", signer["otp_verified_at"]))
    return {signer_id: sorted(items, key=lambda e: e.at) for signer_id, items in events.items()}
