"""Scope matching of inSigner-style keys: exact scopes, resource wildcards, `*`."""

import pytest

from services.gateway.scopes import KNOWN_SCOPES, grants, parse_scopes


@pytest.mark.parametrize(
    ("held", "required"),
    [
        (["documents.read"], "documents.read"),
        (["documents.*"], "documents.read"),
        (["documents.*"], "documents.delete"),
        (["*"], "documents.send"),
        (["*"], "org.read"),
        (["webhooks.read", "org.read"], "org.read"),
    ],
)
def test_grants(held: list[str], required: str) -> None:
    assert grants(held, required)


@pytest.mark.parametrize(
    ("held", "required"),
    [
        ([], "documents.read"),
        (["documents.read"], "documents.create"),
        (["documents.create"], "documents.write"),
        # Another resource's wildcard grants nothing on documents.
        (["campaigns.*"], "documents.read"),
        (["webhooks.*", "bulk_sends.*"], "documents.delete"),
        (["documents.*"], "org.read"),
        (["documents.*"], "templates.read"),
        # A scope that merely shares a prefix is not the same resource.
        (["document.*"], "documents.read"),
    ],
)
def test_does_not_grant(held: list[str], required: str) -> None:
    assert not grants(held, required)


def test_grants_accepts_any_collection() -> None:
    assert grants(("documents.*",), "documents.write")
    assert grants(frozenset({"*"}), "webhooks.delete")


def test_parse_scopes_dedupes_and_sorts() -> None:
    assert parse_scopes(" documents.read,org.read , documents.read") == ["documents.read", "org.read"]
    assert parse_scopes("*") == ["*"]
    assert parse_scopes("documents.*,webhooks.*") == ["documents.*", "webhooks.*"]


def test_every_reference_scope_is_known() -> None:
    reference = {
        "*",
        "documents.*",
        "documents.read",
        "documents.create",
        "documents.write",
        "documents.send",
        "documents.delete",
        "templates.read",
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
    }
    # Beyond the reference, documented in docs/api.md: uploading the organisation's seal certificate,
    # and making and editing templates (the reference can only read them).
    ours = {"org.write", "templates.*", "templates.create", "templates.update", "templates.delete"}
    assert KNOWN_SCOPES == reference | ours


@pytest.mark.parametrize(
    "value", ["documents.reed", "documents", "org.*", "templates.write", "admin", "documents.read,nope"]
)
def test_parse_scopes_rejects_unknown(value: str) -> None:
    with pytest.raises(ValueError, match="unknown scope"):
        parse_scopes(value)


def test_parse_scopes_names_the_unknown_scope() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_scopes("documents.read,documents.frobnicate")
    assert "documents.frobnicate" in str(excinfo.value)
    assert "documents.read," not in str(excinfo.value).split(";")[0]


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_parse_scopes_rejects_empty(value: str) -> None:
    with pytest.raises(ValueError, match="at least one scope"):
        parse_scopes(value)
