"""The signing page in five languages (docs/languages.md): its HTML per language, and its
catalogue for the scripts.

    localise(html, language) -> str        page.html with every `data-i18n` element translated
    message_files() -> {name: bytes}       messages-<code>.json for static/i18n.js, one per language
    extract_html(...)                      Babel extractor of page.html's `data-i18n` msgids

Strings are marked mechanically, so the page's HTML and scripts can change without touching this
module: in page.html an element whose whole content is one message carries it as
`data-i18n="…"` (the English text, also its content); in the scripts a message is `t("…")`
(static/i18n.js). Both are extracted into the `page` domain (babel.cfg, `make i18n`). The HTML is
translated here, once per language at start; the scripts fetch their catalogue, so the language
switcher can re-translate the page without a reload.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

from shared.i18n import LANGUAGES, NATIVE_NAMES, catalogue, translations

DOMAIN = "page"
# An element holding only text, with its msgid: <tag … data-i18n="msgid" …>text</tag>.
_MARKED = re.compile(r'(<(?P<tag>[a-z][a-z0-9]*)\b[^>]*\bdata-i18n="(?P<msgid>[^"]+)"[^>]*>)[^<]*(</(?P=tag)>)')
_HTML_LANG = re.compile(r'<html lang="[a-z]+"')


def localise(page: str, language: str) -> str:
    gettext = translations(DOMAIN, language).gettext

    def translate(match: re.Match[str]) -> str:
        text = gettext(html_lib.unescape(match["msgid"]))
        return match.group(1) + html_lib.escape(text, quote=False) + match.group(4)

    return _HTML_LANG.sub(f'<html lang="{language}"', _MARKED.sub(translate, page), count=1)


def message_file_name(language: str) -> str:
    return f"messages-{language}.json"


def message_files() -> dict[str, bytes]:
    """What static/i18n.js loads: the language, the switcher's choices and the translations."""
    choices = [{"code": code, "name": NATIVE_NAMES[code]} for code in LANGUAGES]
    return {
        message_file_name(code): orjson.dumps(
            {"language": code, "languages": choices, "messages": catalogue(DOMAIN, code)},
            option=orjson.OPT_SORT_KEYS,
        )
        for code in LANGUAGES
    }


def extract_html(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method (babel.cfg names it): every data-i18n msgid of an HTML file."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for match in _MARKED.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, "", html_lib.unescape(match["msgid"]), []
