"""The message catalogues (shared/locale): complete, faithful to the code, and read as written.

Every language has every message of the code translated (no empty or fuzzy entry, the same
placeholders), and the catalogues hold exactly what `make i18n` would extract from the code today:
a message added to a script or a template without running it fails here, not in a signer's browser.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from shared.contracts.common import Language
from shared.i18n import DEFAULT_LANGUAGE, DOMAINS, LANGUAGES, LOCALE_DIR, catalogue, negotiate, pick, read_catalog
from shared.settings import REPO_ROOT

TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted(domain: str) -> set[str]:
    """The msgids `make i18n` extracts from the code for `domain` (its mapping, its keywords)."""
    with (LOCALE_DIR / f"{domain}.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "t": None}
    found = extract_from_dir(REPO_ROOT, method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def template(domain: str) -> Catalog:
    with (LOCALE_DIR / f"{domain}.pot").open("rb") as handle:
        return read_po(handle)


def test_the_api_accepts_exactly_the_languages_the_catalogues_cover() -> None:
    assert set(get_args(Language)) == set(LANGUAGES) == {"en", "de", "fr", "es", "pt"}
    for domain in DOMAINS:
        for code in TRANSLATED:
            assert (LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po").is_file(), (domain, code)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_template_holds_what_the_code_says_today(domain: str) -> None:
    in_code = extracted(domain)
    assert len(in_code) > 40  # the extraction found the surface's messages at all
    in_template = {str(m.id) for m in template(domain) if m.id}
    assert in_code - in_template == set(), "new messages: run `make i18n` and translate them"
    assert in_template - in_code == set(), "messages no longer in the code: run `make i18n`"


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_the_same_placeholders(domain: str, code: str) -> None:
    wanted = {str(m.id) for m in template(domain) if m.id}
    messages = [m for m in read_catalog(domain, code) if m.id]
    assert {str(m.id) for m in messages} == wanted
    for message in messages:
        msgid, msgstr = str(message.id), str(message.string)
        assert not message.fuzzy, f"{code}/{domain}.po: fuzzy entry {msgid!r}"
        assert msgstr.strip(), f"{code}/{domain}.po: {msgid!r} is not translated"
        assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), (code, msgid, msgstr)
        # A stray % (not a placeholder) would break Python's % formatting of the message.
        assert "%" not in PLACEHOLDER.sub("", msgstr).replace("%%", ""), (code, msgid, msgstr)


def test_the_catalogues_are_read_as_the_po_files_say() -> None:
    # Straight from the .po: no compiled copy that could say something else.
    assert catalogue("page", "de")["Next field"] == "Nächstes Feld"
    assert catalogue("emails", "fr")["Hello %(name)s,"] == "Bonjour %(name)s,"
    assert catalogue("page", "en") == {}


def test_formal_address_in_every_language() -> None:
    page = {code: catalogue("page", code) for code in TRANSLATED}
    assert "Sie" in page["de"]["Please tell the sender why you are declining."]
    assert "vous" in page["fr"]["We'll email you when everyone has signed. You can also reload this page later."]
    assert "Puede cerrar" in page["es"]["The sender has been told. You can close this page."]
    assert "Pode fechar" in page["pt"]["The sender has been told. You can close this page."]
    # No familiar forms anywhere.
    informal = {"de": (" du ", " dein"), "fr": (" tu ", " ton "), "es": (" tú ", "puedes"), "pt": (" tu ", "podes")}
    for code, words in informal.items():
        text = " ".join(page[code].values()).lower()
        assert not any(word in text for word in words), code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("da, en-GB;q=0.8, en;q=0.7", "en"),
        ("en;q=0.2, pt-BR;q=0.9", "pt"),
        ("es;q=0, de;q=0.1", "de"),
        ("nl, ja", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_picks_the_best_supported_language(header: str | None, expected: str | None) -> None:
    assert negotiate(header) == expected


def test_the_signer_s_language_wins_then_the_document_s_then_english() -> None:
    assert pick("de", "fr") == "de"
    assert pick(None, "fr") == "fr"
    assert pick(None, None) == "en"
    assert pick("xx", "PT-br") == "pt"


def test_catalogues_live_where_the_package_data_ships_them() -> None:
    shipped = re.search(r'"locale/\*/LC_MESSAGES/\*\.po"', (REPO_ROOT / "pyproject.toml").read_text())
    assert shipped is not None
    assert Path(LOCALE_DIR).is_relative_to(REPO_ROOT / "shared")
