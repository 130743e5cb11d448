"""The dev stack's embedded S3 server fails fast and clearly when its port is taken."""

from __future__ import annotations

import socket

import pytest

from services.devstack.s3_server import start_s3_server


@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # moto's thread fails to bind, as intended
def test_a_taken_port_is_an_error_not_a_hang() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"could not listen on 127.0.0.1:{port}"):
            start_s3_server("127.0.0.1", port)
