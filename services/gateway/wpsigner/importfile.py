"""Opening the file `file_path` names, confined to the import directory (blocking I/O: run it in
a thread). The lexical rule is confine.py's; this adds what only the filesystem knows:

1. the real path (every symlink resolved) must still be inside the real root, so a symlink
   inside the root that points outside is refused;
2. the file is opened with O_NOFOLLOW and the opened descriptor's own path (/proc/self/fd) is
   checked again, so swapping a directory for a symlink between the check and the open cannot
   smuggle another file in;
3. it must be a regular file (not a device or FIFO: O_NONBLOCK keeps a FIFO from hanging the
   open) no larger than the upload limit.

Nothing is read before all of this holds: a refused path leaves the file unread.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from services.gateway.wpsigner.confine import PathRefused, is_within, lexical_target


class FileTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes is more than {limit}")
        self.size = size
        self.limit = limit


@dataclass
class ImportedFile:
    handle: BinaryIO
    size: int
    name: str  # the file's own name, the default original_filename

    def close(self) -> None:
        self.handle.close()


def _real(path: str) -> PurePosixPath:
    return PurePosixPath(os.path.realpath(path))


def open_confined(root: Path, requested: object, max_bytes: int) -> ImportedFile:
    root_lexical = PurePosixPath(os.path.normpath(os.path.abspath(root)))
    target = lexical_target(root_lexical, requested)
    if not os.path.isdir(root_lexical):
        raise PathRefused("No import directory is configured on this server.")
    root_real = _real(str(root_lexical))
    real = _real(str(target))
    if not is_within(real, root_real) or real == root_real:
        raise PathRefused("file_path must be inside the import directory.")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise PathRefused("No file exists at file_path.") from None
    except OSError:
        raise PathRefused("The file at file_path cannot be opened.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PathRefused("file_path must name a regular file.")
        proc = f"/proc/self/fd/{fd}"
        if os.path.exists(proc) and not is_within(PurePosixPath(os.readlink(proc)), root_real):
            raise PathRefused("file_path must be inside the import directory.")
        if info.st_size > max_bytes:
            raise FileTooLarge(info.st_size, max_bytes)
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return ImportedFile(handle, info.st_size, real.name)
