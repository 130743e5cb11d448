"""Which problem a request aiohttp cannot parse becomes, checked against the installed parser."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.http_parser import HttpRequestParser

from shared.http_server import parse_error_problem

LIMIT = 8190


def _parse_error(raw: bytes) -> BaseException:
    loop = asyncio.new_event_loop()
    try:
        # No protocol: the error comes before any body would need one.
        parser = HttpRequestParser(None, loop, 2**16, max_line_size=LIMIT, max_field_size=LIMIT)
        with pytest.raises(BadHttpMessage) as caught:
            parser.feed_data(raw)
        return caught.value
    finally:
        loop.close()


def test_an_over_long_path_is_414() -> None:
    exc = _parse_error(b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert isinstance(exc, LineTooLong)
    problem = parse_error_problem(exc)
    assert (problem.status, problem.to_dict()["type"]) == (414, "https://docs.insigner.com/errors/uri-too-long")


def test_an_over_long_query_string_is_414_too() -> None:
    assert (
        parse_error_problem(_parse_error(b"GET /a?q=" + b"b" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")).status == 414
    )


@pytest.mark.parametrize(
    "header", [b"X-Big: " + b"v" * 20_000, b"X-" + b"n" * 20_000 + b": v", b"Referer: /" + b"r" * 20_000]
)
def test_an_over_long_header_is_431(header: bytes) -> None:
    problem = parse_error_problem(_parse_error(b"GET /a HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"))
    assert problem.status == 431
    assert problem.to_dict()["type"].endswith("/request-header-fields-too-large")


def test_too_many_headers_is_431() -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    assert parse_error_problem(_parse_error(b"GET /a HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")).status == 431


def test_other_malformed_requests_are_400() -> None:
    assert parse_error_problem(_parse_error(b"GET /a HTTP/1.1\r\nBad Header\r\n\r\n")).status == 400
