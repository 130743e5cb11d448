"""Byte-level checks on a PDF's file structure that a lenient reader would paper over.

pypdf in non-strict mode recovers from a missing end marker and stops quietly at a looping xref
chain, so a truncated upload or a crafted chain would be accepted. Both are checked here on the
raw bytes. The walk is deliberately forgiving: it only *reports* a loop or an absurd chain it can
prove; anything it cannot follow is left for the real parser to judge.
"""

from __future__ import annotations

import re

# Acrobat accepts %%EOF anywhere in the last 1 KiB; so do we (some producers pad after it).
EOF_WINDOW = 1024
# Real files have one section per incremental save; thousands means a crafted chain.
MAX_XREF_SECTIONS = 1000
# How far a trailer or xref-stream dictionary is searched for /Prev.
_DICT_WINDOW = 4096

_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_PREV = re.compile(rb"/Prev\s+(\d+)")
_OBJ_HEADER = re.compile(rb"\d+\s+\d+\s+obj\b")


def has_eof_marker(data: bytes) -> bool:
    return b"%%EOF" in data[-EOF_WINDOW:]


def _last_startxref(data: bytes) -> int | None:
    matches = list(_STARTXREF.finditer(data, max(0, len(data) - _DICT_WINDOW)))
    return int(matches[-1].group(1)) if matches else None


def _prev_of_section(data: bytes, offset: int) -> int | None:
    """The /Prev of the xref section at `offset` (classic table or xref stream), if readable."""
    start = offset
    while start < len(data) and data[start] in b" \t\r\n\f\x00":
        start += 1
    if data.startswith(b"xref", start):
        trailer = data.find(b"trailer", start)
        if trailer < 0:
            return None
        window = data[trailer : trailer + _DICT_WINDOW]
        end = window.find(b"startxref")
        window = window[:end] if end >= 0 else window
    elif _OBJ_HEADER.match(data, start):
        window = data[start : start + _DICT_WINDOW]
        end = window.find(b"stream")
        window = window[:end] if end >= 0 else window
    else:
        return None
    match = _PREV.search(window)
    return int(match.group(1)) if match else None


def xref_chain_problem(data: bytes) -> str | None:
    """A sentence describing a looping or absurdly long xref chain, or None if none is proven."""
    offset = _last_startxref(data)
    seen: set[int] = set()
    while offset is not None and 0 <= offset < len(data):
        if offset in seen:
            return f"its cross-reference chain loops back to offset {offset}"
        if len(seen) >= MAX_XREF_SECTIONS:
            return f"its cross-reference chain has more than {MAX_XREF_SECTIONS} sections"
        seen.add(offset)
        offset = _prev_of_section(data, offset)
    return None
