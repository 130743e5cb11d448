"""The lexical rule of `file_path` (services/gateway/wpsigner/confine.py): inside the import root."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from services.gateway.wpsigner.confine import PathRefused, is_within, lexical_target

ROOT = PurePosixPath("/srv/import")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("contract.pdf", "/srv/import/contract.pdf"),
        ("2024/01/contract.pdf", "/srv/import/2024/01/contract.pdf"),
        ("./2024//01/./contract.pdf", "/srv/import/2024/01/contract.pdf"),
        ("/srv/import/2024/contract.pdf", "/srv/import/2024/contract.pdf"),
        ("/srv/import//a.pdf", "/srv/import/a.pdf"),
        # Not decoded: literal names, which the filesystem treats as names too.
        ("%2e%2e/%2e%2e/etc/passwd", "/srv/import/%2e%2e/%2e%2e/etc/passwd"),
        ("..%2f..%2fetc%2fpasswd", "/srv/import/..%2f..%2fetc%2fpasswd"),
        ("...pdf", "/srv/import/...pdf"),
        ("a\\..\\..\\b.pdf", "/srv/import/a\\..\\..\\b.pdf"),  # a backslash is a character on POSIX
    ],
)
def test_paths_inside_the_root(requested: str, expected: str) -> None:
    assert lexical_target(ROOT, requested) == PurePosixPath(expected)


@pytest.mark.parametrize(
    "requested",
    [
        "../secret.pdf",
        "2024/../../secret.pdf",
        "2024/../contract.pdf",  # stays inside, but `..` is refused outright
        "/etc/passwd",
        "/srv/importer/contract.pdf",  # a sibling whose name starts like the root
        "/srv/import/../import/contract.pdf",
        "/srv",
        "/srv/import",
        "/srv/import/",
        ".",
        "/",
        "",
        "   ",
        "contract.pdf\x00.txt",
        "\x00",
        "a" * 5000,
    ],
)
def test_paths_outside_or_malformed_are_refused(requested: str) -> None:
    with pytest.raises(PathRefused):
        lexical_target(ROOT, requested)


@pytest.mark.parametrize("requested", [None, 42, ["a.pdf"], {"path": "a.pdf"}])
def test_non_strings_are_refused(requested: object) -> None:
    with pytest.raises(PathRefused):
        lexical_target(ROOT, requested)


def test_the_root_must_be_absolute_and_normalised() -> None:
    with pytest.raises(ValueError):
        lexical_target(PurePosixPath("relative/root"), "a.pdf")
    with pytest.raises(ValueError):
        lexical_target(PurePosixPath("/srv/../etc"), "a.pdf")


def test_is_within() -> None:
    assert is_within(PurePosixPath("/srv/import/a/b.pdf"), ROOT)
    assert is_within(ROOT, ROOT)
    assert not is_within(PurePosixPath("/srv/importer/b.pdf"), ROOT)
    assert not is_within(PurePosixPath("/srv"), ROOT)
