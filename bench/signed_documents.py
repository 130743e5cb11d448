"""What bench/memory.py drives through a running system: large PDFs, completed through the API.

    large_pdf(pages, megabytes) -> bytes        incompressible pages of about that size
    Client(http, gateway, settings, key).signed_document(pdf, pages) -> id    completed, sealed
                                                (through bench/lifecycle_client.py)
    Client.download(id) -> (size, sha256)       the signed PDF, streamed and discarded

The signer's link is asked for as the notifier does (its caller credential, from INTERNAL_SECRET).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os

import aiohttp
from PIL import Image

from bench.lifecycle_client import D, LifecycleClient
from shared.callers import caller_headers
from shared.context import H_ORG
from shared.settings import Settings

MB = 1024 * 1024


def large_pdf(pages: int, megabytes: float) -> bytes:
    """`pages` letter pages, each showing an incompressible grey image: ~`megabytes` MB in all."""
    side = max(8, int((megabytes * MB / pages) ** 0.5))
    parts, offsets = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"], []

    def obj(number: int, body: bytes) -> None:
        offsets.append((number, sum(map(len, parts))))
        parts.append(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(pages))
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for i in range(pages):
        page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
        obj(
            page,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            f"/Resources << /XObject << /Im0 {image} 0 R >> >> >>".encode(),
        )
        drawing = b"q 400 0 0 400 106 300 cm /Im0 Do Q"
        obj(content, b"<< /Length %d >>\nstream\n" % len(drawing) + drawing + b"\nendstream")
        pixels = os.urandom(side * side)
        obj(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(pixels)) + pixels + b"\nendstream",
        )
    xref_at = sum(map(len, parts))
    count = 3 + 3 * pages
    table = {number: offset for number, offset in offsets}
    xref = [f"xref\n0 {count}\n0000000000 65535 f \n".encode()]
    xref += [f"{table[n]:010d} 00000 n \n".encode() for n in range(1, count)]
    trailer = f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return b"".join(parts + xref + [trailer])


def _signature_png() -> str:
    image = Image.new("RGBA", (300, 90), (255, 255, 255, 0))
    for x in range(10, 290):
        image.putpixel((x, 45 + (x % 9) - 4), (0, 0, 120, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Client:
    def __init__(self, http: aiohttp.ClientSession, gateway: str, settings: Settings, key: str) -> None:
        self.api, self.settings, self.org_id = LifecycleClient(http, gateway, key), settings, ""

    async def link(self, signer_id: str) -> str:
        headers = caller_headers(self.settings.require_internal_secret(), "notifier") | {H_ORG: self.org_id}
        url = f"{self.settings.documents_url}/internal/signers/{signer_id}/signing-link"
        async with self.api.http.get(url, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"signing link answered {resp.status}: {(await resp.text())[:300]}")
            return str((await resp.json())["data"]["url"]).rsplit("/", 1)[1]

    async def signed_document(self, pdf: bytes, pages: int) -> str:
        """A completed document of `pdf` with 20 fields, signed by one signer; its id."""
        doc = await self.api.draft("Memory check", pdf, "large.pdf")
        self.org_id = self.org_id or doc.get("orgId", "")
        signer = await self.api.add_signer(doc["id"], "m@example.com", "M")
        specs = [{"type": "signature", "page": 1, "x": 100, "y": 650, "width": 200, "height": 60}]
        specs += [
            {"type": "text", "page": 1 + (i * pages) // 19, "x": 72, "y": 100, "width": 220, "height": 24}
            for i in range(19)
        ]
        field_ids = [(spec["type"], await self.api.add_field(doc["id"], spec)) for spec in specs]
        await self.api.send(doc["id"])
        token = await self.link(signer["id"])
        drawn = {"type": "drawn", "image": _signature_png()}
        values = [
            {"id": fid, "value": drawn if kind == "signature" else f"value {n}"}
            for n, (kind, fid) in enumerate(field_ids)
        ]
        await self.api.sign(token, values)
        await self.api.wait_completed(doc["id"], 300)
        return str(doc["id"])

    async def download(self, doc_id: str) -> tuple[int, str]:
        """Streams the signed PDF, keeping nothing: its size and SHA-256."""
        digest, size = hashlib.sha256(), 0
        async with self.api.http.get(f"{self.api.gateway}{D}/{doc_id}/download", headers=self.api.headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"download answered {resp.status}")
            async for chunk in resp.content.iter_chunked(256 * 1024):
                digest.update(chunk)
                size += len(chunk)
        return size, digest.hexdigest()
