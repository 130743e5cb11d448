"""Which path `file_path` may name (pure, no I/O): a file inside the import directory.

WPsigner's POST /documents takes "the full path to the PDF file" on the server. Countersign reads
such paths only inside one configured directory (WPSIGNER_IMPORT_ROOT). This module is the
lexical half of that rule; importfile.py adds what only the filesystem can tell (symlinks).

Refused: anything that is not a non-empty string, NUL bytes, any `..` component (even one that
would stay inside: there is no honest reason to send one), and absolute paths outside the
root. A relative path is taken relative to the root. Nothing is URL-decoded: `%2e%2e` is a
literal file name here, as it is to the filesystem.
"""

from __future__ import annotations

from pathlib import PurePosixPath

MAX_PATH = 4096


class PathRefused(Exception):
    """`file_path` names nothing this API may read; the message says why, for the client."""


def lexical_target(root: PurePosixPath, requested: object) -> PurePosixPath:
    """The path inside `root` that `requested` names, or PathRefused. `root` must be absolute
    and normalised (no `..`, no trailing slash)."""
    if not root.is_absolute() or ".." in root.parts:
        raise ValueError("the import root must be an absolute, normalised path")
    if not isinstance(requested, str) or not requested.strip():
        raise PathRefused("file_path must be a non-empty string.")
    if len(requested) > MAX_PATH:
        raise PathRefused("file_path is too long.")
    if "\x00" in requested:
        raise PathRefused("file_path must not contain NUL bytes.")
    path = PurePosixPath(requested)
    if ".." in path.parts:
        raise PathRefused("file_path must not contain '..'.")
    if path.is_absolute():
        try:
            relative = path.relative_to(root)
        except ValueError:
            raise PathRefused("file_path must be inside the import directory.") from None
    else:
        relative = path
    if not relative.parts:
        raise PathRefused("file_path must name a file inside the import directory.")
    return root / relative


def is_within(path: PurePosixPath, root: PurePosixPath) -> bool:
    """Whether `path` is `root` or below it (both already resolved)."""
    return path == root or root in path.parents
