"""PUT /api/v1/org/certificate through the gateway: an organisation's own PKCS#12 seals its documents
from then on (validated by pyHanko against the organisation's own root), verification still knows
the file, and every refusal leaves the stored identity as it was (docs/signed-pdf.md)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization

from tests.conftest import Api
from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow is a fixture)
from tests.e2e.test_verify_api import anonymous, form
from tests.pkcs12_maker import PASSWORD, issue, make_ca, pack
from tests.seal_checks import async_validate_seal, seal_ca_roots, trust_roots

pytestmark = pytest.mark.e2e

CERTIFICATE = "/api/v1/org/certificate"


def p12_form(data: bytes, password: str | None = PASSWORD) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename="seal.p12", content_type="application/x-pkcs12")
    if password is not None:
        body.add_field("password", password)
    return body


async def stored(flow: Flow, api: Api) -> dict | None:  # type: ignore[type-arg]
    row = await flow.db.fetchrow("SELECT * FROM documents.org_seal_identities WHERE org_id = $1", api.org_id)
    return dict(row) if row else None


async def test_an_uploaded_certificate_seals_the_organisations_documents(flow: Flow) -> None:
    platform_chain = await flow.call(flow.api, "GET", CERTIFICATE, 200)  # the platform one, issued first
    ca = make_ca()
    cert, key = issue(ca)
    answer = await flow.call(flow.api, "PUT", CERTIFICATE, 200, data=p12_form(pack(cert, key, ca)))

    chain = trust_roots(answer)
    assert [c.dump() for c in chain] == [
        cert.public_bytes(serialization.Encoding.DER),
        ca.cert.public_bytes(serialization.Encoding.DER),
    ]
    assert await flow.call(flow.api, "GET", CERTIFICATE, 200) == answer != platform_chain
    row = await stored(flow, flow.api)
    assert row is not None and row["source"] == "uploaded"
    assert row["cert_sha256"] == cert.fingerprint(hashes.SHA256()).hex()
    # Sealed at rest like the platform-issued key, never in clear.
    assert row["private_key"].startswith("v1:") and "PRIVATE KEY" not in row["private_key"]

    _, completed, _, signed = await complete_one_document(flow, "Sealed by Acme's own certificate")
    status = await async_validate_seal(signed, [chain[-1]])  # the organisation's root, nothing else
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.sha256.hex() == row["cert_sha256"]
    # The timestamp is the TSA's (here issued by the development CA): trusting its root too, all holds.
    tsa_root = seal_ca_roots(flow.system.settings)
    status = await async_validate_seal(signed, [chain[-1], *tsa_root])
    assert status.bottom_line and status.timestamp_validity is not None and status.timestamp_validity.trusted
    # The platform CA does not vouch for it.
    assert not (await async_validate_seal(signed, tsa_root)).trusted

    # The verify endpoint knows the file by its hash, and says the seal is valid but not the platform's.
    result = await flow.call(anonymous(flow), "POST", "/api/v1/verify", 200, data=form(signed))
    assert result["verdict"] == "authentic" and result["matchesRecord"]
    assert result["fileSha256"] == hashlib.sha256(signed).hexdigest() == completed["signedFileHash"]
    assert "organisation's own certificate" in result["message"]
    seal = result["seal"]
    assert seal["intact"] and seal["valid"] and seal["coversWholeFile"] and seal["trusted"] is False
    assert seal["certificateSha256"] == row["cert_sha256"]


async def test_refused_uploads_store_nothing(flow: Flow, make_api) -> None:  # type: ignore[no-untyped-def]
    await flow.call(flow.api, "GET", CERTIFICATE, 200)
    before = await stored(flow, flow.api)
    ca = make_ca()
    cert, key = issue(ca)
    good = pack(cert, key, ca)
    expired = pack(*issue(ca, valid_from=timedelta(days=-30), valid_for=timedelta(days=10)))
    cases = [
        (p12_form(good, "not the password"), 422, "pkcs12-wrong-password", "password"),
        (p12_form(b"definitely not a pkcs12"), 422, "pkcs12-unreadable", "file"),
        (p12_form(pack(cert, None, ca)), 422, "pkcs12-no-private-key", "file"),
        (p12_form(expired), 422, "certificate-expired", "file"),
        (p12_form(pack(*issue(ca, signing_usage=False))), 422, "certificate-key-usage", "file"),
        (p12_form(good, None), 422, "validation-error", "password"),
        (p12_form(b"x" * (64 * 1024 + 1)), 413, "payload-too-large", None),
    ]
    for body, status, code, field in cases:
        problem = await flow.call(flow.api, "PUT", CERTIFICATE, status, data=body)
        assert problem["type"].endswith("/" + code), problem
        if field is not None:
            assert [e["field"] for e in problem["errors"]] == [field]
        assert await stored(flow, flow.api) == before  # nothing replaced

    not_a_form = await flow.call(flow.api, "PUT", CERTIFICATE, 415, json={"file": "x", "password": "y"})
    assert not_a_form["type"].endswith("/multipart-required") and await stored(flow, flow.api) == before

    reader = await make_api(scopes=["org.read"])
    await flow.call(reader, "PUT", CERTIFICATE, 403, data=p12_form(good))
    assert await stored(flow, reader) is None

    # One certificate seals one organisation: another one uploading it is refused, its state kept.
    await flow.call(flow.api, "PUT", CERTIFICATE, 200, data=p12_form(good))
    other = await make_api()
    in_use = await flow.call(other, "PUT", CERTIFICATE, 409, data=p12_form(good))
    assert in_use["type"].endswith("/certificate-in-use") and await stored(flow, other) is None


async def test_delete_goes_back_to_the_platform_certificate(flow: Flow, make_api) -> None:  # type: ignore[no-untyped-def]
    ca = make_ca()
    uploaded = await flow.call(flow.api, "PUT", CERTIFICATE, 200, data=p12_form(pack(*issue(ca), ca)))
    own = await stored(flow, flow.api)
    assert own is not None and own["source"] == "uploaded"

    # Refusals change nothing: a key without org.write of the same organisation, and another
    # organisation's DELETE (which only ever touches its own seal).
    org_name = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", flow.api.org_id)
    reader = await make_api(scopes=["org.read"], org=org_name)
    assert reader.org_id == flow.api.org_id
    await flow.call(reader, "DELETE", CERTIFICATE, 403)
    other = await make_api()
    await flow.call(other, "DELETE", CERTIFICATE, 200)
    assert await stored(flow, flow.api) == own
    assert await flow.call(flow.api, "GET", CERTIFICATE, 200) == uploaded

    platform = await flow.call(flow.api, "DELETE", CERTIFICATE, 200)
    row = await stored(flow, flow.api)
    assert row is not None and row["source"] == "platform"
    assert row["private_key"] != own["private_key"]  # the organisation's own key is gone
    chain = trust_roots(platform)
    assert chain[0].subject.native["organization_name"] == flow.api.org_id
    assert (
        chain[0].sha256.hex() == row["cert_sha256"]
        and chain[-1].dump() == seal_ca_roots(flow.system.settings)[0].dump()
    )
    assert await flow.call(flow.api, "GET", CERTIFICATE, 200) == platform

    # Idempotent: again, the same platform certificate, nothing re-issued.
    assert await flow.call(flow.api, "DELETE", CERTIFICATE, 200) == platform
    assert await stored(flow, flow.api) == row

    # Documents completed from now on are sealed by the platform CA's certificate of the organisation.
    _, _, _, signed = await complete_one_document(flow, "Back on the platform seal")
    status = await async_validate_seal(signed, seal_ca_roots(flow.system.settings))
    assert status.bottom_line and status.trusted
    assert status.signing_cert.sha256.hex() == row["cert_sha256"]
