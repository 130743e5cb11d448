"""Renderer process: `python -m services.documents.adapters.page_render_worker '<RenderRequest JSON>'`.

Started by `page_render.render_page`, one process per page image, when no pool of warm workers
runs it (adapters/sandbox_worker.py runs the same `render` under the same limits). Like the upload checker
(`pdf/inspect_worker.py`, whose `apply_limits` it reuses), it caps its own address space, CPU time,
output file size and core dumps *before* opening the PDF: the file passed verification, but it is
still a stranger's file, and pdfium is a large C library. Whatever the file makes the renderer do
ends here, in a signal, or in the parent's kill — never in the service process.

The PNG is written to the path the parent chose; the reply is one JSON line on the original
stdout (everything else is redirected to stderr first, so library noise cannot corrupt it).
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

from services.documents.pdf.inspect_worker import apply_limits


@dataclass(frozen=True, slots=True)
class RenderRequest:
    pdf_path: str
    out_path: str
    page_index: int  # 0-based
    scale: float  # pixels per PDF point
    max_pixels: int  # refused past this, whatever the parent computed from the stored page size
    memory_mb: int
    cpu_seconds: int

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RenderRequest:
        return cls(**json.loads(text))


@dataclass(frozen=True, slots=True)
class RenderReply:
    ok: bool
    width: int = 0
    height: int = 0
    message: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def parse(cls, raw: bytes) -> RenderReply | None:
        """The reply, or None unless the output is exactly a well-formed reply (the process that
        produced it was fed a stranger's file, so it is believed no more than the file)."""
        try:
            data: Any = json.loads(raw)
            reply = cls(
                ok=data["ok"], width=data.get("width", 0), height=data.get("height", 0), message=data.get("message", "")
            )
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(reply.ok, bool) or not isinstance(reply.message, str):
            return None
        if reply.ok and not (
            isinstance(reply.width, int) and isinstance(reply.height, int) and reply.width > 0 and reply.height > 0
        ):
            return None
        return reply


def render(request: RenderRequest) -> RenderReply:
    import pypdfium2 as pdfium  # after the limits: the library's state counts against them

    document = pdfium.PdfDocument(request.pdf_path)
    try:
        if not 0 <= request.page_index < len(document):
            return RenderReply(False, message=f"the PDF has no page {request.page_index + 1}")
        page = document[request.page_index]
        # pdfium's size is the page as displayed (CropBox, /Rotate applied): the same space the
        # fields are placed in, so the image and the field boxes line up.
        width_pt, height_pt = page.get_size()
        width, height = math.ceil(width_pt * request.scale), math.ceil(height_pt * request.scale)
        if width <= 0 or height <= 0 or width * height > request.max_pixels:
            return RenderReply(False, message=f"the page would be {width}x{height} pixels")
        image = page.render(scale=request.scale, may_draw_forms=True).to_pil()
        image.save(request.out_path, format="PNG", compress_level=6)
        return RenderReply(True, width=image.width, height=image.height)
    finally:
        document.close()


def main(argv: list[str]) -> int:
    reply_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    request = RenderRequest.from_json(argv[1])
    apply_limits(request.memory_mb, request.cpu_seconds)
    reply = render(request)
    reply_stream.write(reply.to_json() + "\n")
    reply_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
