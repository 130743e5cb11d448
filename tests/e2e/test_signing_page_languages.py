"""The signing page in other languages, in Debian's Chromium (docs/languages.md): a German signer
from the link to the signed PDF at 1280 px and on a 390 px touch screen, and the language switcher
changing the page mid-way without losing what was entered. Screenshots go with the others."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import Browser, Page, expect

from shared.i18n import long_date
from tests.e2e.signing_browser import (  # noqa: F401  (browser: a fixture)
    browser,
    draw_signature,
    invitation_token,
    new_context,
    open_page,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_flow import D, Flow, box, flow, pdf_text, signature  # noqa: F401  (flow: a fixture)
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e


async def signed_text(flow: Flow, doc_id: str) -> str:
    await flow.complete(doc_id)
    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    return pdf_text(signed_pdf)[1]


async def finish_in_german(page: Page) -> None:
    await page.locator("#consent").check()
    await expect(page.locator("#finish-hint")).to_have_text(
        "Alles ist ausgefüllt. Wählen Sie „Abschließen“, um zu unterschreiben."
    )
    await expect(page.locator("#finish")).to_have_text("Abschließen")
    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Unterschrieben")).to_be_visible()


async def test_a_german_signer_signs_in_german_on_a_desktop_and_the_pdf_dates_are_german(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("jonas")
    doc_id, ids = await flow.draft(
        name="Mietvertrag",
        signers=[{"email": email, "name": "Jonas Weber", "language": "de"}],
        fields=[
            box("date", 0, 200, label="Einzugsdatum"),
            box("text", 0, 250, label="Telefon", required=False),
            box("date_signed", 0, 560),
            signature(0, y=600),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    # An English browser: the signer's own language wins.
    desktop = await new_context(browser, viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        opened = await open_page(desktop, flow.system.gateway_url, token)
        page = opened.page
        await expect(page.get_by_role("heading", name="Prüfen und unterschreiben")).to_be_visible()
        assert await page.evaluate("document.documentElement.lang") == "de"
        await expect(page.get_by_label("Sprache")).to_have_value("de")
        await expect(page.locator("#progress-text")).to_have_text("0 von 2 Pflichtfeldern ausgefüllt")
        await expect(page.locator("#next-field")).to_have_text("Nächstes Feld")
        await expect(page.get_by_role("link", name="PDF herunterladen")).to_be_visible()
        # The trust cues (trust.js) too: how the link arrived, and the page count.
        await expect(page.locator("#delivery")).to_contain_text("Sie haben diesen Link per E-Mail an ")
        await expect(page.locator("#doc-pages")).to_have_text(re.compile(r"^ · \d+ Seiten?$"))
        await shoot(page, "de-1280-loaded")

        await page.locator("#next-field").click()
        await expect(page.locator("#editor-title")).to_have_text("Einzugsdatum")
        await expect(page.locator("#editor-meta")).to_have_text("Pflichtfeld · Feld 1 von 3")
        await page.locator("#editor-body input[type=date]").fill("2026-12-04")
        await expect(page.locator("button.field--date")).to_contain_text("4. Dezember 2026")
        await page.get_by_role("button", name=re.compile(r"^Unterschrift, Pflichtfeld")).click()
        await expect(page.get_by_role("group", name="Art der Unterschrift")).to_be_visible()
        await draw_signature(page)
        await expect(page.locator("#progress-text")).to_have_text("2 von 2 Pflichtfeldern ausgefüllt")
        await page.locator("#editor-close").click()
        await shoot(page, "de-1280-filled")
        await finish_in_german(page)
        await expect(page.locator("#completion-status")).to_contain_text("Alle haben unterschrieben")
        await shoot(page, "de-1280-signed")
        assert opened.script_errors() == []
    finally:
        await desktop.close()

    stamped = await signed_text(flow, doc_id)
    assert "4. Dezember 2026" in stamped  # the date field the signer filled
    assert long_date(datetime.now(UTC).date(), "de") in stamped  # the date of signing
    assert "December" not in stamped.split("Certificate of Completion")[0]


async def test_on_a_390_px_touch_screen_the_browser_s_german_is_used_and_signing_works(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("lena")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Lena Schmidt"}],  # no language: the browser's applies
        fields=[signature(0, y=600), box("checkbox", 0, 200, width=20, height=20, label="AGB gelesen")],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    phone = await new_context(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        has_touch=True,
        is_mobile=True,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"},
    )
    try:
        opened = await open_page(phone, flow.system.gateway_url, token)
        page = opened.page
        assert opened.response.headers["content-language"] == "de"
        assert "Accept-Language" in opened.response.headers["vary"]
        await expect(page.get_by_role("heading", name="Prüfen und unterschreiben")).to_be_visible()
        await expect(page.get_by_label("Sprache")).to_be_visible()
        # The touch list of fields (fieldlist.js) speaks German as well.
        await expect(page.get_by_role("heading", name="Auszufüllende Felder")).to_be_visible()
        await expect(page.locator("[data-list-field-id]").first).to_contain_text("Seite 1")
        await expect(page.locator("[data-list-field-id]").first).to_contain_text("Pflichtfeld")
        no_scroll = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        assert await page.evaluate(no_scroll)
        await shoot(page, "de-390-loaded", full_page=False)

        await page.get_by_role("button", name=re.compile(r"^AGB gelesen, Pflichtfeld")).tap()
        await page.locator("#editor-body input[type=checkbox]").check()
        await page.locator("#editor-next").tap()
        await expect(page.locator("#editor-title")).to_have_text("Unterschrift")
        await page.get_by_role("button", name="Tippen").tap()
        await expect(page.get_by_label("Geben Sie Ihren vollständigen Namen ein")).to_be_visible()
        await page.locator("#editor-body input").fill("Lena Schmidt")
        await expect(page.locator("button.field--signature .field__text")).to_have_text("Lena Schmidt")
        await expect(page.locator("#editor-next")).to_have_text("Fertig")
        await page.locator("#editor-close").tap()
        assert await page.evaluate(no_scroll)
        await finish_in_german(page)
        await shoot(page, "de-390-signed", full_page=False)
        assert opened.script_errors() == []
    finally:
        await phone.close()
    assert (await flow.document(doc_id))["signers"][0]["status"] == "completed"


async def test_the_switcher_changes_the_language_and_keeps_what_was_entered(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("ana")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Ana Costa"}],
        fields=[box("text", 0, 150, label="Job title"), box("date", 0, 250, label="Start"), signature(0, y=600)],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    desktop = await new_context(browser, viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        opened = await open_page(desktop, flow.system.gateway_url, token)
        page = opened.page
        await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
        await page.locator("#next-field").click()
        await page.locator("#editor-body input").fill("Engineer")
        await page.locator("#editor-next").click()
        await page.locator("#editor-body input[type=date]").fill("2026-12-04")
        await page.locator("#editor-close").click()
        await page.locator("#consent").check()
        await expect(page.locator("#progress-text")).to_have_text("2 of 3 required fields done")

        # By keyboard: the labelled select in the header.
        switcher = page.get_by_label("Language")
        await switcher.focus()
        await switcher.select_option("fr")
        await expect(page.get_by_role("heading", name="Consulter et signer")).to_be_visible()
        assert await page.evaluate("document.documentElement.lang") == "fr"
        await expect(page.get_by_label("Langue")).to_have_value("fr")
        await expect(page.locator("#progress-text")).to_have_text("2 champ(s) obligatoire(s) sur 3 rempli(s)")
        await expect(page.locator("button.field--text")).to_contain_text("Engineer")
        await expect(page.locator("button.field--date")).to_contain_text("4 décembre 2026")
        await expect(page.locator("#consent")).to_be_checked()
        await expect(page.locator("#next-field")).to_have_text("Champ suivant")
        await shoot(page, "switcher-fr")

        await page.get_by_label("Langue").select_option("es")
        await expect(page.get_by_role("heading", name="Revisar y firmar")).to_be_visible()
        await expect(page.locator("button.field--date")).to_contain_text("4 de diciembre de 2026")
        # The choice is kept for the tab.
        await page.reload()
        await expect(page.get_by_role("heading", name="Revisar y firmar")).to_be_visible()
        await page.get_by_role("button", name=re.compile(r"^Firma, obligatorio")).click()
        await draw_signature(page)
        await page.locator("#editor-close").click()
        await page.locator("#next-field").click()  # the values went with the reload: fill them again
        await page.locator("#editor-body input").fill("Engineer")
        await page.locator("#editor-next").click()
        await page.locator("#editor-body input[type=date]").fill("2026-12-04")
        await page.locator("#editor-close").click()
        await page.locator("#consent").check()
        await page.locator("#finish").click()
        await expect(page.get_by_role("heading", name="Firmado")).to_be_visible()
        await shoot(page, "switcher-es-signed")
        assert opened.script_errors() == []
    finally:
        await desktop.close()
    stamped = await signed_text(flow, doc_id)
    assert "Engineer" in stamped and "December 4, 2026" in stamped  # the signer has no language: English


async def test_a_dead_end_opens_in_the_signer_s_language(flow: Flow, browser: Browser) -> None:
    """The page asks the link's state first; a cancelled document never reaches the summary, so
    the state's own `language` (the document's here) is what makes it German in an English browser."""
    email = unique_email("greta")
    doc_id, ids = await flow.draft(
        language="de", signers=[{"email": email, "name": "Greta Braun"}], fields=[signature(0, y=600)]
    )
    await flow.send(doc_id)
    token = await flow.link(ids[email])
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    desktop = await new_context(browser, viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        opened = await open_page(desktop, flow.system.gateway_url, token)
        page = opened.page
        await expect(page.get_by_role("heading", name="Dieses Dokument wurde storniert")).to_be_visible()
        assert await page.evaluate("document.documentElement.lang") == "de"
        await expect(page.get_by_label("Sprache")).to_have_value("de")
        assert opened.script_errors() == []
    finally:
        await desktop.close()
