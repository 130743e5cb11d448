"""The signers of a bulk send from a CSV file (POST /api/v1/bulk-sends/csv): parsed and checked
as a whole, so that one bad row refuses the bulk send before anything is made.

The file: UTF-8 (a byte-order mark is ignored), a header row, then one row per signer. Columns
`name` and `email` are required, `phone` and `language` (en, de, fr, es or pt: the signer's
emails and signing page, docs/languages.md) are optional (names are matched case-insensitively);
every other column is a prefilled field, named by the field's label or id exactly as `prefill`
of a template's `use` is keyed. An empty cell leaves a field as the template has it.

Problems are named `rows.<n>.<column>` where `n` is the row's number in the file as a
spreadsheet shows it (the header is row 1), and each row's values are checked by the very model
that checks a signer of the JSON body (BulkSigner), so both ways in accept the same signers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError

from shared.contracts.bulk_sends import MAX_BULK_SIGNERS, BulkSigner
from shared.problems import FieldError, Problem

CSV_MAX_BYTES = 512 * 1024
FILE = "file"
PERSON_COLUMNS = ("name", "email", "phone", "language")
REQUIRED_COLUMNS = ("name", "email")


@dataclass(frozen=True, slots=True)
class CsvSigner:
    row: int  # its number in the file (the header is row 1)
    signer: BulkSigner


def _refused(errors: list[FieldError], detail: str = "The CSV file has invalid rows; nothing was sent") -> Problem:
    return Problem(422, detail, errors=errors)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refused([FieldError(FILE, f"Not UTF-8 text (byte {exc.start})")], "The CSV file is not UTF-8") from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of every non-blank row, the header first."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        # Numbered as a spreadsheet numbers them: records (a quoted cell may span lines), blank ones included.
        return [(n, cells) for n, cells in enumerate(reader, start=1) if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise _refused([FieldError(FILE, f"Not valid CSV: {exc}")], "The CSV file cannot be read") from None


def _header(cells: list[str]) -> list[str]:
    columns = [c.strip() for c in cells]
    keys = [c.lower() if c.lower() in PERSON_COLUMNS else c for c in columns]
    errors = [FieldError(f"rows.1.{k}", "Missing column") for k in REQUIRED_COLUMNS if k not in keys]
    errors += [FieldError(f"rows.1.column{i + 1}", "A column needs a name") for i, k in enumerate(keys) if not k]
    seen: set[str] = set()
    for key in keys:
        if key and key in seen:
            errors.append(FieldError(f"rows.1.{key}", "Column given twice"))
        seen.add(key)
    if errors:
        raise _refused(
            errors, "The CSV file's header row is not valid: name,email[,phone][,language][,field label or id…]"
        )
    return keys


def _signer(row: int, columns: list[str], cells: list[str]) -> tuple[BulkSigner | None, list[FieldError]]:
    if len(cells) != len(columns):
        return None, [FieldError(f"rows.{row}", f"{len(cells)} cells; the header has {len(columns)} columns")]
    values = dict(zip(columns, (c.strip() for c in cells), strict=True))
    person: dict[str, object] = {k: values[k] for k in PERSON_COLUMNS if values.get(k)}
    prefill = {k: v for k, v in values.items() if k not in PERSON_COLUMNS and v}
    if prefill:
        person["prefill"] = prefill
    try:
        return BulkSigner.model_validate(person), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            loc = [str(p) for p in error["loc"]]
            column = loc[-1] if loc[0] == "prefill" else loc[0]  # a prefill column: its own name
            message = "Required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            errors.append(FieldError(f"rows.{row}.{column}", message))
        return None, errors


def parse_signers(data: bytes) -> list[CsvSigner]:
    """Every row as a signer, or a 422 naming every bad row and column (nothing half accepted)."""
    rows = _rows(_text(data))
    if not rows:
        raise _refused([FieldError(FILE, "Empty: a header row and one row per signer are needed")])
    columns = _header(rows[0][1])
    body = rows[1:]
    if not body:
        raise _refused([FieldError(FILE, "No signers: the file has a header row only")])
    if len(body) > MAX_BULK_SIGNERS:
        raise _refused([FieldError(FILE, f"{len(body)} signers; at most {MAX_BULK_SIGNERS} per bulk send")])
    signers: list[CsvSigner] = []
    errors: list[FieldError] = []
    for row, cells in body:
        signer, found = _signer(row, columns, cells)
        errors += found
        if signer is not None:
            signers.append(CsvSigner(row, signer))
    if errors:
        raise _refused(errors)
    return signers
