"""The gateway family: reads and creates through the gateway against a bare aiohttp + asyncpg app
doing the same primary-key SELECT (bench/bare_app.py), same wrk settings, same run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from bench import fixtures
from bench.scenarios import Scenario

BARE = "bare GET /documents/{id}"
LEGEND = "ratio = the scenario's requests/s ÷ the bare app's; p99 ratio = its p99 ÷ the bare app's"


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=3) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bare_app() -> Iterator[str]:
    """bench/bare_app.py on a free port, for as long as the block runs; yields its URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port)], env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not reachable(url):
            if proc.poll() is not None:
                raise SystemExit(f"bench: the bare app exited with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit("bench: the bare app did not start within 20 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def scenarios(gateway: str, bare: str, api_key: str, document_id: str) -> list[Scenario]:
    # The bare app runs first, on a quiet machine; POST runs last, because the events it
    # creates keep audit and notifier busy for a while afterwards and would slow what follows.
    return [
        Scenario(BARE, f"{bare}/documents/{document_id}"),
        Scenario(
            "GET /api/v1/documents/{id}", f"{gateway}/api/v1/documents/{document_id}", api_key=api_key, compare_to=BARE
        ),
        Scenario(
            "GET /api/v1/documents?limit=25", f"{gateway}/api/v1/documents?limit=25", api_key=api_key, compare_to=BARE
        ),
        Scenario(
            "POST /api/v1/documents",
            f"{gateway}/api/v1/documents",
            method="POST",
            body=fixtures.DOCUMENT_BODY,
            api_key=api_key,
            compare_to=BARE,
        ),
    ]
