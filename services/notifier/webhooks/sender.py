"""One delivery attempt over HTTP, and the client that makes it.

A 2xx answer is a success; anything else is a failure: another status (a 3xx too: redirects are
not followed, since a redirect could point anywhere, inside our network included), a timeout,
a refused or reset connection, a DNS or TLS failure, or a blocked address. Errors are recorded
as short fixed phrases: the customer sees them in the deliveries list, so they never carry
internal details.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from services.notifier.webhooks.config import WebhookConfig
from services.notifier.webhooks.resolver import BlockedAddress, GuardedResolver
from services.notifier.webhooks.signing import delivery_headers
from services.notifier.webhooks.ssrf import UrlRefused, check_address, parse_target


@dataclass(frozen=True)
class Message:
    """What is sent: fixed when the delivery was created, identical on every attempt. Only the
    signature's timestamp changes: each attempt is signed when it is made (signing.py)."""

    id: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    response_code: int | None
    duration_ms: int
    error: str | None


def open_client(config: WebhookConfig, inner_resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """The HTTP client of the delivery worker. `inner_resolver` replaces the system's DNS (tests)."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allow_loopback=config.allow_loopback, inner=inner_resolver),
        # Every connection resolves (and checks) afresh: no cached answer outlives a check.
        use_dns_cache=False,
        limit=config.concurrency * 2,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=config.timeout_seconds),
        # One organisation's endpoint must never see another's cookies, and no proxy from the
        # environment may stand between us and the checked address.
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        auto_decompress=False,
    )


def _failure(started: float, error: str, code: int | None = None) -> Outcome:
    return Outcome(False, code, _ms(started), error)


def _ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


def _connection_error(exc: aiohttp.ClientConnectorError) -> str:
    cause = exc.os_error
    if isinstance(cause, BlockedAddress):
        return f"blocked address ({cause.reason})"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "DNS resolution failed"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    return "connection failed"


async def attempt(
    client: aiohttp.ClientSession, url: str, secret: str, message: Message, config: WebhookConfig
) -> Outcome:
    """POST the message to `url`, signed with `secret`; never raises for a failed delivery."""
    started = time.perf_counter()
    try:
        # The URL was checked at registration; it is checked again because the rules (or the
        # development switch) may have changed since, and IP literals bypass the resolver.
        target = parse_target(url, allow_plain_http=config.allow_plain_http)
        if target.literal is not None:
            check_address(target.literal, allow_loopback=config.allow_loopback)
    except UrlRefused as exc:
        return _failure(started, str(exc))
    headers = delivery_headers(secret, message.id, int(time.time()), message.body)
    try:
        async with client.post(target.url, data=message.body, headers=headers, allow_redirects=False) as response:
            code = response.status
    except TimeoutError:
        return _failure(started, f"timed out after {config.timeout_seconds:g} s")
    except aiohttp.ClientConnectorCertificateError:
        return _failure(started, "TLS certificate not accepted")
    except aiohttp.ClientSSLError:
        return _failure(started, "TLS handshake failed")
    except aiohttp.ClientConnectorError as exc:
        return _failure(started, _connection_error(exc))
    except aiohttp.ServerDisconnectedError:
        return _failure(started, "connection closed without a response")
    except aiohttp.ClientOSError:
        return _failure(started, "connection failed")
    except aiohttp.InvalidURL:
        return _failure(started, "invalid URL")
    except aiohttp.ClientResponseError:
        return _failure(started, "invalid HTTP response")
    except aiohttp.ClientError:
        return _failure(started, "request failed")
    if 200 <= code < 300:
        return Outcome(True, code, _ms(started), None)
    if 300 <= code < 400:
        return _failure(started, "redirect not followed", code)
    return _failure(started, f"HTTP {code}", code)
