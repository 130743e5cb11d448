"""The HTTP server every service runs: aiohttp's, with problem+json for requests it cannot parse.

aiohttp answers a request it cannot parse (a request target or a header over its size limits, too
many headers, broken framing) from its protocol, before any middleware runs, as `text/plain` 400.
`ProblemRequestHandler.handle_error` answers those as RFC 9457 problems instead, with the status
HTTP has for them: 414 for an over-long request target, 431 for an over-long header or too many
headers, 400 for anything else malformed. The limits are aiohttp's `max_line_size` (request line)
and `max_field_size` (one header, name and value), set per app through `base_app`.

aiohttp builds its protocol inside `web.Server.__call__`, so the hook is a Server subclass
(`ProblemServer`) installed by `ProblemAppRunner`, which `run_service` and the test harness use.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from shared.logging import log_fields
from shared.problems import Problem
from shared.shutdown import grace_of
from shared.web import REQUEST_ID_HEADER, new_request_id, problem_response

log = logging.getLogger("countersign.http")

_REQUEST_LINE_START = re.compile(rb"[A-Z]+ ")


def is_request_line(exc: LineTooLong) -> bool:
    """Whether the over-long line was the request line (else a header).

    aiohttp's C parser reports an over-long request target with its URL buffer, a bytearray, and a
    header with its name or value as bytes; its pure-Python parser reports the whole line, which
    for a request line starts with the method and a space (a header name cannot hold a space).
    tests/unit/test_http_server.py checks this against the installed parser.
    """
    line = exc.args[0] if exc.args else b""
    return isinstance(line, bytearray) or bool(_REQUEST_LINE_START.match(bytes(line)))


def parse_error_problem(exc: BaseException | None) -> Problem:
    if isinstance(exc, LineTooLong):
        if is_request_line(exc):
            return Problem(414, "The request target (path and query) is too long", slug="uri-too-long")
        return Problem(431, "A request header is too long", slug="request-header-fields-too-large")
    if isinstance(exc, BadHttpMessage) and "too many headers" in str(exc.message).lower():
        return Problem(431, "The request has too many headers", slug="request-header-fields-too-large")
    return Problem(400, "The request is not valid HTTP", slug="bad-request")


class ProblemRequestHandler(RequestHandler):
    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        if status == 500 or not isinstance(exc, HttpProcessingError) or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        problem = parse_error_problem(exc)
        # A client's malformed request, not our failure: one line, no traceback.
        log.info("unparsable request", extra=log_fields(status=problem.status, reason=type(exc).__name__))
        response = problem_response(problem)
        # No middleware ran, but every answer carries a request id to quote.
        response.headers[REQUEST_ID_HEADER] = new_request_id()
        response.force_close()  # the stream's framing cannot be trusted any more
        return response


class ProblemServer(web.Server):
    def __call__(self) -> RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class ProblemAppRunner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The same server (handler, request factory, limits) with only the protocol class swapped.
        server.__class__ = ProblemServer
        return server


async def serve_forever(app: web.Application, host: str, port: int, **runner_args: Any) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (shared/shutdown.py): no new
    connections, in-flight requests finish within the grace, then the app's resources are torn
    down within what is left of it. Returns normally, so the process exits 0.

    The signals are handled here rather than by aiohttp (`handle_signals`): aiohttp's handler
    raises GracefulExit out of the event loop, and asyncio.run then cancels every task at once —
    the very requests and messages a graceful stop must let finish."""
    grace = grace_of(app)
    runner = ProblemAppRunner(app, handle_signals=False, shutdown_timeout=grace.seconds, **runner_args)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        await stop.wait()
        log.info("stopping: finishing in-flight work", extra=log_fields(graceSeconds=grace.seconds))
        grace.start()
    finally:
        await runner.cleanup()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
