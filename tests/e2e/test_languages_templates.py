"""Languages of documents made from templates (docs/languages.md, docs/templates.md), through the
gateway: a bulk send's signers (JSON and the CSV column `language`), the signers of a template's
`use`, and a campaign's `language` (else the visitor's browser) — each signer's invitation is
received by a real SMTP peer in their language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_bulk_sends_api import B, csv_form, one_slot_template
from tests.e2e.test_campaigns import C, Campaigns, campaigns, visitor  # noqa: F401  (campaigns: a fixture)
from tests.e2e.test_emails import addresses, text, to
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow is a fixture)
from tests.e2e.test_templates_api import Templates, templates  # noqa: F401  (templates is a fixture)
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

GERMAN_INVITATION = " hat Ihnen „Vendor Agreement“ zum Unterschreiben gesendet"


async def _languages(flow: Flow, column: str, value: str) -> dict[str, Any]:
    """Each signer's language (email → signers.language) of the documents whose `column` is `value`."""
    rows = await flow.db.fetch(
        f"""SELECT s.email, s.language FROM documents.signers s
              JOIN documents.documents d ON d.id = s.document_id WHERE d.{column} = $1""",
        value,
    )
    return {r["email"]: r["language"] for r in rows}


async def test_a_bulk_send_signer_with_language_de_gets_a_german_invitation(
    templates: Templates, flow: Flow, mailbox: Mailbox
) -> None:
    template_id = await one_slot_template(templates)
    who = addresses("jonas", "alice")
    refused = await flow.call(
        flow.api,
        "POST",
        B,
        422,
        json={
            "templateId": template_id,
            "name": "Q3",
            "signers": [{"name": "X", "email": who["jonas"], "language": "nl"}],
        },
    )
    assert [e["field"] for e in refused["errors"]] == ["signers.0.language"]

    signers = [
        {"name": "Jonas Weber", "email": who["jonas"], "language": "de"},
        {"name": "Alice Johnson", "email": who["alice"]},
    ]
    created = await flow.call(
        flow.api, "POST", B, 201, json={"templateId": template_id, "name": "Q3", "signers": signers}
    )
    assert await _languages(flow, "bulk_send_id", created["data"]["id"]) == {who["jonas"]: "de", who["alice"]: None}

    german = await mailbox.wait_for(to(who["jonas"]))
    assert german["Subject"].endswith(GERMAN_INVITATION)
    assert "Guten Tag Jonas Weber," in text(german).splitlines()
    english = await mailbox.wait_for(to(who["alice"]))
    assert "Hello Alice Johnson," in text(english).splitlines()


async def test_a_csv_language_column_sets_each_row_s_language(
    templates: Templates, flow: Flow, mailbox: Mailbox
) -> None:
    template_id = await one_slot_template(templates)
    who = addresses("lena", "lucie", "bob")
    csv = (
        "name,email,Language,Company\r\n"
        f"Lena Schmidt,{who['lena']},de,Schmidt GmbH\r\n"
        f"Lucie Martin,{who['lucie']},fr,Martin SARL\r\n"
        f"Bob Williams,{who['bob']},,Vendor B\r\n"
    )
    created = await flow.call(flow.api, "POST", B + "/csv", 201, data=csv_form(template_id, csv))
    assert await _languages(flow, "bulk_send_id", created["data"]["id"]) == {
        who["lena"]: "de",
        who["lucie"]: "fr",
        who["bob"]: None,
    }
    german = await mailbox.wait_for(to(who["lena"]))
    assert german["Subject"].endswith(GERMAN_INVITATION)
    french = await mailbox.wait_for(to(who["lucie"]))
    assert "Bonjour Lucie Martin," in text(french).splitlines()

    # A language the system does not speak refuses the file, naming the row and the column.
    bad = "name,email,language\r\n" + f"Lena Schmidt,{who['lena']},klingon\r\n"
    refused = await flow.call(flow.api, "POST", B + "/csv", 422, data=csv_form(template_id, bad))
    assert [e["field"] for e in refused["errors"]] == ["rows.2.language"]


async def test_the_signers_of_a_template_use_carry_their_language(
    templates: Templates, flow: Flow, mailbox: Mailbox
) -> None:
    template_id = await templates.ready()
    who = addresses("ana", "pedro")
    signers = [
        {"name": "Ana Costa", "email": who["ana"], "language": "pt"},
        {"name": "Pedro Ruiz", "email": who["pedro"], "language": "es"},
    ]
    made = await templates.use(template_id, signers=signers, send=True)
    document = await flow.document(made["data"]["id"])
    assert {s["email"]: s["language"] for s in document["signers"]} == {who["ana"]: "pt", who["pedro"]: "es"}
    portuguese = await mailbox.wait_for(to(who["ana"]))
    assert "Olá, Ana Costa," in text(portuguese).splitlines(), text(portuguese)


async def test_a_campaign_s_language_else_the_visitor_s_browser_is_its_documents(
    campaigns: Campaigns, flow: Flow, mailbox: Mailbox
) -> None:
    spanish = await campaigns.create(language="es")
    assert spanish["language"] == "es" and (await campaigns.get(spanish["id"]))["language"] == "es"
    person = visitor("Pedro Ruiz")
    # The campaign's own language wins over the browser's.
    await campaigns.submit(spanish["id"], headers={"Accept-Language": "de-DE,de;q=0.9"}, **person)
    [doc_id] = await campaigns.documents_of(spanish["id"])
    assert await flow.db.fetchval("SELECT language FROM documents.documents WHERE id = $1", doc_id) == "es"
    invitation = await mailbox.wait_for(to(person["email"]))
    assert "Hola, Pedro Ruiz:" in text(invitation).splitlines(), text(invitation)

    # None set: the visitor's Accept-Language, as the campaign page's browser sends it.
    plain = await campaigns.create()
    assert plain["language"] is None
    person = visitor("Greta Braun")
    await campaigns.submit(plain["id"], headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, **person)
    [doc_id] = await campaigns.documents_of(plain["id"])
    assert await flow.db.fetchval("SELECT language FROM documents.documents WHERE id = $1", doc_id) == "de"
    assert (await mailbox.wait_for(to(person["email"])))["Subject"].endswith("zum Unterschreiben gesendet")

    changed = await flow.call(flow.api, "PATCH", C + "/{id}", 200, id=plain["id"], json={"language": "fr"})
    assert changed["data"]["language"] == "fr"
    cleared = await flow.call(flow.api, "PATCH", C + "/{id}", 200, id=plain["id"], json={"language": None})
    assert cleared["data"]["language"] is None
    await flow.call(flow.api, "PATCH", C + "/{id}", 422, id=plain["id"], json={"language": "xx"})
