"""The result of inspecting an upload, and the messages between parent and checker process.

The checker writes one JSON object to its stdout; everything it reports is re-validated here
on the way in (`WorkerReply.parse`), because a checker process that was fed a hostile file is no
more trusted than the file: whatever it prints is only believed if it is well-formed.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .codes import ActiveKind, RejectCode, Rejection
from .magic import SUPPORTED_TYPES

PageSize = tuple[float, float]
_CODES = frozenset(code.value for code in RejectCode)
_ACTIVE_KINDS = frozenset(kind.value for kind in ActiveKind)


@dataclass(frozen=True, slots=True)
class ConvertedPdf:
    """A PDF the checker wrote where the caller asked: the one-page PDF an image upload was
    converted to, or a PDF upload's copy with its active content removed."""

    path: Path
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Inspection:
    """What an upload turned out to be. `size`/`sha256` describe the uploaded bytes; page facts
    describe the PDF to sign (the upload itself, or for an image the page it becomes).

    `removed` lists the kinds of active content (codes.ActiveKind values, sorted) found in an
    accepted PDF; `cleaned` is the copy without them, when the caller asked for one (`clean_to`)."""

    ok: bool
    reason: Rejection | None
    detected_type: str | None
    size: int
    sha256: str | None
    page_count: int | None = None
    page_sizes: tuple[PageSize, ...] = ()
    converted: ConvertedPdf | None = None
    removed: tuple[str, ...] = ()
    cleaned: ConvertedPdf | None = None

    @property
    def code(self) -> RejectCode | None:
        return self.reason.code if self.reason else None

    @classmethod
    def rejected(
        cls, code: RejectCode, message: str, *, size: int, sha256: str | None = None, detected_type: str | None = None
    ) -> Inspection:
        return cls(False, Rejection(code, message), detected_type, size, sha256)


@dataclass(frozen=True, slots=True)
class WorkerRequest:
    path: str
    declared_type: str
    max_pages: int
    memory_mb: int
    cpu_seconds: int
    convert_to: str | None = None
    paper: str = "a4"
    # Where to write a PDF upload without its active content (only written when there was some).
    clean_to: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerRequest:
        return cls(**json.loads(text))


@dataclass(frozen=True, slots=True)
class WorkerReply:
    ok: bool
    code: str | None = None
    message: str | None = None
    detected_type: str | None = None
    page_count: int | None = None
    page_sizes: list[PageSize] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # ActiveKind values; written to clean_to if any

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def parse(cls, raw: bytes) -> WorkerReply | None:
        """The reply, or None when the output is not exactly a well-formed reply."""
        try:
            data: Any = json.loads(raw)
            reply = cls(
                ok=data["ok"],
                code=data.get("code"),
                message=data.get("message"),
                detected_type=data.get("detected_type"),
                page_count=data.get("page_count"),
                page_sizes=[(float(w), float(h)) for w, h in data.get("page_sizes") or []],
                removed=list(data.get("removed") or []),
            )
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(reply.ok, bool):
            return None
        if reply.detected_type is not None and reply.detected_type not in SUPPORTED_TYPES:
            return None
        if not all(isinstance(kind, str) and kind in _ACTIVE_KINDS for kind in reply.removed):
            return None
        if reply.removed and not reply.ok:
            return None
        if reply.ok:
            sizes_ok = all(math.isfinite(w) and math.isfinite(h) and w > 0 and h > 0 for w, h in reply.page_sizes)
            if not isinstance(reply.page_count, int) or reply.page_count != len(reply.page_sizes) or not sizes_ok:
                return None
        elif reply.code not in _CODES or not isinstance(reply.message, str):
            return None
        return reply
