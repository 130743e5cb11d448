"""Which test namespaces a live process is using: one lock file per namespace, held while it runs.

A test process holds a *shared* flock on `<lock dir>/<namespace>.lock` for its whole life
(tests/conftest.py). The kernel drops a flock with the process that held it, however it ended
(SIGKILL, OOM, a closed terminal), so a lock file that no process holds names a namespace whose
run is over: what is left of it on the broker and in PostgreSQL is garbage.

The cleaner takes each lock *exclusively* and without waiting. Getting it proves nobody uses the
namespace, and a run that starts meanwhile waits on its shared lock until the cleaning is done,
so it never sees its names vanish under it. Several runs of one namespace share the lock.

The directory is machine-wide (not per checkout): every worktree's runs share one broker.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOCK_DIR_VARIABLE = "COUNTERSIGN_TEST_LOCK_DIR"
_SUFFIX = ".lock"


def lock_dir() -> Path:
    configured = os.environ.get(LOCK_DIR_VARIABLE)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "countersign-test-namespaces"


def hold_namespace(namespace: str, directory: Path | None = None) -> int:
    """Mark `namespace` in use until the returned descriptor is closed (or the process ends)."""
    directory = directory or lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (namespace + _SUFFIX)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a cleaner holds it
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return fd
        # A cleaner removed this file while we waited: a lock on it would protect nothing.
        os.close(fd)


def registered_namespaces(directory: Path | None = None) -> list[str]:
    """Every namespace with a lock file, held or not."""
    directory = directory or lock_dir()
    if not directory.is_dir():
        return []
    return sorted(p.name[: -len(_SUFFIX)] for p in directory.iterdir() if p.name.endswith(_SUFFIX))


@dataclass
class StaleClaim:
    """A namespace nobody uses, locked exclusively by the cleaner until `release`."""

    namespace: str
    path: Path
    fd: int

    def release(self, cleaned: bool) -> None:
        # Forgotten only once everything of it is gone: otherwise the next cleaning tries again.
        if cleaned:
            self.path.unlink(missing_ok=True)
        os.close(self.fd)


def claim_stale(directory: Path | None = None) -> list[StaleClaim]:
    directory = directory or lock_dir()
    claims = []
    for namespace in registered_namespaces(directory):
        path = directory / (namespace + _SUFFIX)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # another cleaner was quicker
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # in use
            continue
        claims.append(StaleClaim(namespace, path, fd))
    return claims
