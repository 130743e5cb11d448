"""Statuses between the core and WPsigner (services/gateway/wpsigner/statuses.py)."""

from __future__ import annotations

import pytest

from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.statuses import document_status, signer_status, status_command, status_filter


@pytest.mark.parametrize(
    ("core", "viewed", "wp"),
    [
        ("draft", False, "draft"),
        ("pending", False, "sent"),
        ("pending", True, "viewed"),
        ("action_required", False, "sent"),
        ("action_required", True, "viewed"),
        ("completed", True, "completed"),
        ("declined", True, "declined"),
        ("expired", False, "expired"),
        ("cancelled", False, "cancelled"),
    ],
)
def test_document_status(core: str, viewed: bool, wp: str) -> None:
    assert document_status(core, viewed) == wp


@pytest.mark.parametrize(
    ("wp", "statuses", "viewed"),
    [
        ("draft", ("draft",), None),
        ("sent", ("pending", "action_required"), False),
        ("viewed", ("pending", "action_required"), True),
        ("completed", ("completed",), None),
        ("declined", ("declined",), None),
        ("expired", ("expired",), None),
        ("cancelled", ("cancelled",), None),
    ],
)
def test_status_filter_matches_the_mapping(wp: str, statuses: tuple[str, ...], viewed: bool | None) -> None:
    assert status_filter(wp) == (statuses, viewed)
    # Every core status a filter selects reads back as the filtered WPsigner status.
    for core in statuses:
        assert document_status(core, bool(viewed)) == wp


@pytest.mark.parametrize("wp", ["pending", "action_required", "SENT", "", "all"])
def test_unknown_filters_are_invalid_params(wp: str) -> None:
    with pytest.raises(WpError) as refused:
        status_filter(wp)
    assert refused.value.status == 400 and refused.value.code == "rest_invalid_param"
    assert "status" in refused.value.data["params"]


@pytest.mark.parametrize(
    ("core", "viewed_at", "wp"),
    [
        ("pending", None, "pending"),
        ("pending", "2024-01-20 14:00:00", "viewed"),
        ("sent", None, "pending"),
        ("viewed", "2024-01-20 14:00:00", "viewed"),
        ("delivery_failed", None, "pending"),
        ("completed", "2024-01-20 14:00:00", "signed"),
        ("completed", None, "signed"),
        ("declined", "2024-01-20 14:00:00", "declined"),
    ],
)
def test_signer_status(core: str, viewed_at: str | None, wp: str) -> None:
    assert signer_status(core, viewed_at) == wp


@pytest.mark.parametrize(
    ("current", "requested", "command"),
    [
        ("draft", "sent", "send"),
        ("draft", "draft", "none"),
        ("sent", "sent", "none"),
        ("viewed", "sent", "none"),
        ("viewed", "viewed", "none"),
        ("sent", "cancelled", "cancel"),
        ("viewed", "cancelled", "cancel"),
        # The core decides whether these may happen (a completed document cannot be sent again).
        ("completed", "sent", "send"),
        ("draft", "cancelled", "cancel"),
    ],
)
def test_status_commands(current: str, requested: str, command: str) -> None:
    assert status_command(current, requested) == command


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("draft", "completed"),
        ("draft", "viewed"),
        ("sent", "declined"),
        ("sent", "expired"),
        ("completed", "draft"),
    ],
)
def test_statuses_no_request_can_reach_are_conflicts(current: str, requested: str) -> None:
    with pytest.raises(WpError) as refused:
        status_command(current, requested)
    assert refused.value.status == 409 and refused.value.code == "invalid_status_transition"


def test_unknown_requested_status_is_an_invalid_param() -> None:
    with pytest.raises(WpError) as refused:
        status_command("draft", "archived")
    assert refused.value.status == 400 and refused.value.code == "rest_invalid_param"
