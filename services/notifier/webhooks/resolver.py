"""DNS resolution that refuses blocked addresses, for registration and for delivery.

At delivery the HTTP client is given `GuardedResolver`: aiohttp connects only to the addresses
the resolver returns, and those are exactly the ones just checked, so a DNS answer that changes
between a check and the connection (DNS rebinding) cannot redirect the request. A host that
resolves to any blocked address is refused as a whole rather than filtered: a name that also
points inside our network is not one to trust. IP literals never reach a resolver in aiohttp,
so they are checked from the URL (ssrf.parse_target) before the request.
"""

from __future__ import annotations

import asyncio
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from services.notifier.webhooks.ssrf import Target, UrlRefused, check_address, parse_ip, refusal

REGISTRATION_DNS_TIMEOUT = 5.0


class BlockedAddress(OSError):
    """A resolved address a webhook may not reach. An OSError, so aiohttp reports it as a
    connection failure (ClientConnectorError.os_error) like any other."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host} resolves to a blocked address ({reason})")
        self.reason = reason


class GuardedResolver(AbstractResolver):
    def __init__(self, *, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
        self._allow_loopback = allow_loopback
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = parse_ip(result["host"])
            reason = "unparseable address" if address is None else refusal(address, allow_loopback=self._allow_loopback)
            if reason is not None:
                raise BlockedAddress(host, reason)
        if not results:
            raise OSError(f"{host} has no addresses")
        return results

    async def close(self) -> None:
        await self._inner.close()


async def check_target(target: Target, *, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
    """Registration: refuse a URL whose host is, or resolves to, a blocked address (UrlRefused)."""
    if target.literal is not None:
        check_address(target.literal, allow_loopback=allow_loopback)
        return
    resolver = GuardedResolver(allow_loopback=allow_loopback, inner=inner)
    try:
        await asyncio.wait_for(resolver.resolve(target.host, target.port, socket.AF_UNSPEC), REGISTRATION_DNS_TIMEOUT)
    except BlockedAddress as exc:
        raise UrlRefused(f"The URL resolves to a blocked address ({exc.reason})") from None
    except (TimeoutError, OSError):
        raise UrlRefused("The URL's host could not be resolved") from None
    finally:
        await resolver.close()
