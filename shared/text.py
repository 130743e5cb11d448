"""Text types that keep control characters out of what clients write (pure, no I/O).

Names, subjects, labels and filenames end up in email headers, PDF stamps, CSV exports and log
lines, where a CR or LF starts a new header or line and other control characters hide or spoof
text. So:

- a single-line text refuses every control character (Unicode category Cc: C0 including TAB,
  DEL and C1 such as U+0085 NEL) and the Unicode line and paragraph separators U+2028/U+2029;
- a multi-line text (messages, reasons) allows line feeds only. CRLF and a lone CR are first
  normalised to LF (what a Windows textarea sends), so what is stored uses one line ending.

Apply them as annotations — `Annotated[str, StringConstraints(...), SINGLE_LINE]` — or through the
aliases below. The check runs before the string constraints, so `strip_whitespace` cannot quietly
strip a trailing newline into acceptance, and the OpenAPI schema gains a matching `pattern`.
Non-strings are passed through untouched for the type's own validation to refuse.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_SEPARATORS = frozenset("\u2028\u2029")

# JSON Schema (ECMA-262) patterns saying the same as the checks, for the OpenAPI document.
# Multi-line texts also accept CR, since it is normalised rather than refused.
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
MULTI_LINE_PATTERN = r"^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]*$"


def forbidden_character(text: str, *, allow_newline: bool) -> tuple[int, str] | None:
    """The first character `text` may not contain, as (index, character), or None."""
    for index, char in enumerate(text):
        if char == "\n" and allow_newline:
            continue
        if char in _SEPARATORS or unicodedata.category(char) == "Cc":
            return index, char
    return None


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _describe(index: int, char: str) -> str:
    return f"U+{ord(char):04X} at position {index + 1}"


def check_single_line(text: str) -> str:
    found = forbidden_character(text, allow_newline=False)
    if found is not None:
        raise ValueError(f"Must be a single line without control characters (found {_describe(*found)})")
    return text


def check_multi_line(text: str) -> str:
    text = normalise_newlines(text)
    found = forbidden_character(text, allow_newline=True)
    if found is not None:
        raise ValueError(f"Must not contain control characters other than line breaks (found {_describe(*found)})")
    return text


@dataclass(frozen=True, slots=True)
class _TextHygiene:
    """Annotation marker: validate before the wrapped schema, and document it as a pattern."""

    multi_line: bool

    def _check(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return check_multi_line(value) if self.multi_line else check_single_line(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        if target.get("type") == "string" and "pattern" not in target and "format" not in target:
            target["pattern"] = MULTI_LINE_PATTERN if self.multi_line else SINGLE_LINE_PATTERN
        return json_schema


SINGLE_LINE = _TextHygiene(multi_line=False)
MULTI_LINE = _TextHygiene(multi_line=True)

SingleLineText = Annotated[str, SINGLE_LINE]
MultiLineText = Annotated[str, MULTI_LINE]
