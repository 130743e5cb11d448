"""The seal's CRL reused for a few minutes (adapters/sealing/revocation.py `CrlCache`), against a
real HTTP publisher that counts what it is asked and signs each answer afresh, as ours does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from cryptography import x509

from services.documents.adapters.sealing.authority import CertificateAuthority, new_authority
from services.documents.adapters.sealing.revocation import CRL_REUSE_SECONDS, CrlCache, CrlUnavailable


@dataclass
class Publisher:
    ca: CertificateAuthority
    url: str = ""
    asked: int = 0
    valid_for: timedelta = timedelta(days=1)
    down: bool = False
    served: list[bytes] = field(default_factory=list)


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    cert_pem, key_pem = (lambda i: (i.cert_pem, i.key_pem))(new_authority("CRL cache test CA"))
    state = Publisher(CertificateAuthority.from_pem(cert_pem, key_pem))

    async def crl(_: web.Request) -> web.Response:
        state.asked += 1
        if state.down:
            return web.Response(status=503)
        await asyncio.sleep(0.05)  # long enough for concurrent seals to find the fetch in flight
        der = state.ca.revocation_list(datetime.now(UTC), state.valid_for)
        state.served.append(der)
        return web.Response(body=der, content_type="application/pkix-crl")

    app = web.Application()
    app.router.add_get("/crl", crl)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/crl"
    yield state
    await runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_seals_within_minutes_share_one_fetch_and_later_ones_fetch_again(publisher: Publisher) -> None:
    clock = Clock()
    cache = CrlCache(publisher.url, publisher.ca.cert, 5, clock)

    together = await asyncio.gather(*(cache.get() for _ in range(5)))
    assert publisher.asked == 1 and set(together) == {publisher.served[0]}
    clock.now += CRL_REUSE_SECONDS - 1
    assert await cache.get() == publisher.served[0] and publisher.asked == 1

    clock.now += 1
    fresh = await cache.get()
    assert publisher.asked == 2 and fresh == publisher.served[1]
    assert x509.load_der_x509_crl(fresh).issuer == publisher.ca.cert.subject


async def test_a_crl_near_its_next_update_is_never_reused(publisher: Publisher) -> None:
    publisher.valid_for = timedelta(minutes=30)  # inside the margin: each seal asks again
    cache = CrlCache(publisher.url, publisher.ca.cert, 5, Clock())
    await cache.get()
    await cache.get()
    assert publisher.asked == 2


async def test_a_failed_fetch_is_not_remembered(publisher: Publisher) -> None:
    clock = Clock()
    cache = CrlCache(publisher.url, publisher.ca.cert, 5, clock)
    publisher.down = True
    with pytest.raises(CrlUnavailable, match="answered 503"):
        await cache.get()
    publisher.down = False
    assert await cache.get() == publisher.served[0]

    # Expired and the publisher down: the seal fails rather than carry an old list.
    clock.now += CRL_REUSE_SECONDS
    publisher.down = True
    with pytest.raises(CrlUnavailable):
        await cache.get()
    assert publisher.asked == 3
