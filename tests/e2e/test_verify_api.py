"""POST /api/v1/verify through the gateway, with no API key: a completed document's sealed file,
its original, and damaged or unrelated copies each get their verdict (docs/signed-pdf.md)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import aiohttp
import pypdf
import pytest

from tests.conftest import Api
from tests.e2e.test_rate_limits import start_gateway
from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow is a fixture)
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e

VERIFY = "/api/v1/verify"


def form(pdf: bytes, field: str = "file") -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field(field, pdf, filename="document.pdf", content_type="application/pdf")
    return data


def anonymous(flow: Flow, base_url: str | None = None) -> Api:
    return Api(flow.http, base_url or flow.system.gateway_url, None)


def resaved(pdf: bytes) -> bytes:
    out = io.BytesIO()
    pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf))).write(out)
    return out.getvalue()


async def test_the_sealed_file_is_authentic_and_names_its_document(flow: Flow) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    doc_id, completed, _, signed = await complete_one_document(flow, "Verify this one")

    result = await flow.call(anonymous(flow), "POST", VERIFY, 200, data=form(signed))
    assert result["verdict"] == "authentic" and result["matchesRecord"] and result["record"] == "sealed"
    assert result["fileSha256"] == hashlib.sha256(signed).hexdigest() == completed["signedFileHash"]
    assert result["fileSize"] == len(signed)
    assert result["document"]["id"] == doc_id and result["document"]["orgId"] == flow.api.org_id
    assert result["document"]["pageCount"] == 1 and result["document"]["completedAt"] == completed["completedAt"]
    seal = result["seal"]
    assert seal["present"] and seal["intact"] and seal["valid"] and seal["trusted"] and seal["coversWholeFile"]
    assert seal["modifiedAfterSeal"] is False and seal["organizationId"] == flow.api.org_id
    issued = await flow.db.fetchval(
        "SELECT cert_sha256 FROM documents.org_seal_identities WHERE org_id = $1", flow.api.org_id
    )
    assert seal["certificateSha256"] == issued
    assert seal["timestampValid"] is True
    assert datetime.fromisoformat(seal["timestampAt"].replace("Z", "+00:00")) >= before


async def test_the_original_is_recognised_without_naming_any_document(flow: Flow) -> None:
    _, _, original, _ = await complete_one_document(flow, "An original")
    result = await flow.call(anonymous(flow), "POST", VERIFY, 200, data=form(original))
    assert result["verdict"] == "original" and result["record"] == "original"
    assert result["document"] is None and not result["matchesRecord"] and result["seal"]["present"] is False


async def test_damaged_and_unrelated_files_each_get_their_verdict(flow: Flow) -> None:
    _, _, _, signed = await complete_one_document(flow, "To be damaged")
    changed = bytearray(signed)
    changed[200] ^= 0x01
    cases = {
        "tampered": bytes(changed),
        "truncated": signed[: len(signed) // 2],
        "rewritten": resaved(signed),
        "unknown": make_pdf([LETTER], text="nothing to do with us"),
    }
    for verdict, pdf in cases.items():
        result = await flow.call(anonymous(flow), "POST", VERIFY, 200, data=form(pdf))
        assert result["verdict"] == verdict, (verdict, result)
        assert result["document"] is None and not result["matchesRecord"] and result["record"] == "none"
        assert result["message"]
    tampered = await flow.call(anonymous(flow), "POST", VERIFY, 200, data=form(cases["tampered"]))
    assert tampered["seal"]["present"] and tampered["seal"]["intact"] is False


async def test_a_request_without_a_pdf_form_field_is_refused_clearly(flow: Flow) -> None:
    no_file = await flow.call(anonymous(flow), "POST", VERIFY, 422, data=form(b"%PDF-1.7", field="document"))
    assert no_file["errors"] == [{"field": "file", "message": "Required"}]
    empty = await flow.call(anonymous(flow), "POST", VERIFY, 422, data=form(b""))
    assert empty["errors"][0]["field"] == "file"
    as_json = await flow.call(anonymous(flow), "POST", VERIFY, 415, json={"file": "JVBERi0="})
    assert as_json["type"].endswith("/multipart-required")


async def test_a_malformed_multipart_body_is_refused_as_such(flow: Flow) -> None:
    # Part headers aiohttp cannot parse (a control byte in the field name, as schemathesis sent one):
    # 400 `malformed-multipart`, not a 500. (A file part whose closing boundary is missing is read
    # to the end of the body, and judged like any file: a cut PDF is `truncated`.)
    boundary = "b0undary"
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    control_byte = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\x1aE"\r\n\r\nnull\r\n--{boundary}--\r\n'
    ).encode()
    refused = await flow.call(anonymous(flow), "POST", VERIFY, 400, data=control_byte, headers=headers)
    assert refused["type"].endswith("/malformed-multipart") and "verdict" not in refused
    cut_short = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + make_pdf([LETTER], text="x")[:200]
    judged = await flow.call(anonymous(flow), "POST", VERIFY, 200, data=cut_short, headers=headers)
    assert judged["verdict"] == "truncated" and judged["fileSize"] == 200


async def test_verification_is_budgeted_per_client_address_and_capped_in_size(flow: Flow) -> None:
    replica = await start_gateway(
        flow.system,
        verify_rate_limit_per_minute=2,
        verify_max_bytes=4096,
        trusted_proxies=["127.0.0.1/32"],
        db_pool_max=2,
    )
    try:
        address = f"203.0.113.{datetime.now().microsecond % 250 + 1}"
        other = f"198.51.100.{(datetime.now().microsecond + 7) % 250 + 1}"
        await flow.db.execute(
            "DELETE FROM gateway.rate_limits WHERE bucket IN ($1, $2)", f"verify:{address}", f"verify:{other}"
        )
        client = anonymous(flow, replica.url)
        small = make_pdf([LETTER], text="x")
        assert len(small) < 4096
        seen = []
        for _ in range(2):
            status, body, _ = await client.request(
                "POST", VERIFY, data=form(small), headers={"X-Forwarded-For": address}
            )
            seen.append(status)
            assert body["verdict"] == "unknown"
        status, body, resp = await client.request(
            "POST", VERIFY, data=form(small), headers={"X-Forwarded-For": address}
        )
        assert seen == [200, 200] and status == 429 and "verdict" not in body
        assert body["type"].endswith("/rate-limited") and int(resp.headers["Retry-After"]) >= 1
        # The refused request counted, nothing else: another address is still answered.
        assert (
            await flow.db.fetchval("SELECT sum(hits) FROM gateway.rate_limits WHERE bucket = $1", f"verify:{address}")
            == 3
        )
        status, body, _ = await client.request(
            "POST", VERIFY, data=form(b"%PDF-1.7\n" + b"0" * 8192), headers={"X-Forwarded-For": other}
        )
        assert status == 413 and body["type"].endswith("/payload-too-large") and "verdict" not in body
    finally:
        await replica.runner.cleanup()
