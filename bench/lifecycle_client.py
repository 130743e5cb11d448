"""The one client of a document's lifecycle through the gateway, as a user would drive it:

    draft (create → upload by presigned PUT) → signer → field → send → sign → completed

Used by the lifecycle family (bench/lifecycle.py, many small documents, the link read from the
invitation email) and by the memory check (bench/signed_documents.py, large documents, the link
asked for as the notifier does).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import ClientSession

D = "/api/v1/documents"
SIGNING = "/api/v1/signing/"


class LifecycleFailed(RuntimeError):
    pass


class LifecycleClient:
    def __init__(self, http: ClientSession, gateway: str, api_key: str) -> None:
        self.http, self.gateway = http, gateway
        self.headers = {"Authorization": f"Bearer {api_key}"}

    async def call(self, method: str, path: str, expected: int, **kwargs: Any) -> Any:
        """The answer's `data` (or the whole body); the API key goes to every route but the
        signer's, which know only the signing link's token."""
        headers = ({} if path.startswith(SIGNING) else self.headers) | kwargs.pop("headers", {})
        async with self.http.request(method, self.gateway + path, headers=headers, **kwargs) as resp:
            body = await resp.json(content_type=None)
            if resp.status != expected:
                raise LifecycleFailed(f"{method} {path} answered {resp.status}: {str(body)[:300]}")
            return body["data"] if isinstance(body, dict) and "data" in body else body

    async def draft(self, name: str, pdf: bytes, filename: str) -> dict[str, Any]:
        """A parallel draft with `pdf` uploaded (presigned PUT); the created document."""
        doc = await self.call("POST", D, 201, json={"name": name, "signingType": "parallel"})
        upload = await self.call(
            "POST",
            f"{D}/{doc['id']}/upload",
            200,
            json={"filename": filename, "contentType": "application/pdf", "fileSize": len(pdf)},
        )
        async with self.http.put(upload["uploadUrl"], data=pdf, headers=upload["headers"]) as resp:
            if resp.status != 200:
                raise LifecycleFailed(f"the presigned upload answered {resp.status}")
        return dict(doc)

    async def add_signer(self, doc_id: str, email: str, name: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"{D}/{doc_id}/signers", 201, json={"email": email, "name": name}))

    async def add_field(self, doc_id: str, spec: dict[str, Any]) -> str:
        """A field of the first signer; its id."""
        return str((await self.call("POST", f"{D}/{doc_id}/fields", 201, json=spec | {"assignedTo": 0}))["id"])

    async def send(self, doc_id: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"{D}/{doc_id}/send", 200))  # checks the upload first

    async def sign(self, token: str, values: list[dict[str, Any]]) -> None:
        await self.call("POST", f"{SIGNING}{token}/sign", 200, json={"consent": True, "fields": values})

    async def wait_completed(self, doc_id: str, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while (await self.call("GET", f"{D}/{doc_id}", 200))["status"] != "completed":
            if time.monotonic() > deadline:
                raise LifecycleFailed(f"{doc_id} not completed after {within_s:.0f} s")
            await asyncio.sleep(0.25)  # 16 clients polling faster would be a load of their own
