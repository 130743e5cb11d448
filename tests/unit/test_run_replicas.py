"""`countersign run` with REPLICAS: where each replica listens and what its callers are told."""

from __future__ import annotations

from services.devstack.supervisor import replica_env, service_port
from shared.settings import Settings


def test_one_replica_keeps_the_single_url_settings() -> None:
    assert replica_env(Settings(replicas=1, **PLACES)) == {}  # type: ignore[arg-type]


# Explicit, so that no variable of the environment the tests run in can change them.
PLACES = {
    "gateway_port": 8080,
    "documents_port": 8081,
    "audit_port": 8082,
    "notifier_port": 8083,
    "documents_url": "http://127.0.0.1:8081",
    "audit_url": "http://127.0.0.1:8082",
    "notifier_url": "http://127.0.0.1:8083",
}


def test_replica_k_listens_100_ports_up_and_every_caller_lists_them_all() -> None:
    settings = Settings(replicas=3, **PLACES)  # type: ignore[arg-type]
    assert [service_port(settings, "gateway", k) for k in range(3)] == [8080, 8180, 8280]
    assert [service_port(settings, "notifier", k) for k in range(3)] == [8083, 8183, 8283]
    env = replica_env(settings)
    assert env == {
        "DOCUMENTS_URLS": "http://127.0.0.1:8081,http://127.0.0.1:8181,http://127.0.0.1:8281",
        "AUDIT_URLS": "http://127.0.0.1:8082,http://127.0.0.1:8182,http://127.0.0.1:8282",
        "NOTIFIER_URLS": "http://127.0.0.1:8083,http://127.0.0.1:8183,http://127.0.0.1:8283",
    }
    # What the services read back from that environment.
    assert Settings(**{k.lower(): v for k, v in env.items()}).upstreams("audit") == (  # type: ignore[arg-type]
        "http://127.0.0.1:8082",
        "http://127.0.0.1:8182",
        "http://127.0.0.1:8282",
    )
