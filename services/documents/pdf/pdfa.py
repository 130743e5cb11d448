"""PDF/A-2b where the original allows it, and a plain statement where it does not.

An original that declares PDF/A-2 or PDF/A-3 in its XMP packet (`pdfaid:part`) keeps a declaration
that is true of the signed file: level B, because what we add is not tagged (level A) and we do
not vouch for the Unicode mapping of the original's own text beyond B. What we add is made to fit:

- fonts: only the bundled TrueType fonts, embedded (fonts.py), on our pages and overlays;
- colour: reportlab draws in DeviceRGB, which PDF/A allows under an RGB output intent: one with
  the bundled sRGB ICC profile (color/sRGB.icc) is added when the original has none. An original
  whose output intent is not RGB (a CMYK press profile) cannot take our RGB drawing: its claim is
  dropped (PDF/A-2 allows one destination profile per file);
- no JavaScript or other active content (active_content.py), no encryption;
- transparency: the certificate's signature images are flattened onto white; a drawn signature
  stamped onto a page keeps its soft mask (it must not hide the text under it), which PDF/A-2
  allows with the output intent as the blending colour space;
- metadata: the Info dictionary and the XMP packet agree (metadata.py), the packet is an
  uncompressed `/Type /Metadata /Subtype /XML` stream;
- the seal comes later as an incremental update, which PDF/A-2 allows; it does not touch the
  metadata (adapters/sealing/seal.py).

An original without a PDF/A-2/3 declaration (or with PDF/A-1, whose rules our transparency and
the seal's incremental update do not meet) gets no claim: any pdfaid entries are removed and
the certificate says "The original is not PDF/A; this file does not claim PDF/A conformance".
No conformance checker runs here: the claim is kept because of what we add, and is only as
true as the original's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

SRGB_PROFILE = Path(__file__).parent / "color" / "sRGB.icc"
KEEPABLE_PARTS = frozenset({"2", "3"})
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@dataclass(frozen=True, slots=True)
class PdfaPlan:
    """What the signed file says about PDF/A, decided from the original before anything is added."""

    declared: str | None  # the original's claim as written, e.g. "PDF/A-2b"; None when it makes none
    keep: bool  # the signed file claims PDF/A-<part>b
    part: str | None = None
    reason: str | None = None  # why a declared claim is not kept


def _claim(reader: PdfReader) -> tuple[str, str] | None:
    try:
        xmp = reader.xmp_metadata
    except Exception:  # an unreadable packet claims nothing we can keep
        return None
    if xmp is None or not xmp.pdfaid_part:
        return None
    return str(xmp.pdfaid_part).strip(), str(xmp.pdfaid_conformance or "").strip().upper()


def _output_profile_components(reader: PdfReader) -> list[int]:
    """The colour components (`/N`) of each output intent's destination profile."""
    intents = reader.root_object.get("/OutputIntents")
    found: list[int] = []
    for intent in cast(ArrayObject, intents.get_object()) if intents is not None else []:
        profile = cast(DictionaryObject, intent.get_object()).get("/DestOutputProfile")
        if profile is not None:
            found.append(int(cast(DictionaryObject, profile.get_object()).get("/N", 0)))
    return found


def plan_for(reader: PdfReader) -> PdfaPlan:
    claim = _claim(reader)
    if claim is None:
        return PdfaPlan(None, False)
    part, conformance = claim
    declared = f"PDF/A-{part}{conformance.lower()}"
    if part not in KEEPABLE_PARTS:
        return PdfaPlan(declared, False, part, "only PDF/A-2 and PDF/A-3 allow what signing adds")
    if any(n != 3 for n in _output_profile_components(reader)):
        return PdfaPlan(declared, False, part, "its output intent is not RGB, and the added pages are drawn in RGB")
    return PdfaPlan(declared, True, part)


def statement(plan: PdfaPlan) -> str:
    """What the certificate of completion says about PDF/A."""
    if plan.keep:
        return (
            f"The original declares {plan.declared}; this file keeps a PDF/A-{plan.part}b declaration: "
            "what signing added uses embedded fonts, an sRGB output intent and matching metadata, and the "
            "seal is an incremental update."
        )
    if plan.declared is not None:
        return (
            f"The original declares {plan.declared}, which this file cannot keep ({plan.reason}); "
            "this file does not claim PDF/A conformance."
        )
    return "The original is not PDF/A; this file does not claim PDF/A conformance."


def _add_srgb_output_intent(writer: PdfWriter) -> None:
    profile = StreamObject()
    profile.set_data(SRGB_PROFILE.read_bytes())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),  # the PDF/A subtype for every part
            NameObject("/OutputConditionIdentifier"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/Info"): TextStringObject(OUTPUT_CONDITION),
            NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])


def apply(writer: PdfWriter, plan: PdfaPlan) -> None:
    """Make the writer's catalogue and XMP say what `plan` decided (before metadata.mark_modified,
    which then writes the packet with the completion time)."""
    try:
        xmp = writer.xmp_metadata
    except Exception:
        xmp = None
    if plan.keep:
        if "/OutputIntents" not in writer.root_object:
            _add_srgb_output_intent(writer)
        if xmp is not None:
            xmp.pdfaid_conformance = "B"
            writer.xmp_metadata = xmp
    elif plan.declared is not None and xmp is not None:
        xmp.pdfaid_part = None
        xmp.pdfaid_conformance = None
        writer.xmp_metadata = xmp
