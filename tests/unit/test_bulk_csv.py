"""The signers of a bulk send from a CSV file (services/documents/api/bulk_csv.py): every bad
row and column named at once, the same checks as the JSON body's signers, nothing half accepted."""

from __future__ import annotations

import pytest

from services.documents.api.bulk_csv import parse_signers
from services.documents.domain.template_use import resolve_prefill
from shared.problems import Problem


def refused(data: bytes) -> dict[str, str]:
    with pytest.raises(Problem) as caught:
        parse_signers(data)
    assert caught.value.status == 422
    return {e.field: e.message for e in caught.value.errors}


def test_rows_become_signers_with_their_prefill() -> None:
    data = (
        "\ufeffName,EMAIL,phone,Company,Amount\r\n"
        "Alice Johnson,alice@vendor-a.com,,Vendor A,1200\r\n"
        "\r\n"  # a blank row is skipped, and still counts as a row of the sheet
        '"Davis, Carol",carol@vendor-c.com,+1555123456,"Vendor ""C""",\r\n'
    ).encode()
    signers = parse_signers(data)
    assert [(s.row, s.signer.name, s.signer.email, s.signer.phone) for s in signers] == [
        (2, "Alice Johnson", "alice@vendor-a.com", None),
        (4, "Davis, Carol", "carol@vendor-c.com", "+1555123456"),
    ]
    assert signers[0].signer.prefill == {"Company": "Vendor A", "Amount": "1200"}
    assert signers[1].signer.prefill == {"Company": 'Vendor "C"'}  # an empty cell prefills nothing


def test_every_bad_row_and_column_is_named() -> None:
    errors = refused(
        b"name,email,phone\n"
        b"Alice,alice@example.com,\n"
        b",bob@example.com,\n"
        b"Carol,not-an-address,\n"
        b"Dan,dan@example.com,+1 555 000 000 000 000 000\n"
        b"Eve,eve@example.com\n"
    )
    assert set(errors) == {"rows.3.name", "rows.4.email", "rows.5.phone", "rows.6"}
    assert errors["rows.3.name"] == "Required"
    assert errors["rows.6"] == "2 cells; the header has 3 columns"


def test_the_header_needs_name_and_email_once_each() -> None:
    assert refused(b"name,phone\nAlice,+1555\n") == {"rows.1.email": "Missing column"}
    assert refused(b"name,email,Email\nA,a@example.com,b@example.com\n") == {"rows.1.email": "Column given twice"}
    assert "rows.1.column3" in refused(b"name,email,\nA,a@example.com,x\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Empty: a header row and one row per signer are needed"),
        (b"name,email\n", "No signers: the file has a header row only"),
        (b"name,email\n" + b"A,a@example.com\n" * 501, "501 signers; at most 500 per bulk send"),
        (b"name,email\nA\xff,a@example.com\n", "Not UTF-8 text (byte 12)"),
        (b'name,email\n"A,a@example.com\n', "Not valid CSV: unexpected end of data"),
    ],
)
def test_a_file_that_is_not_a_list_of_signers(data: bytes, message: str) -> None:
    assert refused(data) == {"file": message}


def test_five_hundred_rows_are_accepted() -> None:
    data = b"name,email\n" + b"".join(b"Signer %d,s%d@example.com\n" % (i, i) for i in range(500))
    assert len(parse_signers(data)) == 500


def test_numbers_from_text_only_when_asked() -> None:
    amount = {"id": "tf_1", "type": "number", "label": "Amount", "options": None, "validation": None}
    assert resolve_prefill([amount], {"Amount": "1200"}, as_text=True) == ({"tf_1": "1200"}, [])
    assert resolve_prefill([amount], {"Amount": "-2.5e1"}, as_text=True) == ({"tf_1": "-25"}, [])
    _, issues = resolve_prefill([amount], {"Amount": "12 000"}, "rows.3.", as_text=True)
    assert [(i.field, i.message) for i in issues] == [("rows.3.prefill.Amount", "Must be a number")]
    # The JSON body keeps its types: a string is not a number there.
    _, issues = resolve_prefill([amount], {"Amount": "1200"})
    assert [i.message for i in issues] == ["Must be a number"]
