"""A development RFC 3161 timestamp authority: pyHanko's DummyTimeStamper behind one HTTP endpoint,
and the development CA's revocation list beside it.

`make run` starts it (TSA_URL unset) so that seals are PAdES B-T out of the box; the tests start
one the same way. It stamps whatever it is asked to, with the time of this machine: a stand-in
for a real TSA, never a replacement (docs/signed-pdf.md). Given the development CA, it also serves
`GET /crl`: that CA's CRL, signed afresh on each request (SEAL_CRL_URL points here, so that seals
embed it: PAdES B-LT).

Runs in a thread with its own event loop, like the other development peers (S3, SMTP).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from services.documents.adapters.sealing.authority import CertificateAuthority

log = logging.getLogger("countersign.devstack.tsa")
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY_BYTES = 16 * 1024  # a query is a hash and a nonce: a few hundred bytes


CRL_TYPE = "application/pkix-crl"
CRL_PATH = "/crl"


def tsa_app(stamper: DummyTimeStamper, ca: CertificateAuthority | None = None) -> web.Application:
    async def stamp(request: web.Request) -> web.Response:
        if request.content_type != QUERY_TYPE:
            return web.Response(status=415, text=f"expected {QUERY_TYPE}")
        body = await request.content.read(MAX_QUERY_BYTES + 1)
        try:
            if len(body) > MAX_QUERY_BYTES:
                raise ValueError("query too large")
            query = tsp.TimeStampReq.load(body)
            _ = query.native  # parses the whole structure: a malformed query fails here, not later
            reply = stamper.request_tsa_response(query)
        except Exception as exc:  # asn1crypto raises several kinds on malformed DER
            return web.Response(status=400, text=f"not a timestamp query: {type(exc).__name__}")
        return web.Response(body=reply.dump(), content_type=REPLY_TYPE)

    async def revocation_list(_: web.Request) -> web.Response:
        assert ca is not None
        return web.Response(body=ca.revocation_list(datetime.now(UTC)), content_type=CRL_TYPE)

    app = web.Application(client_max_size=MAX_QUERY_BYTES)
    app.router.add_post("/", stamp)
    if ca is not None:
        app.router.add_get(CRL_PATH, revocation_list)
    return app


@dataclass
class RunningTsa:
    url: str
    crl_url: str | None
    _loop: asyncio.AbstractEventLoop = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _runner: web.AppRunner = field(repr=False)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def start_tsa(
    host: str, port: int, cert_file: Path, key_file: Path, ca_files: tuple[Path, Path] | None = None
) -> RunningTsa:
    """Serve the TSA on host:port (0: any free port) until `stop()`; raises OSError if it cannot bind.
    `ca_files` (certificate, key): also serve that CA's CRL at /crl (`RunningTsa.crl_url`)."""
    stamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(cert_file)),
        tsa_key=load_private_key_from_pemder(str(key_file), passphrase=None),
    )
    ca = CertificateAuthority.from_pem(ca_files[0].read_bytes(), ca_files[1].read_bytes()) if ca_files else None
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(tsa_app(stamper, ca), access_log=None)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    thread = threading.Thread(target=loop.run_forever, name="dev-tsa", daemon=True)
    thread.start()
    try:
        bound = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        raise
    url = f"http://{host}:{bound}/"
    return RunningTsa(url, url.rstrip("/") + CRL_PATH if ca else None, loop, thread, runner)


def main() -> None:
    """`python -m services.devstack.tsa_server PKI_DIR [PORT]`: the development TSA on its own (the
    compose stack's `tsa` service), with the certificate `countersign seal dev-pki PKI_DIR` made."""
    import signal
    import sys

    from services.devstack.dev_pki import ensure_dev_pki
    from shared.settings import get_settings

    pki = ensure_dev_pki(Path(sys.argv[1]))
    port = int(sys.argv[2]) if len(sys.argv) > 2 else get_settings().dev_tsa_port
    tsa = start_tsa(get_settings().bind_host, port, pki.tsa_cert, pki.tsa_key, (pki.ca_cert, pki.ca_key))
    print(f"development TSA on {tsa.url}, the development CA's CRL on {tsa.crl_url}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    tsa.stop()


if __name__ == "__main__":
    main()
