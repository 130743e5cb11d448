"""Scope matching for inSigner-style keys (pure, no I/O).

A key holds scopes such as `documents.read`, `documents.*` or `*`. A route requires exactly one
scope; a key grants it when it holds that scope, the wildcard of its resource, or `*`.
"""

from __future__ import annotations

KNOWN_SCOPES: frozenset[str] = frozenset(
    {
        "*",
        "documents.*",
        "documents.read",
        "documents.create",
        "documents.write",
        "documents.send",
        "documents.delete",
        "templates.read",
        # Countersign's own (the reference can only read templates): docs/templates.md.
        "templates.*",
        "templates.create",
        "templates.update",
        "templates.delete",
        "campaigns.*",
        "campaigns.read",
        "campaigns.create",
        "campaigns.update",
        "campaigns.delete",
        "bulk_sends.*",
        "bulk_sends.read",
        "bulk_sends.create",
        "bulk_sends.delete",
        "webhooks.*",
        "webhooks.read",
        "webhooks.create",
        "webhooks.update",
        "webhooks.delete",
        "org.read",
        "org.write",
    }
)


def grants(held: list[str] | tuple[str, ...] | frozenset[str], required: str) -> bool:
    if "*" in held or required in held:
        return True
    resource, _, _ = required.partition(".")
    return f"{resource}.*" in held


def parse_scopes(value: str) -> list[str]:
    """Parse a comma list from the CLI; raises ValueError naming any unknown scope."""
    scopes = sorted({part.strip() for part in value.split(",") if part.strip()})
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_SCOPES))}")
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes
