"""`countersign run` names a taken port before it starts anything, the metrics ports included."""

from __future__ import annotations

import socket

import pytest

from services.devstack.supervisor import check_ports_free
from shared.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_taken_metrics_port_is_named_with_its_variable() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports: dict[str, object] = {
            name: _free_port()
            for name in (
                "gateway_port",
                "documents_port",
                "audit_port",
                "notifier_port",
                "smtp_port",
                "gateway_metrics_port",
                "audit_metrics_port",
                "notifier_metrics_port",
            )
        }
        # No embedded S3 and no development TSA: only the services' ports and the SMTP sink's.
        settings = Settings().model_copy(
            update=ports | {"documents_metrics_port": port, "s3_endpoint_url": None, "tsa_url": "http://tsa.invalid/"}
        )
        with pytest.raises(SystemExit, match=f"port {port} on 127.0.0.1 .*DOCUMENTS_METRICS_PORT"):
            check_ports_free(settings)
        # Without metrics, that port is nobody's business.
        check_ports_free(settings.model_copy(update={"metrics_enabled": False}))
