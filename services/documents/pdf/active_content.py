"""What in a PDF can act on its own, and removing it from a pypdf object graph (pure: no I/O).

A PDF viewer runs more than it shows: JavaScript (document-level name tree, actions), actions on
open (/OpenAction) and on events (/AA on the catalog, pages, annotations and form fields),
program launches (/Launch), form submission or import to and from the network (/SubmitForm,
/ImportData), jumps into other files (/GoToR, /GoToE), embedded files (/EmbeddedFiles name tree,
/FileAttachment annotations, /AF associated files, portfolios), multimedia and 3D (/RichMedia,
/Screen, /Movie, /Sound, /3D annotations, /Rendition actions) and XFA forms. None of it is part
of what a signer reads or signs, so the copy shown to signers and the signed PDF carry none of it.

The rule is an allow-list: an action stays only when it and every action it chains to (/Next)
is a web or mail link (/URI with http, https or mailto), a jump inside the document (/GoTo) or
a page-turning named action. Anything else is removed where it hangs: the /A or /OpenAction
entry, the whole /AA dictionary, the annotation, the name tree. Links therefore keep working.

`remove_active_content(catalog)` walks everything reachable from the catalog once (iteratively,
so a deep or cyclic graph cannot exhaust the stack), removes in place and returns the kinds
removed. The caller decides what to do with the graph (the checker writes it out; the signed-PDF
builder cleans what it stamps, for documents verified before removal existed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pypdf.generic import ArrayObject, DictionaryObject, NameObject, PdfObject

from .codes import ActiveKind

_ACTION_KINDS: dict[str, ActiveKind] = {
    "/JavaScript": ActiveKind.JAVASCRIPT,
    "/Launch": ActiveKind.LAUNCH,
    "/SubmitForm": ActiveKind.SUBMIT_FORM,
    "/ImportData": ActiveKind.IMPORT_DATA,
    "/GoToR": ActiveKind.REMOTE_GOTO,
    "/GoToE": ActiveKind.REMOTE_GOTO,
    "/Rendition": ActiveKind.RICH_MEDIA,
    "/Movie": ActiveKind.RICH_MEDIA,
    "/Sound": ActiveKind.RICH_MEDIA,
    "/RichMediaExecute": ActiveKind.RICH_MEDIA,
    "/GoTo3DView": ActiveKind.RICH_MEDIA,
}
_ANNOTATION_KINDS: dict[str, ActiveKind] = {
    "/FileAttachment": ActiveKind.EMBEDDED_FILE,
    "/RichMedia": ActiveKind.RICH_MEDIA,
    "/Screen": ActiveKind.RICH_MEDIA,
    "/Movie": ActiveKind.RICH_MEDIA,
    "/Sound": ActiveKind.RICH_MEDIA,
    "/3D": ActiveKind.RICH_MEDIA,
}
_NAME_TREES: dict[str, ActiveKind] = {
    "/JavaScript": ActiveKind.JAVASCRIPT,
    "/EmbeddedFiles": ActiveKind.EMBEDDED_FILE,
    "/AlternatePresentations": ActiveKind.RICH_MEDIA,  # slide shows, which may carry scripts
}
_PAGE_TURNS = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers ignore ASCII whitespace and controls inside a scheme ("java\tscript:"); so must we.
_IGNORED_IN_URI = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Keys holding one action that fires only when the reader clicks (link, bookmark, button).
_ACTION_KEYS = ("/A", "/PA")


def _resolve(obj: PdfObject | None) -> PdfObject | None:
    return obj.get_object() if obj is not None else None


def _name(obj: PdfObject | None) -> str | None:
    value = _resolve(obj)
    return str(value) if isinstance(value, NameObject) else None


def _uri_is_link(action: DictionaryObject) -> bool:
    raw = _resolve(action.get("/URI"))
    if isinstance(raw, bytes):
        text = raw.decode("latin-1")
    elif isinstance(raw, str):
        text = raw
    else:
        return False
    match = _SCHEME.match(_IGNORED_IN_URI.sub("", text).lower())
    return match is not None and match.group(1) in _LINK_SCHEMES


def _action_kind(action: DictionaryObject) -> ActiveKind | None:
    """Why this one action (not its /Next chain) is refused, or None when it is allowed."""
    kind = _name(action.get("/S"))
    if kind == "/GoTo":
        return None
    if kind == "/URI":
        return None if _uri_is_link(action) else ActiveKind.UNSAFE_LINK
    if kind == "/Named":
        return None if _name(action.get("/N")) in _PAGE_TURNS else ActiveKind.OTHER_ACTION
    return _ACTION_KINDS.get(kind or "", ActiveKind.OTHER_ACTION)


def _chained_actions(first: PdfObject) -> Iterator[DictionaryObject]:
    """An action and everything its /Next chain (a dictionary or an array of them) leads to."""
    pending: list[PdfObject | None] = [first]
    seen: set[int] = set()
    while pending:
        obj = _resolve(pending.pop())
        if isinstance(obj, ArrayObject):
            pending.extend(obj)
        elif isinstance(obj, DictionaryObject) and id(obj) not in seen:
            seen.add(id(obj))
            yield obj
            pending.append(obj.get("/Next"))


def _is_action(obj: PdfObject | None) -> bool:
    """An action dictionary is known by its /S (the action type). /A also names the attributes of
    a tagged PDF's structure elements (dictionaries with /O, or arrays of them): those are no
    action, and removing them would cost accessibility for nothing."""
    value = _resolve(obj)
    return isinstance(value, DictionaryObject) and "/S" in value


def action_kinds(action: PdfObject) -> set[ActiveKind]:
    """Why an action (with its chain) may not stay; empty when every step is allowed.

    Something that is not an action dictionary at all is refused too: a viewer may still try."""
    kinds: set[ActiveKind] = set()
    steps = 0
    for step in _chained_actions(action):
        steps += 1
        if (kind := _action_kind(step)) is not None:
            kinds.add(kind)
    return kinds if steps else {ActiveKind.OTHER_ACTION}


class _Cleaner:
    """One walk over one document; `removed` collects what it took out."""

    def __init__(self) -> None:
        self.removed: set[ActiveKind] = set()
        self._seen: set[int] = set()

    def clean(self, catalog: DictionaryObject) -> None:
        self._clean_catalog(catalog)
        pending: list[PdfObject | None] = [catalog]
        while pending:
            obj = _resolve(pending.pop())
            if not isinstance(obj, (DictionaryObject, ArrayObject)) or id(obj) in self._seen:
                continue
            self._seen.add(id(obj))
            if isinstance(obj, DictionaryObject):
                self._clean_dictionary(obj)
                pending.extend(obj.values())
            else:
                pending.extend(obj)

    def _clean_catalog(self, catalog: DictionaryObject) -> None:
        opening = catalog.get("/OpenAction")
        # A plain destination ([page /Fit]) only sets the first view; an action may do anything.
        if opening is not None and not isinstance(_resolve(opening), ArrayObject):
            if kinds := action_kinds(opening):
                del catalog["/OpenAction"]
                self.removed |= kinds | {ActiveKind.OPEN_ACTION}
        names = _resolve(catalog.get("/Names"))
        if isinstance(names, DictionaryObject):
            for tree, kind in _NAME_TREES.items():
                if tree in names:
                    del names[tree]
                    self.removed.add(kind)
        if "/Collection" in catalog:  # a portfolio: the document is a wrapper around embedded files
            del catalog["/Collection"]
            self.removed.add(ActiveKind.EMBEDDED_FILE)
        form = _resolve(catalog.get("/AcroForm"))
        if isinstance(form, DictionaryObject) and "/XFA" in form:
            del form["/XFA"]
            form.pop("/NeedsRendering", None)
            self.removed.add(ActiveKind.XFA)

    def _clean_dictionary(self, obj: DictionaryObject) -> None:
        if "/AA" in obj:
            triggers = _resolve(obj["/AA"])
            self.removed.add(ActiveKind.ADDITIONAL_ACTIONS)
            if isinstance(triggers, DictionaryObject):
                for action in triggers.values():
                    self.removed |= action_kinds(action)
            del obj["/AA"]
        for key in _ACTION_KEYS:
            if _is_action(obj.get(key)) and (kinds := action_kinds(obj[key])):
                del obj[key]
                self.removed |= kinds
        # PDF 2.0 associated files on any object; and, wherever a file specification hangs, the
        # embedded bytes themselves (/EF) and rich-media payloads, so none survives a reference
        # from an unexpected place.
        for key in ("/AF", "/EF", "/RichMediaContent"):
            if key in obj:
                del obj[key]
                self.removed.add(ActiveKind.RICH_MEDIA if key == "/RichMediaContent" else ActiveKind.EMBEDDED_FILE)
        annotations = _resolve(obj.get("/Annots"))
        if isinstance(annotations, ArrayObject):
            self._clean_annotations(annotations)

    def _clean_annotations(self, annotations: ArrayObject) -> None:
        kept = []
        for entry in annotations:
            annotation = _resolve(entry)
            kind = (
                _ANNOTATION_KINDS.get(_name(annotation.get("/Subtype")) or "")
                if isinstance(annotation, DictionaryObject)
                else None
            )
            if kind is None:
                kept.append(entry)
            else:
                self.removed.add(kind)
        if len(kept) != len(annotations):
            annotations[:] = kept


def remove_active_content(catalog: DictionaryObject) -> frozenset[ActiveKind]:
    """Remove every active element reachable from the document catalog, in place; what went."""
    cleaner = _Cleaner()
    cleaner.clean(catalog)
    return frozenset(cleaner.removed)


def kinds_in_order(kinds: frozenset[ActiveKind] | set[ActiveKind]) -> list[str]:
    """The kinds as stored and reported: their values, sorted, so equal sets read the same."""
    return sorted(kind.value for kind in kinds)
