"""Every completed document is sealed (docs/signed-pdf.md): through the gateway, with the test
TSA, validated by pyHanko with the platform CA as the only trust root, and listed by pdfsig."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from tests.e2e.seal_setup import sign_typed
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.pdf_corpus import LETTER, make_pdf
from tests.seal_checks import async_validate_seal, pdfsig, seal_ca_roots, trust_roots

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
ONE = [{"email": "sam@example.com", "name": "Sam Sealed"}]


async def complete_one_document(flow: Flow, text: str = "Sealed with a timestamp") -> tuple[str, dict, bytes, bytes]:
    """A one-signer document signed and completed; (id, document, original, downloaded signed PDF)."""
    original = make_pdf([LETTER], text=text)
    doc_id, ids = await flow.draft(signers=ONE, fields=[signature(0)], pdf=original)
    await flow.send(doc_id)
    await sign_typed(flow, doc_id, await flow.link(ids["sam@example.com"]), "Sam Sealed")
    completed = await flow.complete(doc_id)
    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    return doc_id, completed, original, signed


async def test_a_completed_document_is_sealed_by_its_organisation_and_timestamped(flow: Flow) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    doc_id, completed, _, signed = await complete_one_document(flow)

    assert hashlib.sha256(signed).hexdigest() == completed["signedFileHash"]  # the hash of the sealed file
    root = seal_ca_roots(flow.system.settings)
    status = await async_validate_seal(signed, root)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["organization_name"] == flow.api.org_id
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted and status.timestamp_validity.timestamp >= before
    report = pdfsig(signed)
    assert "Signature Validation: Signature is Valid." in report and f"CN=Countersign seal {flow.api.org_id}" in report

    # The organisation's key is stored sealed, never in clear.
    row = await flow.db.fetchrow("SELECT * FROM documents.org_seal_identities WHERE org_id = $1", flow.api.org_id)
    assert row["private_key"].startswith("v1:") and "PRIVATE KEY" not in row["private_key"]
    assert row["cert_sha256"] == status.signing_cert.sha256.hex()


async def test_an_organisation_seals_every_document_with_the_same_certificate(flow: Flow) -> None:
    _, _, _, first = await complete_one_document(flow, "first")
    _, _, _, second = await complete_one_document(flow, "second")
    root = seal_ca_roots(flow.system.settings)
    assert (await async_validate_seal(first, root)).signing_cert.sha256 == (
        await async_validate_seal(second, root)
    ).signing_cert.sha256
    assert (
        await flow.db.fetchval("SELECT count(*) FROM documents.org_seal_identities WHERE org_id = $1", flow.api.org_id)
        == 1
    )


async def test_the_organisation_certificate_chain_is_what_a_relying_party_needs(flow: Flow, make_api) -> None:  # type: ignore[no-untyped-def]
    chain = await flow.call(flow.api, "GET", "/api/v1/org/certificate", 200)
    certs = trust_roots(chain)
    assert len(certs) == 2 and certs[1].dump() == seal_ca_roots(flow.system.settings)[0].dump()
    assert certs[0].subject.native["organization_name"] == flow.api.org_id and certs[0].issuer == certs[1].subject
    issued = await flow.db.fetchval(
        "SELECT cert_sha256 FROM documents.org_seal_identities WHERE org_id = $1", flow.api.org_id
    )
    assert issued == certs[0].sha256.hex()  # issued at first use: this request

    # Its documents' seals chain to it: the chain's last certificate is the only trust root needed.
    _, _, _, signed = await complete_one_document(flow)
    status = await async_validate_seal(signed, [certs[-1]])
    assert status.bottom_line and status.signing_cert.sha256 == certs[0].sha256
    assert await flow.call(flow.api, "GET", "/api/v1/org/certificate", 200) == chain  # the same, again

    other = await make_api()
    other_chain = trust_roots(await flow.call(other, "GET", "/api/v1/org/certificate", 200))
    assert other_chain[0].sha256 != certs[0].sha256 and other_chain[1].dump() == certs[1].dump()

    reader = await make_api(scopes=["documents.read"])
    refused = await flow.call(reader, "GET", "/api/v1/org/certificate", 403)
    assert refused["type"].endswith("/insufficient-scope") or refused["status"] == 403
    assert (
        await flow.db.fetchval("SELECT count(*) FROM documents.org_seal_identities WHERE org_id = $1", reader.org_id)
        == 0
    )
