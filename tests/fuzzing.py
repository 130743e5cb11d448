"""Schemathesis over /api/v1/openapi.json, with two organisations.

The fuzzer holds organisation A's key (every scope). Both organisations have a sent document, a
draft, signers, fields and a webhook; their ids (A's and B's alike) are fed to the fuzzer as path
parameters most of the time, so it gets past "not found" on A's things and keeps asking A's
questions about B's. A has a sent document of its
own whose signing token is fed to the signing API, so the fuzzer gets past "no such link".

What must hold (`FuzzRun.failures`): schemathesis's own checks found nothing (no server error, no
response outside its schema, no undocumented status or content type), no answer to A was a
success for a request that named one of B's resources, no answer carried B's data, and B's
rows are exactly as they were.

Phases: examples and fuzzing. Not `coverage`: with Hypothesis on CPython 3.11.7 it stops with
"SystemError: AST constructor recursion depth mismatch" while describing a filter lambda (a bug
outside this code); not `stateful`: the spec has no OpenAPI links yet, the dictionaries stand in.

Schemathesis runs in a subprocess (`st run`, synchronous `requests` underneath), so the system,
served on the test's event loop, keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from services.gateway import credentials
from shared.callers import caller_headers
from shared.context import H_ORG
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf

ST = str(Path(sys.executable).parent / "st")
D = "/api/v1/documents"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)


@dataclass
class Org:
    name: str
    key: str
    org_id: str
    documents: list[str] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    marker: str = ""  # a string in B's data that no answer to A may contain

    def ids(self) -> list[str]:
        return self.documents + self.signers + self.fields + self.webhooks


class Seeder:
    def __init__(self, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool) -> None:
        self.system, self.http, self.db = system, http, db

    async def call(self, org: Org, method: str, path: str, expected: int, json_body: Any = None) -> Any:
        async with self.http.request(
            method, self.system.gateway_url + path, json=json_body, headers={"Authorization": f"Bearer {org.key}"}
        ) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
            assert resp.status == expected, (method, path, resp.status, body)
            return body

    async def organisation(self, name: str, marker: str) -> Org:
        async with self.db.acquire() as conn:
            created = await credentials.create_insigner_key(conn, name, ["*"], "fuzz")
        org = Org(name, created.api_key, created.org_id, marker=marker)
        await self.sent_document(org)
        await self.draft(org)
        hook = await self.call(
            org,
            "POST",
            "/api/v1/webhooks",
            201,
            {"url": f"http://127.0.0.1:9/{marker}", "events": ["document.completed"], "description": marker},
        )
        org.webhooks.append(hook["data"]["id"])
        return org

    async def draft(self, org: Org) -> str:
        created = await self.call(org, "POST", D, 201, {"name": f"Draft {org.marker}", "message": org.marker})
        doc_id = created["data"]["id"]
        org.documents.append(doc_id)
        signer = await self.call(
            org,
            "POST",
            f"{D}/{doc_id}/signers",
            201,
            {"email": f"draft.{org.marker}@example.com", "name": f"Draft {org.marker}", "order": 0},
        )
        org.signers.append(signer["data"]["id"])
        added = await self.call(
            org,
            "POST",
            f"{D}/{doc_id}/fields",
            201,
            {
                "type": "text",
                "page": 1,
                "x": 100,
                "y": 100,
                "width": 150,
                "height": 30,
                "assignedTo": 0,
                "label": org.marker,
            },
        )
        org.fields.append(added["data"]["id"])
        return doc_id

    async def sent_document(self, org: Org) -> str:
        doc_id = await self.draft(org)
        pdf = make_pdf([LETTER])
        upload = await self.call(
            org,
            "POST",
            f"{D}/{doc_id}/upload",
            200,
            {"filename": "fuzz.pdf", "contentType": "application/pdf", "fileSize": len(pdf)},
        )
        async with self.http.put(upload["data"]["uploadUrl"], data=pdf, headers=upload["data"]["headers"]) as resp:
            assert resp.status == 200
        await self.call(
            org,
            "POST",
            f"{D}/{doc_id}/fields",
            201,
            {"type": "signature", "page": 1, "x": 100, "y": 600, "width": 200, "height": 50, "assignedTo": 0},
        )
        await self.call(org, "POST", f"{D}/{doc_id}/send", 200)
        org.tokens.append(await self.token(org, org.signers[-1]))
        return doc_id

    async def token(self, org: Org, signer_id: str) -> str:
        url = self.system.services["documents"].url + f"/internal/signers/{signer_id}/signing-link"
        headers = caller_headers(self.system.settings.require_internal_secret(), "notifier") | {H_ORG: org.org_id}
        async with self.http.get(url, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            return str((await resp.json())["data"]["url"]).rsplit("/", 1)[1]


async def snapshot(db: asyncpg.Pool, org: Org) -> list[Any]:
    """Everything of B's that A could have changed."""
    return [
        [
            tuple(r)
            for r in await db.fetch(
                "SELECT id, name, message, status, deleted_at FROM documents.documents WHERE org_id = $1 ORDER BY id",
                org.org_id,
            )
        ],
        [
            tuple(r)
            for r in await db.fetch(
                """SELECT s.id, s.name, s.email, s.status, s.token_version FROM documents.signers s
               JOIN documents.documents d ON d.id = s.document_id WHERE d.org_id = $1 ORDER BY s.id""",
                org.org_id,
            )
        ],
        [
            tuple(r)
            for r in await db.fetch(
                """SELECT f.id, f.label, f.x, f.y FROM documents.fields f
               JOIN documents.documents d ON d.id = f.document_id WHERE d.org_id = $1 ORDER BY f.id""",
                org.org_id,
            )
        ],
        [
            tuple(r)
            for r in await db.fetch(
                "SELECT id, url, events, description, status, secret FROM notifier.webhooks WHERE org_id = $1 ORDER BY id",
                org.org_id,
            )
        ],
    ]


def config(attacker: Org, victim: Org) -> str:
    """schemathesis.toml: A's key on every request; B's ids (and A's own token) as path values."""

    def values(items: list[str]) -> str:
        return json.dumps(items)

    return f"""
headers = {{ Authorization = "Bearer {attacker.key}" }}

[dictionaries.ids]
values = {values(attacker.documents + attacker.webhooks + victim.documents + victim.webhooks)}
[dictionaries.signers]
values = {values(attacker.signers + victim.signers)}
[dictionaries.fields]
values = {values(attacker.fields + victim.fields)}
[dictionaries.own-tokens]
values = {values(attacker.tokens)}

[parameters]
"path.id" = {{ dictionary = "ids", probability = 0.8 }}
"path.signerId" = {{ dictionary = "signers", probability = 0.8 }}
"path.fieldId" = {{ dictionary = "fields", probability = 0.8 }}
"path.token" = {{ dictionary = "own-tokens", probability = 0.8 }}
"""


@dataclass
class FuzzRun:
    code: int
    output: str
    entries: list[dict[str, Any]]

    def cross_tenant(self, victim: Org) -> list[str]:
        """Answers to A that were successes for B's resources, or that carried B's data."""
        found = []
        ids = victim.ids()
        for entry in self.entries:
            url, status = entry["request"]["url"], entry["response"]["status"]
            text = entry["response"].get("content", {}).get("text", "") or ""
            if 200 <= status < 300 and any(i in url for i in ids):
                found.append(f"{entry['request']['method']} {url} -> {status}")
            if victim.marker in text:
                found.append(f"{entry['request']['method']} {url} -> {status} carried B's data")
        return found


async def run_schemathesis(
    workdir: Path, gateway_url: str, attacker: Org, victim: Org, *, max_examples: int, seed: int | None, timeout: float
) -> FuzzRun:
    (workdir / "schemathesis.toml").write_text(config(attacker, victim))
    har = workdir / "fuzz.har"
    args = [
        ST,
        "run",
        f"{gateway_url}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--phases",
        "examples,fuzzing",
        "--workers",
        "2",
        "--report",
        "har",
        "--report-har-path",
        str(har),
        "--output-truncate",
        "true",
        "--no-color",
    ]
    if seed is not None:
        args += ["--seed", str(seed)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=workdir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    return FuzzRun(proc.returncode or 0, out.decode(errors="replace"), entries)
