"""Each surface in each language (pure parts): dates in the PDF, the emails, the signing page's
HTML and catalogues, and which signer's language a PDF date follows."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from typing import Any

import orjson
import pytest
from pypdf import PdfReader

from services.documents.domain.signed_inputs import field_languages, stamp_fields, to_field_value
from services.documents.pdf.certificate import render_certificate
from services.documents.pdf.certificate_text import Words, authentication, consent, event_rows
from services.documents.pdf.models import AuditHead, Certificate, Participant, ParticipantEvent, TypedSignature
from services.documents.pdf.values import display_text, format_date
from services.gateway.signing_page.assets import STATIC_DIR, load_assets
from services.gateway.signing_page.catalogue import localise, message_files
from services.notifier.emails.message import build_message
from services.notifier.emails.model import KINDS, MailContext, Party, Sender
from services.notifier.emails.render import Fetched, render, when
from shared.i18n import LANGUAGES, catalogue, long_date

DAY = date(2026, 12, 4)
LONG_DATES = {
    "en": "December 4, 2026",
    "de": "4. Dezember 2026",
    "fr": "4 décembre 2026",
    "es": "4 de diciembre de 2026",
    "pt": "4 de dezembro de 2026",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_is_written_as_each_language_writes_it(language: str) -> None:
    assert long_date(DAY, language) == LONG_DATES[language]
    assert format_date(DAY, language) == LONG_DATES[language]
    assert format_date("2026-12-04", language) == LONG_DATES[language]
    assert display_text("date_signed", "2026-12-04", language) == LONG_DATES[language]
    assert display_text("date", datetime(2026, 12, 4, 23, 30), language) == LONG_DATES[language]


def test_the_pdf_keeps_english_without_a_language_and_free_text_as_typed() -> None:
    assert display_text("date", "2026-12-04") == "December 4, 2026"
    assert display_text("date", "next Tuesday", "de") == "next Tuesday"


def test_email_times_are_utc_in_the_reader_s_language() -> None:
    at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert when(at) == "4 December 2026, 12:00 UTC"
    assert when(at, "de") == "4. Dezember 2026, 12:00 UTC"
    assert when(at, "es") == "4 de diciembre de 2026, 12:00 UTC"


# --- emails ---------------------------------------------------------------------------------------


def context(
    kind: str, language: str | None, *, audience: str = "participant", document: str | None = None
) -> MailContext:
    return MailContext(
        kind=kind,  # type: ignore[arg-type]
        audience=audience,  # type: ignore[arg-type]
        recipient=Party(id="sr_1", name="Anna <Berg>", email="anna@example.de", role="signer", language=language),
        documentId="cm_doc",
        documentName="Mietvertrag & Anlage",
        sender=Sender(name="Bernd", email="bernd@example.de", orgName="Hausverwaltung Nord"),
        occurredAt=datetime(2026, 12, 1, tzinfo=UTC),
        expiresAt=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        about=Party(name="Carla", email="carla@example.de"),
        reason="Falsche Adresse",
        bouncedEmail="carla@example.de",
        people=[Party(name="Dora", email="dora@example.de")],
        documentLanguage=document,
    )


FETCHED = Fetched(
    link="https://sign.example/sign/abc", code="123456", valid_until=datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
)


def rendered(ctx: MailContext) -> tuple[str, str, str]:
    out = render(ctx, FETCHED, brand="Countersign", public_url="https://sign.example")
    return out.subject, out.text, out.html


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_speaks_german_to_a_german_reader(kind: str) -> None:
    audiences = ("participant", "sender") if kind in ("completed", "declined") else ("participant",)
    for audience in audiences:
        ctx = context(kind, "de", audience=audience, document="de")
        subject, text, html = rendered(ctx)
        english_subject, english_text, _ = rendered(context(kind, None, audience=audience))
        assert subject != english_subject and "„Mietvertrag & Anlage“" in subject, subject
        # The sender line (trust cues: who is asking) is translated too.
        assert text.startswith("Hausverwaltung Nord · gesendet von Bernd\n\nGuten Tag Anna <Berg>,"), text
        assert "Gesendet von Countersign im Auftrag von Hausverwaltung Nord." in text
        assert '<html lang="de">' in html and "Guten Tag Anna &lt;Berg&gt;," in html
        assert "Hausverwaltung Nord</strong> · gesendet von Bernd</p>" in html, html
        # Values stay escaped inside translated sentences.
        assert "Mietvertrag &amp; Anlage" in html and "<Berg>" not in html
        for english in ("Hello", "Sent by", "sent by", "Please", " the "):
            assert english not in text.replace("Mietvertrag", ""), (kind, english, text)
        assert english_text.startswith("Hausverwaltung Nord · sent by Bernd\n\nHello Anna <Berg>,")


def test_the_invitation_in_each_language_names_the_deadline_in_it() -> None:
    expected = {
        "en": "Please sign by 4 December 2026, 12:00 UTC; the link stops working then.",
        "de": "Bitte unterschreiben Sie bis zum 4. Dezember 2026, 12:00 UTC; danach funktioniert der Link nicht mehr.",
        "fr": "Merci de signer avant le 4 décembre 2026, 12:00 UTC\u00a0; le lien cessera alors de fonctionner.",
        "es": "Fírmelo antes del 4 de diciembre de 2026, 12:00 UTC; después, el enlace dejará de funcionar.",
        "pt": "Assine até 4 de dezembro de 2026, 12:00 UTC; depois disso, o link deixa de funcionar.",
    }
    for language, sentence in expected.items():
        _, text, html = rendered(context("invitation", language))
        assert sentence in text, (language, text)
        assert f'<html lang="{language}">' in html


def test_the_document_s_language_applies_to_recipients_without_one_and_to_the_sender() -> None:
    assert context("invitation", None, document="fr").language == "fr"
    assert context("invitation", "es", document="fr").language == "es"
    assert context("completed", "es", audience="sender", document="fr").language == "fr"
    assert context("completed", "es", audience="sender").language == "en"
    subject, _, _ = rendered(context("invitation", None, document="fr"))
    assert subject == "Hausverwaltung Nord vous a envoyé «\u00a0Mietvertrag & Anlage\u00a0» à signer"


def test_the_sender_s_own_subject_is_kept_and_a_reminder_is_marked_in_the_language() -> None:
    ctx = context("reminder", "pt").model_copy(update={"emailSubject": "Contrato de arrendamento"})
    assert rendered(ctx)[0] == "Lembrete: Contrato de arrendamento"
    approver = context("invitation", "de").model_copy(
        update={"recipient": Party(email="a@x.de", role="approver", language="de")}
    )
    assert rendered(approver)[0] == "Hausverwaltung Nord hat Ihnen „Mietvertrag & Anlage“ zur Freigabe gesendet"


# --- the signing page -----------------------------------------------------------------------------


def test_the_page_is_served_translated_in_every_language() -> None:
    assets = load_assets()
    english = (STATIC_DIR / "page.html").read_text()
    marked = re.findall(r'data-i18n="([^"]+)"', english)
    assert len(marked) >= 10
    for code in LANGUAGES:
        page = assets.pages[code].decode()
        assert f'<html lang="{code}">' in page and "{{ASSETS}}" not in page
        assert page.count("data-i18n=") == len(marked)
    german = assets.pages["de"].decode()
    assert (
        '<button type="button" id="next-field" class="button button--primary" data-i18n="Next field">Nächstes Feld</button>'
        in german
    )
    assert (
        ">Grund der Ablehnung</span>" in german and "<title" in german and ">Dokument unterschreiben</title>" in german
    )
    assert localise(english, "en").replace('lang="en"', "") == english.replace('lang="en"', "")


def test_the_scripts_get_each_language_s_messages_as_a_versioned_asset() -> None:
    assets = load_assets()
    for code in LANGUAGES:
        name = f"messages-{code}.json"
        body = orjson.loads(assets.files[name].body)
        assert assets.files[name].content_type == "application/json"
        assert body["language"] == code and body["messages"] == catalogue("page", code)
        assert [choice["code"] for choice in body["languages"]] == list(LANGUAGES)
    assert orjson.loads(message_files()["messages-de.json"])["messages"]["Finish"] == "Abschließen"
    # A change of a catalogue changes every asset URL (browsers cache assets for ever).
    assert load_assets().version == assets.version


# --- which signer's language a PDF date follows -----------------------------------------------------


def test_a_date_field_follows_the_language_of_the_signer_who_filled_it() -> None:
    signers: list[dict[str, Any]] = [
        {"id": "sr_de", "signing_order": 0, "status": "completed", "language": "de"},
        {"id": "sr_none", "signing_order": 1, "status": "completed", "language": None},
        {"id": "sr_waits", "signing_order": 2, "status": "pending", "language": "es"},
        {"id": "sr_done", "signing_order": 2, "status": "completed", "language": "pt"},
    ]
    fields: list[dict[str, Any]] = [
        {"id": "f1", "signer_id": "sr_de", "assigned_to": 0, "type": "date_signed"},
        {"id": "f2", "signer_id": None, "assigned_to": 1, "type": "date"},
        {"id": "f3", "signer_id": None, "assigned_to": 2, "type": "date"},  # the one of order 2 who signed
        {"id": "f4", "signer_id": None, "assigned_to": None, "type": "date"},
    ]
    languages = field_languages({"language": "fr"}, signers, fields)
    assert languages == {"f1": "de", "f2": "fr", "f3": "pt", "f4": "fr"}
    assert field_languages({"language": None}, signers, fields)["f2"] == "en"
    placed = [dict(f, page=1, x=10, y=10, width=100, height=20) for f in fields]
    stamps = stamp_fields(placed, {f["id"]: "2026-12-04" for f in fields}, languages)
    assert [display_text(s.type, s.value, s.language) for s in stamps] == [
        "4. Dezember 2026",
        "4 décembre 2026",
        "4 de dezembro de 2026",
        "4 décembre 2026",
    ]


def test_an_attachment_field_is_named_in_the_signer_s_language_as_the_page_previews_it() -> None:
    upload = {"type": "attachment", "fileName": "Gehaltsnachweis.pdf"}
    assert to_field_value("attachment", upload) == "Attached: Gehaltsnachweis.pdf"
    assert to_field_value("attachment", upload, "de") == "Angehängt: Gehaltsnachweis.pdf"
    assert catalogue("page", "de")["Attached: %(file)s"] == "Angehängt: %(file)s"


# --- the certificate of completion ------------------------------------------------------------------

AT = datetime(2026, 12, 4, 14, 3, 11, tzinfo=UTC)


def test_the_certificate_s_words_and_times_follow_the_document_s_language() -> None:
    german = Words("de")
    verified = Participant("Jonas", "j@example.de", "signer", otp_verified_at=AT, consent_at=AT)
    assert authentication(verified, "email", german) == (
        "Link zum Unterschreiben per E-Mail gesendet; Einmalcode per E-Mail bestätigt 4. Dezember 2026 14:03:11 UTC"
    )
    assert consent(verified, Words("es")) == (
        "Aceptó el uso de registros y firmas electrónicos, 4 de diciembre de 2026 14:03:11 UTC"
    )
    assert event_rows([ParticipantEvent("invited", AT)], Words("fr"))[0][:2] == (
        "4 décembre 2026 14:03:11 UTC",
        "Invitation envoyée par e-mail",
    )
    # Without a language: English, word for word as before.
    assert authentication(verified, None) == "Signing link sent by email"


def test_a_german_certificate_reads_german_and_names_stay_as_written() -> None:
    cert = Certificate(
        document_name="Mietvertrag <Nord>",
        document_id="cdoc",
        original_sha256="ab" * 32,
        completed_at=AT,
        participants=[
            Participant(
                "Jonas", "j@example.de", "signer", signed_at=AT, consent_at=AT, signature=TypedSignature("Jonas")
            )
        ],
        sent_at=AT,
        audit_head=AuditHead(7, "cd" * 32),
        language="de",
    )
    text = pdf_text(render_certificate(cert, page_size=(612, 792), original_pages=2))
    for expected in (
        "Abschlusszertifikat",
        "Integrität und Prüfung",
        "Mietvertrag <Nord>",
        "4. Dezember 2026 14:03:11 UTC",
    ):
        assert expected in text, expected
    assert "Certificate of Completion" not in text and "December" not in text


def pdf_text(data: bytes) -> str:
    return " ".join((page.extract_text() or "").replace("\n", " ") for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    "subject",
    [
        "Hausverwaltung Nord GmbH & Co. KG hat Ihnen „Mietvertrag Lindenstraße“ zum Unterschreiben gesendet",
        "Ihr Einmalcode für „Vertrag“",
        "Erinnerung: " + "Prüfung " * 30,
        "Plain ASCII subject",
    ],
)
def test_a_translated_subject_arrives_with_every_space(subject: str) -> None:
    # Python's folding drops the space between two encoded words where it breaks the line.
    message = build_message({"Subject": subject, "To": "a@example.de"}, "text", "<p>html</p>")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 78
    assert str(BytesParser(policy=policy.default).parsebytes(raw)["Subject"]) == subject
