"""The baseline: the least an aiohttp + asyncpg service can do per request.

One route, `GET /documents/{id}`: the same single-row primary-key SELECT on the documents table,
returned as JSON. No auth, no middlewares, no proxy hop; the same pool size, uvloop and JSON
encoder as the services, so gateway ÷ bare shows what the architecture costs per request.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from shared.settings import Settings

POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool", asyncpg.Pool)

# to_jsonb(d) keeps the baseline independent of the table's column list, and PostgreSQL
# renders the JSON, so Python does no per-column work.
QUERY = "SELECT to_jsonb(d)::text FROM documents.documents d WHERE d.id = $1"


async def get_document(request: web.Request) -> web.Response:
    row = await request.app[POOL].fetchval(QUERY, request.match_info["id"])
    if row is None:
        raise web.HTTPNotFound()
    return web.Response(text='{"data":' + row + "}", content_type="application/json")


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(settings: Settings) -> web.Application:
    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await asyncpg.create_pool(
            settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
        )
        yield
        await app[POOL].close()

    app = web.Application()
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_get("/documents/{id}", get_document)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="bare aiohttp + asyncpg baseline for make bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    web.run_app(create_app(Settings()), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
