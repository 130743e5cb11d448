"""The embedded S3-compatible server of `make run` and the tests: moto in server mode.

moto accepts any credentials and does not enforce presigned-URL constraints; Countersign's own
upload verification is what guarantees size, type and hash (see docs/files.md).
"""

from __future__ import annotations

import logging

from moto.server import ThreadedMotoServer


class _S3Server(ThreadedMotoServer):
    def start(self) -> None:
        # moto's own start() waits forever when its thread cannot bind the port (the error
        # stays in the thread); wait a bounded time and say why instead.
        from threading import Thread

        self._thread = Thread(target=self._server_entry, daemon=True)
        self._thread.start()
        for _ in range(100):
            if self._server_ready_event.wait(timeout=0.1) or not self._thread.is_alive():
                break
        if self._server is None:
            raise RuntimeError(f"the embedded S3 server could not listen on {self._ip_address}:{self._port}")


def start_s3_server(host: str, port: int) -> ThreadedMotoServer:
    # werkzeug logs one line per S3 request to stdout, drowning the services' JSON logs.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = _S3Server(ip_address=host, port=port, verbose=False)
    server.start()
    return server
