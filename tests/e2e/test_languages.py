"""Languages end to end (docs/languages.md): the `language` of signers and documents through the
API, the emails a real SMTP peer receives in it, and the dates the signed PDF is stamped with."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.notifier.emails.render import when
from shared.i18n import long_date
from tests.e2e.test_emails import addresses, html, text, to
from tests.e2e.test_signing_flow import D, Flow, box, flow, pdf_text, signature  # noqa: F401  (flow is a fixture)
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e


async def test_language_is_set_returned_changed_cleared_and_validated(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        language="de",
        signers=[
            {"email": "greta@example.com", "name": "Greta", "language": "fr"},
            {"email": "hans@example.com", "name": "Hans", "order": 1},
        ],
        fields=[],
    )
    greta, hans = ids["greta@example.com"], ids["hans@example.com"]
    detail = await flow.document(doc_id)
    assert detail["language"] == "de"
    created = await flow.call(flow.api, "POST", D, 201, json={"name": "Contrato", "language": "es"})
    assert created["data"]["language"] == "es"
    assert {s["email"]: s["language"] for s in detail["signers"]} == {
        "greta@example.com": "fr",
        "hans@example.com": None,
    }

    signer = "/{id}/signers/{signerId}"
    changed = await flow.call(flow.api, "PATCH", D + signer, 200, id=doc_id, signerId=hans, json={"language": "es"})
    assert changed["data"]["language"] == "es"
    listed = await flow.call(flow.api, "GET", D + "/{id}/signers", 200, id=doc_id)
    assert {s["id"]: s["language"] for s in listed["data"]} == {greta: "fr", hans: "es"}

    # Anything but the five codes is refused, naming the field, and nothing changes.
    for bad in ("xx", "DE", "de-DE", "", 7):
        refused = await flow.call(flow.api, "PATCH", D + signer, 422, id=doc_id, signerId=hans, json={"language": bad})
        assert refused["type"].endswith("/validation-error")
        assert [e["field"] for e in refused["errors"]] == ["language"]
        refused = await flow.call(flow.api, "PATCH", D + "/{id}", 422, id=doc_id, json={"language": bad})
        assert [e["field"] for e in refused["errors"]] == ["language"]
    assert (await flow.document(doc_id))["language"] == "de"
    assert {s["id"]: s["language"] for s in (await flow.document(doc_id))["signers"]} == {greta: "fr", hans: "es"}
    name = f"Refused {uuid.uuid4().hex[:8]}"
    await flow.call(flow.api, "POST", D, 422, json={"name": name, "language": "klingon"})
    await flow.call(
        flow.api,
        "POST",
        D + "/{id}/signers",
        422,
        id=doc_id,
        json={"email": "x@example.com", "name": "X", "language": "nl"},
    )
    listed = await flow.call(flow.api, "GET", D, 200, params={"search": name})
    assert listed["data"] == []
    assert len((await flow.document(doc_id))["signers"]) == 2

    # null clears: the document's language applies again.
    cleared = await flow.call(flow.api, "PATCH", D + signer, 200, id=doc_id, signerId=hans, json={"language": None})
    assert cleared["data"]["language"] is None
    cleared_doc = await flow.call(flow.api, "PATCH", D + "/{id}", 200, id=doc_id, json={"language": None})
    assert cleared_doc["data"]["language"] is None


async def test_emails_and_the_signed_pdf_speak_each_signer_s_language(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("jonas", "lucie")
    expires = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)
    doc_id, ids = await flow.draft(
        name="Mietvertrag Lindenstraße",
        language="fr",
        signingType="parallel",
        expiresAt="2031-03-14T09:30:00Z",
        signers=[
            {"email": who["jonas"], "name": "Jonas Weber", "language": "de", "order": 0},
            {"email": who["lucie"], "name": "Lucie Martin", "order": 1},  # the document's: French
        ],
        fields=[
            signature(0),
            box("date_signed", 0, 700),
            signature(1, y=500),
            box("date_signed", 1, 560),
        ],
    )
    await flow.send(doc_id)

    german = await mailbox.wait_for(to(who["jonas"]))
    assert german["Subject"].endswith(" hat Ihnen „Mietvertrag Lindenstraße“ zum Unterschreiben gesendet")
    body = text(german)
    assert "Guten Tag Jonas Weber," in body.splitlines()
    assert "Prüfen und unterschreiben: " in body and "/sign/" in body
    assert f"Bitte unterschreiben Sie bis zum {when(expires, 'de')}; danach funktioniert" in body
    assert when(expires, "de") == "14. März 2031, 09:30 UTC"
    assert '<html lang="de">' in html(german) and "Prüfen und unterschreiben</a>" in html(german)
    assert "Hello" not in body and "Review and sign" not in body

    french = await mailbox.wait_for(to(who["lucie"]))
    # (A subject is one line of plain spaces: headers.one_line.)
    assert french["Subject"].endswith(" vous a envoyé « Mietvertrag Lindenstraße » à signer")
    assert "Bonjour Lucie Martin," in text(french).splitlines()
    assert "14 mars 2031, 09:30 UTC" in text(french)

    # The signing session tells the page each signer's language.
    tokens = {}
    for email in who.values():
        tokens[email] = await flow.link(ids[email])
    sessions = {email: (await flow.as_signer("GET", "", 200, token))["data"] for email, token in tokens.items()}
    assert sessions[who["jonas"]]["language"] == "de" and sessions[who["lucie"]]["language"] == "fr"
    # And the link's state (what the page asks first), so a dead end is written in it too.
    states = {email: (await flow.as_signer("GET", "/state", 200, token))["data"] for email, token in tokens.items()}
    assert states[who["jonas"]] == {"state": "open", "download": None, "downloadUntil": None, "language": "de"}
    assert states[who["lucie"]]["language"] == "fr"

    fields = {(f["assignedTo"], f["type"]): f["id"] for f in await flow.field_ids(doc_id)}
    for order, (email, name) in enumerate(((who["jonas"], "Jonas Weber"), (who["lucie"], "Lucie Martin"))):
        value = {"type": "typed", "text": name}
        body_json = {"consent": True, "fields": [{"id": fields[(order, "signature")], "value": value}]}
        await flow.as_signer("POST", "/sign", 200, tokens[email], json=body_json)
    await flow.complete(doc_id)
    ended = (await flow.as_signer("GET", "/state", 200, tokens[who["lucie"]]))["data"]
    assert ended["state"] == "document-completed" and ended["language"] == "fr"

    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    _, stamped = pdf_text(signed_pdf)
    today = datetime.now(UTC).date()
    assert long_date(today, "de") in stamped, stamped  # "4. Dezember 2026": Jonas's date
    assert long_date(today, "fr") in stamped, stamped  # "4 décembre 2026": Lucie's, by the document
    assert long_date(today, "en") not in stamped
    assert "Certificat d’achèvement" in stamped  # the certificate speaks the document's language

    # Completion emails: each participant in their language.
    done_de = await mailbox.wait_for(to(who["jonas"], "abgeschlossen"))
    assert "Unterschriebenes PDF herunterladen" in text(done_de)
    done_fr = await mailbox.wait_for(to(who["lucie"], "finalisé"))
    assert "Télécharger le PDF signé" in text(done_fr)
