"""Choosing among an internal service's replicas (shared/upstreams.py): least busy first, in turn
on ties, unreachable ones last for a while; failing over only when the request never left or is
safe to repeat."""

from __future__ import annotations

import aiohttp
import pytest

from shared.settings import Settings
from shared.upstreams import Upstreams, first_answer, may_fail_over

A, B, C = "http://a:1", "http://b:1", "http://c:1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_idle_replicas_are_taken_in_turn() -> None:
    upstreams = Upstreams([A, B, C])
    assert [upstreams.order()[0] for _ in range(6)] == [A, B, C, A, B, C]


def test_the_least_busy_replica_comes_first() -> None:
    upstreams = Upstreams([A, B, C])
    upstreams.begin(A)
    upstreams.begin(A)
    upstreams.begin(C)
    assert [upstreams.order() for _ in range(2)] == [[B, C, A], [B, C, A]]
    upstreams.end(A)
    upstreams.end(A)
    assert upstreams.busy(A) == 0 and upstreams.order()[-1] == C


def test_an_unreachable_replica_is_tried_last_until_its_pause_ends() -> None:
    clock = Clock()
    upstreams = Upstreams([A, B], down_seconds=5, clock=clock)
    upstreams.unreachable(A)
    assert [upstreams.order() for _ in range(2)] == [[B, A], [B, A]]  # still listed: all may be down
    clock.now += 5.1
    assert {upstreams.order()[0] for _ in range(2)} == {A, B}


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("POST", aiohttp.ConnectionTimeoutError(), True),  # never connected: never sent
        ("GET", aiohttp.ServerDisconnectedError(), True),  # may have arrived, but safe to repeat
        ("HEAD", aiohttp.ClientOSError(104, "reset"), True),
        ("POST", aiohttp.ServerDisconnectedError(), False),  # may have taken effect
        ("PUT", aiohttp.ClientOSError(104, "reset"), False),
        ("DELETE", aiohttp.ServerDisconnectedError(), False),
        ("GET", aiohttp.SocketTimeoutError(), False),  # slow, not gone
        ("GET", aiohttp.ClientPayloadError(), False),
    ],
)
def test_which_failures_fail_over(method: str, error: BaseException, expected: bool) -> None:
    assert may_fail_over(method, error) is expected


async def test_first_answer_fails_over_and_remembers_the_unreachable_replica() -> None:
    upstreams = Upstreams([A, B])
    tried: list[str] = []

    async def send(url: str) -> str:
        tried.append(url)
        assert upstreams.busy(url) == 1  # counted while waiting for it
        if url == A:
            raise aiohttp.ConnectionTimeoutError()
        return f"answer from {url}"

    assert await first_answer(upstreams, "POST", send) == f"answer from {B}"
    assert tried == [A, B] and upstreams.busy(A) == upstreams.busy(B) == 0
    tried.clear()
    assert await first_answer(upstreams, "POST", send) == f"answer from {B}"
    assert tried == [B]  # A is paused after its failure


async def test_first_answer_does_not_repeat_a_write_that_may_have_arrived() -> None:
    upstreams = Upstreams([A, B])
    tried: list[str] = []

    async def send(url: str) -> str:
        tried.append(url)
        raise aiohttp.ServerDisconnectedError()

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await first_answer(upstreams, "POST", send)
    assert len(tried) == 1


async def test_first_answer_raises_the_last_failure_when_no_replica_answers() -> None:
    upstreams = Upstreams([A, B])

    async def send(url: str) -> str:
        raise aiohttp.ConnectionTimeoutError(url)

    with pytest.raises(aiohttp.ConnectionTimeoutError):
        await first_answer(upstreams, "GET", send)


def test_the_replica_lists_fall_back_to_the_single_url_settings() -> None:
    single = Settings(documents_url="http://documents:8081/")
    assert single.upstreams("documents") == ("http://documents:8081",)
    many = Settings(documents_urls="http://d1:8081, http://d2:8081/")  # type: ignore[arg-type]  # as the environment gives it
    assert many.upstreams("documents") == ("http://d1:8081", "http://d2:8081")
    assert many.upstreams("audit") == (Settings().audit_url,)
