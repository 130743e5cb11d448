"""What the benchmark needs before it starts: an API key and one document to read.

The key is created straight in the database (as `countersign keys create` does) for an
organisation of its own, so benchmark documents never mix with anyone's real data.
"""

from __future__ import annotations

import asyncpg
import orjson
from aiohttp import ClientSession

from services.gateway import credentials

BENCH_ORG = "Countersign Benchmark"
DOCUMENT_BODY = orjson.dumps(
    {"name": "Benchmark NDA", "signingType": "parallel", "message": "Created by make bench."}
).decode()


async def create_key(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        # No rate limit (0): a load test is the trusted back-office case the per-key limit exempts.
        created = await credentials.create_insigner_key(conn, BENCH_ORG, ["*"], "make bench", rate_limit_per_minute=0)
    finally:
        await conn.close()
    return created.api_key


class NotReady(Exception):
    """The system answers, but not (yet) with what the benchmark drives."""


async def create_document(gateway_url: str, api_key: str) -> str:
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    async with ClientSession() as http:
        async with http.post(gateway_url + "/api/v1/documents", data=DOCUMENT_BODY, headers=headers) as resp:
            if resp.status != 201:
                raise NotReady(f"POST /api/v1/documents answered {resp.status}: {(await resp.text())[:300]}")
            document_id = (await resp.json())["data"]["id"]
        for path in (f"/api/v1/documents/{document_id}", "/api/v1/documents?limit=25"):
            async with http.get(gateway_url + path, headers=headers) as resp:
                if resp.status != 200:
                    raise NotReady(f"GET {path} answered {resp.status}: {(await resp.text())[:300]}")
    return document_id
