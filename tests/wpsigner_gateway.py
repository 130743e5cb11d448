"""The WPsigner gateway the test_wpsigner_* modules share: one per test process.

A plugin (tests/conftest.py's pytest_plugins), not a fixture imported into each module: pytest
makes an imported fixture a definition of the importing module, so a session-scoped one imported
into eight modules was eight gateways, each with its pool and its key-cache LISTEN connection,
all kept to the end of the run (8 of a worker's 63 connections at its peak).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness import RunningService, System, serve


@dataclass
class WpGateway:
    url: str
    import_root: Path
    service: RunningService


async def start_wp_gateway(system: System, import_root: Path, **settings: Any) -> WpGateway:
    """Another replica of the gateway (same code, same database and services) with WPsigner settings."""
    from services.gateway.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    app = create_app(system.settings.model_copy(update={"wpsigner_import_root": import_root, **settings}))
    service = await serve("gateway-wp", app, sock)
    return WpGateway(service.url, import_root, service)


@pytest.fixture(scope="session")
async def wp_gateway(system: System, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WpGateway]:
    gateway = await start_wp_gateway(system, tmp_path_factory.mktemp("wp-import"))
    yield gateway
    await gateway.service.runner.cleanup()
