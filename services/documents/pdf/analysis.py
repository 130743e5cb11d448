"""What the checker process does with one upload. Runs only in the child, under its rlimits.

Order matters: cheap byte checks first (type by magic bytes, end marker, xref chain), then the
parser, then every page's boxes and content streams. Decoding the content streams is what makes a
decompression bomb go off here, in the sacrificial process, instead of later while stamping.
Last, an accepted PDF's active content (JavaScript, automatic actions, embedded files…) is
removed here too, and the copy without it written where the parent asked: the walk and the
re-serialisation run over the untrusted object graph, so they belong under the same limits.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from .active_content import kinds_in_order, remove_active_content
from .codes import RejectCode, Rejected
from .geometry import PageGeometry
from .inspection import PageSize, WorkerReply, WorkerRequest
from .magic import HEAD_SIZE, IMAGE_TYPES, PDF, SUPPORTED_TYPES, detect_type, normalise_declared
from .structure import has_eof_marker, xref_chain_problem

# Content streams of all pages together may decode to at most this much; pypdf caps each stream
# (75 MB), this caps a bomb spread thinly over hundreds of pages.
MAX_DECODED_CONTENT = 256 * 1024 * 1024


def _check_type(declared_type: str, detected: str | None) -> None:
    declared = normalise_declared(declared_type)
    if declared not in SUPPORTED_TYPES:
        raise Rejected(
            RejectCode.UNSUPPORTED_TYPE,
            f"Files of type {declared or 'unknown'} are not accepted; upload a PDF, PNG, JPEG or WebP file.",
        )
    if detected is None:
        if declared == PDF:
            raise Rejected(RejectCode.NOT_A_PDF, "The file is not a PDF: its content does not start with a PDF header.")
        raise Rejected(RejectCode.INVALID_IMAGE, f"The file is not a valid {declared.split('/')[1].upper()} image.")
    if detected != declared:
        raise Rejected(RejectCode.TYPE_MISMATCH, f"The file was declared as {declared} but its content is {detected}.")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _declared_count(reader: object) -> int | None:
    """/Count from the page tree root: untrusted, but a cheap early refusal of absurd files."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]  # type: ignore[attr-defined]
        return int(count)
    except Exception:  # any shape of damage here is judged by the real page walk below
        return None


def _write_cleaned(reader: object, clean_to: str) -> None:
    """The document as pypdf re-serialises it from the (already cleaned) catalog down: objects
    no longer referenced — a removed script, an embedded file — are not written at all."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=reader)  # type: ignore[arg-type]
    with open(clean_to, "wb") as out:
        writer.write(out)


def check_pdf(data: bytes, max_pages: int, clean_to: str | None = None) -> tuple[list[PageSize], list[str]]:
    """Page sizes of an acceptable PDF and the kinds of active content it had (removed in the
    copy written to `clean_to`, if given and there was any); raises Rejected otherwise."""
    if not has_eof_marker(data):
        raise Rejected(RejectCode.TRUNCATED, "The PDF has no end-of-file marker: the upload looks incomplete.")
    problem = xref_chain_problem(data)
    if problem:
        raise Rejected(RejectCode.UNPARSEABLE, f"The PDF is malformed: {problem}.")

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Rejected(
                RejectCode.ENCRYPTED,
                "The PDF is encrypted or password-protected; remove the protection and upload it again.",
            )
        declared = _declared_count(reader)
        if declared is not None and declared > max_pages:
            raise Rejected(
                RejectCode.TOO_MANY_PAGES, f"The PDF has {declared} pages; at most {max_pages} are accepted."
            )
        pages = reader.pages
        count = len(pages)
        if count > max_pages:
            raise Rejected(RejectCode.TOO_MANY_PAGES, f"The PDF has {count} pages; at most {max_pages} are accepted.")
        if count == 0:
            raise Rejected(RejectCode.EMPTY, "The PDF has no pages.")
        sizes: list[PageSize] = []
        decoded = 0
        for number, page in enumerate(pages, start=1):
            geometry = PageGeometry.from_boxes(page.mediabox, page.cropbox, page.rotation)
            width, height = geometry.display_size
            if not (width > 0 and height > 0):
                raise Rejected(RejectCode.UNPARSEABLE, f"Page {number} of the PDF has no visible area.")
            sizes.append((round(width, 3), round(height, 3)))
            contents = page.get_contents()
            if contents is not None:
                decoded += len(contents.get_data())
                if decoded > MAX_DECODED_CONTENT:
                    raise LimitReachedError("page content streams decode past the total limit")
        removed = kinds_in_order(remove_active_content(reader.root_object))
        if removed and clean_to is not None:
            _write_cleaned(reader, clean_to)
        return sizes, removed
    except Rejected:
        raise
    except OSError as exc:  # writing the clean copy: with SIGXFSZ ignored, past the size limit is EFBIG
        raise Rejected(RejectCode.RESOURCE_LIMIT, f"The cleaned PDF could not be written ({_short(exc)}).") from None
    except LimitReachedError:
        raise Rejected(
            RejectCode.RESOURCE_LIMIT,
            "The PDF contains data that expands beyond the processing limit (a decompression bomb?).",
        ) from None
    except RecursionError:
        raise Rejected(RejectCode.UNPARSEABLE, "The PDF is malformed: its objects are nested too deeply.") from None
    except MemoryError:
        raise
    except Exception as exc:  # any parser failure on untrusted input is the file's fault
        # pypdf's own errors describe the damage; anything else is a parser internal, not news to users.
        detail = f" ({_short(exc)})" if isinstance(exc, PyPdfError) else ""
        raise Rejected(RejectCode.UNPARSEABLE, f"The PDF is damaged or malformed{detail}.") from None


def image_page_sizes(data: bytes, convert_to: str | None, paper: str) -> list[PageSize]:
    from PIL import Image

    from .imageconv import image_to_pdf, prepare_image
    from .safe_image import UPLOAD_MAX_PIXELS

    # Pillow's global guard judges the header's size, before any reduced-scale JPEG decode: allow
    # that headroom (it raises past twice this). Safe to set globally in this one-job process.
    Image.MAX_IMAGE_PIXELS = 4 * max(UPLOAD_MAX_PIXELS.values())

    try:
        if convert_to is None:
            _, page, _ = prepare_image(data, paper=paper)
            size = page.page_size
        else:
            size = image_to_pdf(data, Path(convert_to), paper=paper)
    except (Rejected, MemoryError):
        raise
    except OSError as exc:
        # With SIGXFSZ ignored, passing the output size limit is an EFBIG write error.
        raise Rejected(RejectCode.RESOURCE_LIMIT, f"The converted PDF could not be written ({_short(exc)}).") from None
    except Exception as exc:
        raise Rejected(RejectCode.INVALID_IMAGE, f"The image could not be converted ({_short(exc)}).") from None
    return [(round(size[0], 3), round(size[1], 3))]


def analyse(request: WorkerRequest) -> WorkerReply:
    """Never raises for anything the file can cause: every outcome is a reply."""
    # pypdf reports recoverable damage as log warnings; we judge by outcomes, so keep stderr quiet.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    detected: str | None = None
    try:
        with open(request.path, "rb") as fh:
            head = fh.read(HEAD_SIZE)
            detected = detect_type(head)
            _check_type(request.declared_type, detected)
            fh.seek(0)
            data = fh.read()  # at most max_bytes: the parent checked the size before starting us
        removed: list[str] = []
        if detected in IMAGE_TYPES:
            sizes = image_page_sizes(data, request.convert_to, request.paper)
        else:
            sizes, removed = check_pdf(data, request.max_pages, request.clean_to)
        return WorkerReply(ok=True, detected_type=detected, page_count=len(sizes), page_sizes=sizes, removed=removed)
    except Rejected as exc:
        rejection = exc.rejection
        return WorkerReply(ok=False, code=rejection.code.value, message=rejection.message, detected_type=detected)
    except MemoryError:
        return WorkerReply(
            ok=False,
            code=RejectCode.RESOURCE_LIMIT.value,
            detected_type=detected,
            message="The file needs more memory to process than is allowed.",
        )
