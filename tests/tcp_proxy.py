"""A TCP proxy the tests control, to simulate PostgreSQL or RabbitMQ going away.

The real servers are shared with other test runs and must never be stopped; instead a client is
pointed at this proxy, and the test drops its connections (as a server restart does) and refuses
new ones (as a server that is down does), then accepts again (the server is back).
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.accepted = 0  # connections accepted since start, to observe reconnects
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> TcpProxy:
        await self.accept()
        return self

    @property
    def active(self) -> int:
        return len(self._pairs)

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def accept(self) -> None:
        """Listen (again, on the same port): new connections are forwarded."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    def refuse(self) -> None:
        """Stop listening: new connections are refused, as by a server that is down."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def drop_connections(self) -> int:
        """Reset every current connection on both sides; returns how many were dropped."""
        dropped = len(self._pairs)
        for client, upstream in list(self._pairs):
            client.transport.abort()
            upstream.transport.abort()
        self._pairs.clear()
        return dropped

    def outage(self) -> None:
        """The server went away: current connections break and new ones are refused."""
        self.refuse()
        self.drop_connections()

    async def close(self) -> None:
        self.outage()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        pair = (client_writer, upstream_writer)
        self._pairs.add(pair)
        pumps = [
            asyncio.create_task(self._pump(client_reader, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, client_writer)),
        ]
        self._tasks.update(pumps)
        try:
            # When either side closes, close both: the proxy is invisible.
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._tasks.difference_update(pumps)
            self._pairs.discard(pair)
            for writer in pair:
                writer.transport.abort()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
