"""Single-line and multi-line text types (shared/text.py) and the request models that use them."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from shared.contracts import document_requests as schemas
from shared.contracts import files as file_schemas
from shared.contracts import signing as signing_schemas
from shared.contracts import webhooks as webhook_models
from shared.text import (
    MULTI_LINE,
    MULTI_LINE_PATTERN,
    SINGLE_LINE,
    SINGLE_LINE_PATTERN,
    check_multi_line,
    check_single_line,
    forbidden_character,
)

# Every kind of character the single-line check must refuse.
REFUSED_EVERYWHERE = ["\x00", "\x01", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029"]
LINE_BREAKS = ["\n", "\r", "\r\n"]


@pytest.mark.parametrize("char", REFUSED_EVERYWHERE + LINE_BREAKS + ["\t", "\x0b", "\x0c"])
def test_single_line_refuses_control_characters_and_separators(char: str) -> None:
    with pytest.raises(ValueError, match=r"single line .*U\+[0-9A-F]{4} at position 4"):
        check_single_line("abc" + char + "def")


@pytest.mark.parametrize("text", ["Alice O'Brien", "Zoë Müller-Łukasiewicz", "山田 太郎", "مرحبا", "emoji 🖋️", ""])
def test_single_line_keeps_ordinary_text_unchanged(text: str) -> None:
    assert check_single_line(text) == text


def test_multi_line_allows_line_feeds_and_normalises_other_line_endings() -> None:
    assert check_multi_line("Dear Bob,\r\nplease sign.\rThanks\n") == "Dear Bob,\nplease sign.\nThanks\n"


@pytest.mark.parametrize("char", REFUSED_EVERYWHERE + ["\t", "\x0b", "\x0c"])
def test_multi_line_refuses_every_other_control_character(char: str) -> None:
    with pytest.raises(ValueError, match="other than line breaks"):
        check_multi_line("line one\nline" + char)


def test_forbidden_character_reports_the_first_offender() -> None:
    assert forbidden_character("ab\ncd\x00", allow_newline=False) == (2, "\n")
    assert forbidden_character("ab\ncd\x00", allow_newline=True) == (5, "\x00")
    assert forbidden_character("fine", allow_newline=False) is None


class _Probe(BaseModel):
    model_config = ConfigDict(strict=True)
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), SINGLE_LINE]
    note: Annotated[str, MULTI_LINE] | None = None


def test_the_check_runs_before_whitespace_stripping() -> None:
    # Otherwise "Alice\n" would be stripped into an acceptable "Alice".
    with pytest.raises(ValidationError):
        _Probe(name="Alice\n")
    assert _Probe(name="  Alice  ").name == "Alice"


def test_a_non_string_is_left_to_the_type_to_refuse() -> None:
    with pytest.raises(ValidationError) as err:
        _Probe.model_validate({"name": 5})
    assert err.value.errors()[0]["type"] == "string_type"


def test_the_json_schema_states_the_rule_as_a_pattern() -> None:
    properties = _Probe.model_json_schema()["properties"]
    assert properties["name"]["pattern"] == SINGLE_LINE_PATTERN
    assert properties["note"]["anyOf"][0]["pattern"] == MULTI_LINE_PATTERN


@pytest.mark.parametrize(
    ("text", "single", "multi"),
    [
        ("plain", True, True),
        ("a\nb", False, True),
        ("a\r\nb", False, True),
        ("a\tb", False, False),
        ("a\x85b", False, False),
        ("a\u2028b", False, False),
        ("a\x7f", False, False),
    ],
)
def test_the_patterns_agree_with_the_checks(text: str, single: bool, multi: bool) -> None:
    # Python's re reads \uXXXX in a pattern as ECMA-262 does, as a schema-driven fuzzer would.
    assert bool(re.match(SINGLE_LINE_PATTERN, text)) is single
    assert bool(re.match(MULTI_LINE_PATTERN, text)) is multi


def _refused_fields(model: type[BaseModel], data: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return {".".join(str(p) for p in e["loc"]) for e in err.value.errors()}


FIELD = {"type": "text", "page": 1, "x": 10, "y": 10, "width": 100, "height": 20}
DROPDOWN = {**FIELD, "type": "dropdown", "options": ["Yes", "No"]}


@pytest.mark.parametrize(
    ("model", "base", "field"),
    [
        (schemas.DocumentCreate, {"name": "NDA"}, "name"),
        (schemas.DocumentCreate, {"name": "NDA"}, "emailSubject"),
        (schemas.DocumentCreate, {"name": "NDA"}, "folderId"),
        (schemas.DocumentUpdate, {}, "name"),
        (schemas.DocumentUpdate, {}, "emailSubject"),
        (schemas.SignerCreate, {"name": "Bob", "email": "bob@example.com"}, "name"),
        (schemas.SignerCreate, {"name": "Bob", "email": "bob@example.com"}, "email"),
        (schemas.SignerCreate, {"name": "Bob", "email": "bob@example.com"}, "phone"),
        (schemas.SignerUpdate, {}, "name"),
        (schemas.SignerUpdate, {}, "email"),
        (schemas.FieldCreate, FIELD, "label"),
        (schemas.FieldCreate, FIELD, "placeholder"),
        (schemas.FieldCreate, FIELD, "group"),
        (schemas.FieldUpdate, {}, "label"),
        (file_schemas.UploadRequest, {}, "filename"),
        (
            webhook_models.WebhookCreate,
            {"url": "https://example.com/hook", "events": ["document.completed"]},
            "description",
        ),
        (webhook_models.WebhookCreate, {"url": "https://example.com/hook", "events": ["document.completed"]}, "url"),
        (webhook_models.WebhookUpdate, {}, "description"),
    ],
)
@pytest.mark.parametrize("injected", ["\r\nBcc: evil@example.com", "\n", "\x1b[31m", "\u2028"])
def test_every_single_line_text_of_the_api_refuses_line_breaks(
    model: type[BaseModel], base: dict[str, Any], field: str, injected: str
) -> None:
    valid = {"email": "bob@example.com", "url": "https://example.com/hook"}.get(field, "Value")
    value = valid + injected
    assert field in _refused_fields(model, {**base, field: value})


def test_options_are_single_line_each() -> None:
    assert "options.1" in _refused_fields(schemas.FieldCreate, {**DROPDOWN, "options": ["Yes", "No\nMaybe"]})


@pytest.mark.parametrize(
    ("model", "base", "field"),
    [
        (schemas.DocumentCreate, {"name": "NDA"}, "message"),
        (schemas.DocumentCreate, {"name": "NDA"}, "emailMessage"),
        (schemas.DocumentUpdate, {}, "message"),
        (signing_schemas.DeclineRequest, {}, "reason"),
    ],
)
def test_messages_keep_lines_and_refuse_other_controls(
    model: type[BaseModel], base: dict[str, Any], field: str
) -> None:
    accepted = model.model_validate({**base, field: "Dear Bob,\r\nplease sign.\n\nThanks"})
    assert getattr(accepted, field) == "Dear Bob,\nplease sign.\n\nThanks"
    assert field in _refused_fields(model, {**base, field: "Dear Bob,\n\x1b[2Jplease sign."})
    assert field in _refused_fields(model, {**base, field: "tab\there"})
