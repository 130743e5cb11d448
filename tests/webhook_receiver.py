"""Webhook test helpers: a real HTTP endpoint, signature checks independent of the notifier's
code (the inSigner scheme from the documented algorithm with the hmac module only, Standard
Webhooks by the official `standardwebhooks` package), and a stand-in for DNS (an outside system)
that answers what an attacker's name server could."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDictProxy
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.scratch import eventually


@dataclass(frozen=True)
class Received:
    path: str
    headers: CIMultiDictProxy[str]
    body: bytes


class Receiver:
    """Answers each request with the next status of `script` (then `default`); remembers every
    request. A status of 3xx answers with a redirect to /redirected on the same server."""

    def __init__(self, script: list[int] | None = None, default: int = 200, delay_seconds: float = 0.0) -> None:
        self.script = list(script or [])
        self.default = default
        self.delay_seconds = delay_seconds
        self.requests: list[Received] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, tls: ssl.SSLContext | None = None) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock, ssl_context=tls).start()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}/hooks/insigner"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(request.path, request.headers, await request.read()))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        status = self.script.pop(0) if self.script else self.default
        if 300 <= status < 400:
            return web.Response(status=status, headers={"Location": "/redirected"})
        return web.json_response({"received": True}, status=status)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        async def enough() -> bool:
            return len(self.requests) >= count

        await eventually(enough, timeout, f"{count} webhook requests (got {len(self.requests)})")
        return self.requests


def insigner_signature_ok(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """X-InSigner-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>, as the reference's Node example."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-InSigner-Signature"], expected)


def whsec_form(secret: str) -> str:
    """The secret as a Standard Webhooks library takes it (docs/webhooks.md): a `whsec_` secret as
    it is; a 64-hex secret from before whsec_ as `whsec_` + base64 of its text."""
    return secret if secret.startswith("whsec_") else "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_signature_ok(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """webhook-signature, webhook-id and webhook-timestamp checked by the official Standard Webhooks
    package (`standardwebhooks`, default 5-minute tolerance on the timestamp), as a receiver would."""
    try:
        Webhook(whsec_form(secret)).verify(body, dict(headers))
    except WebhookVerificationError:
        return False
    return True


class StubDns(AbstractResolver):
    """Answers each resolution with the next list of addresses (the last list repeats); an empty
    list is a name that does not exist."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=a,
                port=port,
                family=socket.AF_INET6 if ":" in a else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for a in addresses
        ]

    async def close(self) -> None:
        pass
