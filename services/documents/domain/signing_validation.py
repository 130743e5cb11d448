"""The values a signer submits, checked per field type (pure: no I/O).

`check_submission` takes the submitted `[{id, value}]`, the signer's own fields and the ids of
everyone else's, and returns the values to store plus one error per offending field, so a 422
names every problem at once. Stored values are JSON:

- signature, initials: `{"type": "typed", "text"}` or `{"type": "drawn", "image": "data:image/png;base64,…"}`
- stamp, image: `{"type": "drawn", "image": …}` (PNG or JPEG)
- checkbox, approval: `true`/`false`; checkbox_group: list of options; dropdown, radio_group: one option
- date: `"YYYY-MM-DD"`; number: a JSON number; text-like types: a string within the type's length

Auto-filled types (name, email, date_signed), formula fields (computed from the signer's number
fields: `computed_values`) and read-only fields are filled by the server (`server_values`); a
client value for them is an error rather than silently ignored. A field's `validation` rules
(domain/field_rules.py) are checked after its type's, with the same one-error-per-field answer.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from services.documents.domain import field_rules, formula
from services.documents.domain.errors import FieldIssue
from services.documents.domain.send_checks import AUTO_TYPES
from services.documents.pdf.codes import Rejected
from services.documents.pdf.safe_image import check_signature_image
from shared.text import check_multi_line, check_single_line

Row = Mapping[str, Any]

SIGNATURE_TYPES = frozenset({"signature", "initials"})
IMAGE_TYPES = frozenset({"stamp", "image"})
BOOLEAN_TYPES = frozenset({"checkbox", "approval"})
SINGLE_CHOICE = frozenset({"dropdown", "radio_group"})
TEXT_LIMITS: dict[str, int] = {"text": 1000, "textarea": 5000, "address": 1000, "note": 5000}
DEFAULT_TEXT_LIMIT = 200  # name-like values: company, title, phone, id_number
# Values that may span lines (LF only; CRLF stored as LF); every other text is one line without
# control characters (shared/text.py), as it is stamped on one line of the PDF.
MULTI_LINE_TYPES = frozenset({"textarea", "note", "address"})
MAX_TYPED_SIGNATURE = 100
# A signature pad's PNG is tens of KB; the cap keeps several within the request body limit.
MAX_IMAGE_BYTES = 512 * 1024
_DATA_URL = re.compile(r"^data:(image/png|image/jpeg);base64,([A-Za-z0-9+/=\s]+)$")
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class InvalidValue(ValueError):
    """The message says what a valid value looks like."""


def decode_image(data_url: str, allowed: Collection[str]) -> bytes:
    match = _DATA_URL.match(data_url) if isinstance(data_url, str) else None
    if match is None or match.group(1) not in allowed:
        kinds = " or ".join(sorted(allowed))
        raise InvalidValue(f"image must be a data URL of a {kinds} image (data:image/png;base64,…)")
    # A base64 string of n characters decodes to at most 3n/4 bytes: refuse before decoding.
    if len(match.group(2)) > MAX_IMAGE_BYTES * 4 // 3 + 8:
        raise InvalidValue(f"image must be at most {MAX_IMAGE_BYTES // 1024} KB")
    try:
        raw = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("image is not valid base64") from None
    if not raw.startswith(_MAGIC[match.group(1)]):
        raise InvalidValue(f"image content is not {match.group(1)}")
    try:
        check_signature_image(raw)
    except Rejected as exc:
        raise InvalidValue(f"image cannot be used: {exc.rejection.message}") from None
    return raw


def _drawn(value: Mapping[str, Any], allowed: Collection[str]) -> dict[str, Any]:
    if set(value) != {"type", "image"}:
        raise InvalidValue('A drawn value is {"type": "drawn", "image": "data:image/png;base64,…"}')
    decode_image(value["image"], allowed)
    return {"type": "drawn", "image": value["image"]}


def _signature(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or value.get("type") not in ("typed", "drawn"):
        raise InvalidValue(
            'Must be {"type": "typed", "text": …} or {"type": "drawn", "image": "data:image/png;base64,…"}'
        )
    if value["type"] == "drawn":
        return _drawn(value, {"image/png"})
    text = value.get("text")
    if set(value) != {"type", "text"} or not isinstance(text, str) or not text.strip():
        raise InvalidValue('A typed value is {"type": "typed", "text": "<non-empty text>"}')
    # Whitespace (line breaks included) collapses to single spaces, as a name is written.
    text = _text(" ".join(text.split()), MAX_TYPED_SIGNATURE * 4)
    if len(text) > MAX_TYPED_SIGNATURE:
        raise InvalidValue(f"text must be at most {MAX_TYPED_SIGNATURE} characters")
    return {"type": "typed", "text": text}


def _text(value: Any, limit: int, *, multi_line: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidValue("Must be a string")
    try:
        value = check_multi_line(value) if multi_line else check_single_line(value)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None
    if len(value) > limit:
        raise InvalidValue(f"Must be at most {limit} characters")
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue("Must be a number")
    if not math.isfinite(value) or abs(value) > 1e15:
        raise InvalidValue("Must be a finite number of at most 15 digits")
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidValue("Must be an ISO date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidValue("Must be a real calendar date, YYYY-MM-DD") from None


def check_value(field: Row, value: Any) -> Any:
    """The value to store for `field`, or InvalidValue. Emptiness is checked by the caller."""
    kind = field["type"]
    options: list[str] = field["options"] or []
    if kind in SIGNATURE_TYPES:
        return _signature(value)
    if kind in IMAGE_TYPES:
        if not isinstance(value, Mapping) or value.get("type") != "drawn":
            raise InvalidValue('Must be {"type": "drawn", "image": "data:image/png;base64,…"}')
        return _drawn(value, {"image/png", "image/jpeg"})
    if kind in BOOLEAN_TYPES:
        if not isinstance(value, bool):
            raise InvalidValue("Must be true or false")
        return value
    if kind in SINGLE_CHOICE:
        if not isinstance(value, str) or value not in options:
            raise InvalidValue(f"Must be one of: {', '.join(options)}")
        return value
    if kind == "checkbox_group":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidValue("Must be a list of options")
        if len(set(value)) != len(value) or not set(value) <= set(options):
            raise InvalidValue(f"Must be distinct options from: {', '.join(options)}")
        return value
    if kind == "date":
        return _date(value)
    if kind == "number":
        return _number(value)
    return _text(value, TEXT_LIMITS.get(kind, DEFAULT_TEXT_LIMIT), multi_line=kind in MULTI_LINE_TYPES)


def is_empty(value: Any) -> bool:
    """A required field must be given a non-empty value; a required checkbox must be ticked."""
    return value is None or value is False or value == [] or (isinstance(value, str) and not value.strip())


# Filled from what the signer did elsewhere than the request: a formula computed from their
# numbers, an attachment field from the file they uploaded (POST …/fields/{id}/attachment).
DERIVED_TYPES = frozenset({"formula", "attachment"})


def server_filled(field: Row) -> bool:
    return field["type"] in AUTO_TYPES or field["type"] in DERIVED_TYPES or bool(field["read_only"])


def attachment_values(
    own: Sequence[Row], uploads: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], list[FieldIssue]]:
    """Each attachment field's value from the file uploaded into it (`uploads`: field id → its
    attachment row); a required one without a file is an error."""
    values: dict[str, Any] = {}
    errors: list[FieldIssue] = []
    for field in own:
        if field["type"] != "attachment":
            continue
        upload = uploads.get(field["id"])
        if upload is not None:
            values[field["id"]] = {
                "attachmentId": upload["id"],
                "fileName": upload["file_name"],
                "sha256": upload["sha256"],
            }
        elif field["required"]:
            errors.append(
                FieldIssue(
                    f"fields.{field['id']}", f"Required: upload a file to …/fields/{field['id']}/attachment first"
                )
            )
    return values, errors


def check_submission(
    consent: bool, submitted: Sequence[Mapping[str, Any]], own: Sequence[Row], others: Collection[str]
) -> tuple[dict[str, Any], list[FieldIssue]]:
    """({field id: value to store}, errors). `own`: the signer's fields; `others`: ids of fields
    of other participants on the same document."""
    errors: list[FieldIssue] = []
    if consent is not True:
        errors.append(FieldIssue("consent", "Must be true: the signer agrees to sign electronically"))
    mine = {f["id"]: f for f in own}
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for item in submitted:
        field_id, value = item["id"], item.get("value")
        name = f"fields.{field_id}"
        if field_id in seen:
            errors.append(FieldIssue(name, "Given more than once"))
            continue
        seen.add(field_id)
        field = mine.get(field_id)
        if field is None:
            message = "Assigned to another signer" if field_id in others else "No such field on this document"
            errors.append(FieldIssue(name, message))
        elif field["type"] == "attachment":
            errors.append(FieldIssue(name, f"Upload the file to …/fields/{field_id}/attachment; do not send a value"))
        elif server_filled(field):
            errors.append(FieldIssue(name, "Filled in automatically; do not send a value"))
        elif value is not None:
            try:
                values[field_id] = check_value(field, value)
                if not is_empty(values[field_id]):
                    field_rules.check(field.get("validation"), values[field_id])
            except (InvalidValue, field_rules.RuleBroken) as exc:
                values.pop(field_id, None)
                errors.append(FieldIssue(name, str(exc)))
    failed = {e.field for e in errors}
    for field in own:
        name = f"fields.{field['id']}"
        if field["required"] and not server_filled(field) and name not in failed and is_empty(values.get(field["id"])):
            errors.append(FieldIssue(name, "Required"))
    # Optional fields left empty are not stored: the signed PDF shows nothing there.
    return {k: v for k, v in values.items() if not is_empty(v) or isinstance(v, bool)}, errors


def computed_values(own: Sequence[Row], values: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldIssue]]:
    """The signer's formula fields computed from their submitted `values`, or an error naming
    the formula that cannot be computed (an input left empty, a division by zero)."""
    out: dict[str, Any] = {}
    errors: list[FieldIssue] = []
    for field in own:
        if field["type"] != "formula":
            continue
        try:
            out[field["id"]] = formula.evaluate(field["formula"], values)
        except formula.FormulaError as exc:
            errors.append(FieldIssue(f"fields.{field['id']}", f"Cannot be computed: {exc}"))
    return out, errors


def server_values(own: Sequence[Row], *, role: str, name: str, email: str, signed_on: date) -> dict[str, Any]:
    """Values the server fills when the participant finishes: auto types, an approver's approval
    fields, and read-only fields' defaults."""
    out: dict[str, Any] = {}
    for field in own:
        kind = field["type"]
        if kind == "name":
            out[field["id"]] = name
        elif kind == "email":
            out[field["id"]] = email
        elif kind == "date_signed":
            out[field["id"]] = signed_on.isoformat()
        elif kind == "approval" and role == "approver":
            out[field["id"]] = True
        elif field["read_only"] and field["default_value"] is not None:
            out[field["id"]] = field["default_value"]
    return out
