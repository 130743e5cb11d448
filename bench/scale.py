"""The 1 M-documents family: lists over the seeded benchmark organisation (`make bench-seed`),
each at the documents service itself and through the gateway, so the table shows what the
query costs and what the hop adds.

At the service the requests carry what the gateway would add (the internal caller's credential
and the organisation), so the service needs the same INTERNAL_SECRET as this process (`make bench`
beside `make run` finds the one `run` generated in var/dev-internal-secret; elsewhere give both
the same INTERNAL_SECRET); without it only the gateway rows are measured. WPsigner credentials have an hourly request budget
(WPSIGNER_RATE_LIMIT_PER_HOUR, default 1000): wrk spends it in a second, so its gateway rows
need `make run` started with a budget larger than the run (e.g. 1000000000).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode

import asyncpg

from bench import seed
from bench.fixtures import BENCH_ORG
from bench.scenarios import Scenario
from services.gateway import credentials
from shared.callers import caller_headers
from shared.context import RequestContext
from shared.contracts.routes import DOCUMENTS
from shared.contracts.wpsigner import WPSIGNER_DOCUMENTS
from shared.pagination import encode_cursor
from shared.settings import Settings

WP_DOCUMENTS = "/wp-json/wpsigner/v1/documents"
LEGEND = "ratio = through the gateway ÷ at the documents service, for the same request"
# How deep the "deep" cursor starts: the page after the 900,000th seeded document (of 1 M).
DEEP_FRACTION = 0.9


@dataclass(frozen=True)
class Seeded:
    org_id: str
    documents: int
    wp_key: str
    wp_secret: str


async def prepare(settings: Settings) -> Seeded:
    """The benchmark organisation's seeded size and a WPsigner credential for it."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        org_id = await seed.organisation(conn)
        created = await credentials.create_wpsigner_key(conn, BENCH_ORG, "make bench", read_only=True)
        return Seeded(org_id, await seed.seeded_count(conn, org_id), created.api_key, created.api_secret or "")
    finally:
        await conn.close()


def _deep_cursor(documents: int) -> str:
    position = int(documents * DEEP_FRACTION)
    return encode_cursor(seed.created_at(position), seed.document_id(position))


def insigner_queries(documents: int) -> list[tuple[str, dict[str, str | int]]]:
    deep = _deep_cursor(documents)
    rare = f"{int(documents * 0.65):07d}"  # one seeded name carries this number
    return [
        ("list, first page", {"limit": 25}),
        (f"list, cursor at {DEEP_FRACTION:.0%} depth", {"limit": 25, "cursor": deep}),
        ("search, one match", {"search": rare}),
        ("search, 2 % match", {"search": "Hooli Ltd"}),
        ("status=completed", {"status": "completed", "limit": 25}),
        (f"status=expired, cursor at {DEEP_FRACTION:.0%}", {"status": "expired", "limit": 25, "cursor": deep}),
    ]


def wp_queries(documents: int) -> list[tuple[str, dict[str, str | int]]]:
    last_page = max(documents // 20, 1)
    return [
        ("WP page 2 + X-WP-Total", {"page": 2, "per_page": 20}),
        ("WP status=completed page 2", {"page": 2, "per_page": 20, "status": "completed"}),
        ("WP last page", {"page": last_page, "per_page": 20}),
    ]


def scenarios(settings: Settings, gateway: str, api_key: str, seeded: Seeded) -> list[Scenario]:
    internal = None
    if settings.internal_secret is not None and settings.internal_secret.get_secret_value():
        ctx = RequestContext(seeded.org_id, "api_key", None, "127.0.0.1", "countersign-bench")
        internal = caller_headers(settings.require_internal_secret(), "gateway") | ctx.identity_headers()
    wp_headers = {"X-WPS-API-Key": seeded.wp_key, "X-WPS-API-Secret": seeded.wp_secret}
    found: list[Scenario] = []
    for label, query in insigner_queries(seeded.documents):
        service = f"service: {label}"
        if internal is not None:
            found.append(Scenario(service, f"{settings.documents_url}{DOCUMENTS}?{urlencode(query)}", headers=internal))
        found.append(
            Scenario(
                f"gateway: {label}",
                f"{gateway}{DOCUMENTS}?{urlencode(query)}",
                api_key=api_key,
                compare_to=service if internal is not None else None,
            )
        )
    for label, query in wp_queries(seeded.documents):
        service = f"service: {label}"
        if internal is not None:
            core = {"page": query["page"], "perPage": query["per_page"]}
            if "status" in query:
                core["status"] = query["status"]
            found.append(
                Scenario(service, f"{settings.documents_url}{WPSIGNER_DOCUMENTS}?{urlencode(core)}", headers=internal)
            )
        found.append(
            Scenario(
                f"gateway: {label}",
                f"{gateway}{WP_DOCUMENTS}?{urlencode(query)}",
                headers=wp_headers,
                compare_to=service if internal is not None else None,
            )
        )
    return found


def seeded(settings: Settings) -> Seeded:
    return asyncio.run(prepare(settings))
