"""Languages: the message catalogues and the dates every surface writes (docs/languages.md).

    LANGUAGES, DEFAULT_LANGUAGE          the five codes and the fallback
    pick(*candidates) -> str             the first supported code among candidates, else English
    negotiate(accept_language) -> str|None   the best supported code of an Accept-Language header
    translations(domain, language)       gettext-style object (gettext/ngettext) for one surface
    catalogue(domain, language)          {msgid: msgstr} of the translated messages (for the page's JS)
    long_date(value, language)           "4. Dezember 2026", "December 4, 2026", "4 de diciembre de 2026"

Catalogues are gettext `.po` files under shared/locale/<language>/LC_MESSAGES/<domain>.po, one
domain per surface (`page`: the signing page; `emails`: the notifier's emails; `pdf`: the
certificate of completion), extracted from the
code by `make i18n` (shared/locale/<domain>.cfg), and read directly with Babel at first use:
there is no compiled `.mo` on disk that could drift from the `.po` a translator edited. English
is the source language (the msgids), so it has no catalogue. A fuzzy or empty entry falls back to
English; tests/unit/test_i18n_catalogues.py refuses either, so a release never ships one.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: Final = ("en", "de", "fr", "es", "pt")
DEFAULT_LANGUAGE: Final = "en"
DOMAINS: Final = ("page", "emails", "pdf")
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"

# Names of the languages in themselves, for the signing page's switcher.
NATIVE_NAMES: Final = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "pt": "Português"}


def supported(code: object) -> str | None:
    """`de`, `DE`, `de-AT`, `pt_BR` → the supported base code; anything else → None."""
    if not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def pick(*candidates: object) -> str:
    """The first candidate that is a supported language (signer's, then document's, then …)."""
    for candidate in candidates:
        if (code := supported(candidate)) is not None:
            return code
    return DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 q-values; ties keep header order)."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if (code := supported(tag)) is not None and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def po_path(domain: str, language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(domain: str, language: str) -> Catalog:
    with po_path(domain, language).open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


@lru_cache(maxsize=len(DOMAINS) * len(LANGUAGES))
def translations(domain: str, language: str) -> NullTranslations:
    """The catalogue of one surface in one language; English (the msgids) for `en` or a missing file."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES or not po_path(domain, language).exists():
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(domain, language))  # fuzzy entries left out, as msgfmt does
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


@lru_cache(maxsize=len(DOMAINS) * len(LANGUAGES))
def catalogue(domain: str, language: str) -> dict[str, str]:
    """msgid → msgstr of every translated, non-fuzzy message (empty for English)."""
    if language == DEFAULT_LANGUAGE or not po_path(domain, language).exists():
        return {}
    return {
        str(message.id): str(message.string)
        for message in read_catalog(domain, language)
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


def long_date(value: date | datetime, language: str) -> str:
    """The calendar date as people write it in `language` (CLDR's long format, by Babel)."""
    day = value.date() if isinstance(value, datetime) else value
    return babel_format_date(day, format="long", locale=pick(language))
