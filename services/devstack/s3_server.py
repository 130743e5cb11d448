"""The embedded S3-compatible server of `make run` and the tests: moto in server mode.

moto accepts any credentials and does not enforce presigned-URL constraints; Countersign's own
upload verification is what guarantees size, type and hash (see docs/files.md).
"""

from __future__ import annotations

from moto.server import ThreadedMotoServer


def start_s3_server(host: str, port: int) -> ThreadedMotoServer:
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return server
