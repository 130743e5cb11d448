"""Calling one of several replicas of an internal service: least busy first, failing over.

A caller process keeps, per service, how many requests it has waiting on each replica and which
replicas refused it lately (`Upstreams`, pure bookkeeping). `first_answer` sends a request to the
least busy replica (ties taken in turn, so an idle system still spreads its requests) and, when
that replica cannot be reached, to the next:

- a request that never left (connection refused, no route, connect timeout) goes to the next
  replica whatever its method: the first replica never saw it;
- a request that may have arrived (the connection dropped before an answer) is sent again only
  when it is safe (GET, HEAD, OPTIONS): a POST, PUT or DELETE may have taken effect, and running
  it twice could do it twice or answer differently (a 404 for a delete that did happen);
- a timeout waiting for the answer is never retried: the replica is slow, not gone.

A replica that could not be reached is tried last for DOWN_SECONDS, so one that died costs one
failed connection per caller, not one per request. Nothing is sticky: any replica answers any
request (they share PostgreSQL and RabbitMQ; no service keeps per-client state in memory).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import aiohttp

T = TypeVar("T")

DOWN_SECONDS = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Errors after which the request certainly never reached the replica.
NOT_SENT_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# Errors after which it may have: the connection broke before an answer came.
LOST_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientConnectionResetError,
    aiohttp.ClientOSError,
)


class Upstreams:
    """One service's replicas, as one process sees them (pure: no I/O, the clock injectable)."""

    def __init__(
        self, urls: Sequence[str], *, down_seconds: float = DOWN_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not urls:
            raise ValueError("an upstream list needs at least one URL")
        self.urls = tuple(urls)
        self._busy = dict.fromkeys(self.urls, 0)
        self._down_until = dict.fromkeys(self.urls, 0.0)
        self._turn = itertools.count()
        self._down_seconds = down_seconds
        self._clock = clock

    def order(self) -> list[str]:
        """Every replica, in the order to try them: reachable before recently unreachable, then
        least busy first, ties from a rotating start."""
        start = next(self._turn) % len(self.urls)
        rotated = self.urls[start:] + self.urls[:start]
        now = self._clock()
        return sorted(rotated, key=lambda url: (self._down_until[url] > now, self._busy[url]))

    def begin(self, url: str) -> None:
        self._busy[url] += 1

    def end(self, url: str) -> None:
        self._busy[url] -= 1

    def unreachable(self, url: str) -> None:
        self._down_until[url] = self._clock() + self._down_seconds

    def busy(self, url: str) -> int:
        return self._busy[url]


def may_fail_over(method: str, exc: BaseException) -> bool:
    """Whether a request that failed with `exc` may be sent to another replica."""
    if isinstance(exc, NOT_SENT_ERRORS):
        return True
    return method.upper() in SAFE_METHODS and isinstance(exc, LOST_ERRORS)


async def first_answer(upstreams: Upstreams, method: str, send: Callable[[str], Awaitable[T]]) -> T:
    """`send(base_url)` to the replicas in turn until one answers (see the module docstring);
    re-raises the last failure when none does, or the first one that must not be retried."""
    candidates = upstreams.order()
    for index, url in enumerate(candidates):
        upstreams.begin(url)
        try:
            return await send(url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            if isinstance(exc, NOT_SENT_ERRORS + LOST_ERRORS):
                upstreams.unreachable(url)
            if index == len(candidates) - 1 or not may_fail_over(method, exc):
                raise
        finally:
            upstreams.end(url)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


_KNOWN: dict[tuple[str, ...], Upstreams] = {}


def upstreams_for(urls: str | Sequence[str]) -> Upstreams:
    """The process's one `Upstreams` for this list, so every caller shares its bookkeeping."""
    key = (urls,) if isinstance(urls, str) else tuple(urls)
    key = tuple(url.rstrip("/") for url in key)
    if key not in _KNOWN:
        _KNOWN[key] = Upstreams(key)
    return _KNOWN[key]
