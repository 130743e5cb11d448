"""`countersign run` / `make run`: the whole system on one machine, in the foreground.

Checks PostgreSQL and RabbitMQ, creates and migrates the database, starts the embedded S3 server
and the SMTP sink (a process of its own: mail_sink_process.py), then runs the four services as child processes — REPLICAS of each (replica k
on its service's port + 100 × k, every caller given the internal services' lists). Ctrl-C (or
SIGTERM) stops all of them gracefully. A service that dies (a crash, a SIGKILL) is started again
at once; one that keeps dying stops everything with a non-zero exit code (restarts.py).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from services.devstack.dev_pki import ensure_dev_pki
from services.devstack.infra import ensure_infrastructure
from services.devstack.mail_sink_process import start_mail_sink_process
from services.devstack.restarts import MAX_EXITS, WINDOW_SECONDS, RestartPolicy
from services.devstack.s3_server import start_s3_server
from services.devstack.tsa_server import RunningTsa, start_tsa
from services.secrets_cli import rotate_webhook_secrets
from shared.migrate import apply_migrations, ensure_database
from shared.secretbox import new_key
from shared.settings import DEV_INTERNAL_SECRET_FILE, REPO_ROOT, Settings

SERVICES = ("documents", "audit", "notifier", "gateway")
# Replica k (from 0) of a service listens on the service's port + REPLICA_PORT_STEP × k.
REPLICA_PORT_STEP = 100


def _say(message: str) -> None:
    print(f"countersign: {message}", flush=True)


def _local_s3(settings: Settings) -> tuple[str, int] | None:
    """Where to run the embedded S3 server, when S3_ENDPOINT_URL names this machine."""
    if not settings.s3_endpoint_url:
        return None
    endpoint = urlsplit(settings.s3_endpoint_url)
    if endpoint.hostname not in ("127.0.0.1", "localhost"):
        return None
    return endpoint.hostname, endpoint.port or 80


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves bind: a port left in TIME_WAIT counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def service_port(settings: Settings, service: str, replica: int) -> int:
    base: int = getattr(settings, f"{service}_port")
    return base + REPLICA_PORT_STEP * replica


def metrics_port(settings: Settings, service: str, replica: int) -> int:
    """Each replica's metrics port, stepped like its API port (a port of 0 stays "any free one")."""
    base = settings.metrics_port(service)
    return base + REPLICA_PORT_STEP * replica if base else 0


def replica_env(settings: Settings) -> dict[str, str]:
    """With REPLICAS > 1, every caller's list of each internal service's replicas (*_URLS), on the
    host of its *_URL; nothing with one replica (the *_URL settings apply as they are)."""
    if settings.replicas == 1:
        return {}
    env = {}
    for service in SERVICES:
        if service == "gateway":
            continue
        host = urlsplit(getattr(settings, f"{service}_url")).hostname or "127.0.0.1"
        urls = [f"http://{host}:{service_port(settings, service, k)}" for k in range(settings.replicas)]
        env[f"{service.upper()}_URLS"] = ",".join(urls)
    return env


def check_ports_free(settings: Settings) -> None:
    """Every port `run` is about to listen on must be free: a clash found later shows up as a
    crashed child or, for the S3 server, a hang, instead of one line saying what to change."""
    wanted = [
        (
            service if k == 0 else f"{service} replica {k + 1}",
            settings.bind_host,
            service_port(settings, service, k),
            f"{service.upper()}_PORT" if k == 0 else "REPLICAS",
        )
        for service in ("gateway", "documents", "audit", "notifier")
        for k in range(settings.replicas)
    ]
    wanted.append(("the SMTP sink", settings.smtp_host, settings.smtp_port, "SMTP_PORT"))
    if settings.metrics_enabled:
        wanted += [
            (
                f"{service}'s metrics" if k == 0 else f"{service} replica {k + 1}'s metrics",
                settings.metrics_bind_host,
                metrics_port(settings, service, k),
                f"{service.upper()}_METRICS_PORT",
            )
            for service in SERVICES
            for k in range(settings.replicas)
        ]
    s3 = _local_s3(settings)
    if s3 is not None:
        wanted.append(("the embedded S3 server", s3[0], s3[1], "S3_ENDPOINT_URL"))
    if not settings.tsa_url:
        wanted.append(("the development TSA", settings.bind_host, settings.dev_tsa_port, "DEV_TSA_PORT or TSA_URL"))
    for what, host, port, variable in wanted:
        if _port_in_use(host, port):
            raise SystemExit(
                f"port {port} on {host} (for {what}) is already in use; stop what uses it or set {variable}"
            )


def _persistent_dev_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def run(settings: Settings) -> int:
    ensure_infrastructure(settings, start=False)
    check_ports_free(settings)
    asyncio.run(ensure_database(settings.database_url))
    for name in asyncio.run(apply_migrations(settings.database_url)):
        _say(f"applied migration {name}")

    env = dict(os.environ) | replica_env(settings)
    if settings.internal_secret is None:
        # Kept, owner-readable only, like the secrets below: the operator commands (`countersign
        # emails failed`, …) run beside `make run` read it from there (DEV_INTERNAL_SECRET_FILE).
        env["INTERNAL_SECRET"] = _persistent_dev_secret(DEV_INTERNAL_SECRET_FILE)
    if settings.signing_secret is None:
        # Signing links are derived from this secret, so it must survive restarts of `make run`.
        env["SIGNING_SECRET"] = _persistent_dev_secret(REPO_ROOT / "var" / "dev-signing-secret")
    if settings.secrets_encryption_keys is None:
        # Webhook secrets are sealed with it: a new key each run would leave them unreadable.
        env["SECRETS_ENCRYPTION_KEYS"] = _persistent_dev_secret(
            REPO_ROOT / "var" / "dev-secrets-encryption-key", new_key
        )
    pki = None
    if settings.seal_ca_cert_file is None and settings.seal_ca_key_file is None:
        # Seals must keep verifying across restarts: the development CA is made once and kept.
        pki = ensure_dev_pki(REPO_ROOT / "var" / "dev-pki")
        env["SEAL_CA_CERT_FILE"], env["SEAL_CA_KEY_FILE"] = str(pki.ca_cert), str(pki.ca_key)
        _say(f"seal CA (development) {pki.ca_cert}: trust it to verify this stack's sealed PDFs")
    # No service runs yet, so this is the moment to seal what an older version stored in clear
    # (or under a key no longer first): what `countersign secrets rotate` does.
    keyring = settings.model_copy(
        update={"secrets_encryption_keys": SecretStr(env["SECRETS_ENCRYPTION_KEYS"])}
    ).require_secrets_keyring()
    resealed = asyncio.run(rotate_webhook_secrets(settings.database_url, keyring))
    if resealed.resealed:
        _say(f"sealed {resealed.resealed} webhook secret(s) under key {keyring.current_id}")
    if resealed.unreadable:
        _say(
            f"warning: {len(resealed.unreadable)} webhook secret(s) do not open with SECRETS_ENCRYPTION_KEYS: "
            + ", ".join(resealed.unreadable)
        )

    s3 = None
    local_s3 = _local_s3(settings)
    if local_s3 is not None:
        try:
            s3 = start_s3_server(*local_s3)
        except RuntimeError as exc:  # the port was taken since the check
            raise SystemExit(f"{exc}; stop what uses it or set S3_ENDPOINT_URL") from None
        _say(f"S3 (moto) on {settings.s3_endpoint_url}")
    try:
        mail = start_mail_sink_process(settings.smtp_host, settings.smtp_port, settings.mail_sink_dir)
    except Exception as exc:  # e.g. the port was taken since the check
        if s3 is not None:
            s3.stop()
        raise SystemExit(f"cannot start the SMTP sink on {settings.smtp_host}:{settings.smtp_port}: {exc}") from None
    _say(f"SMTP sink on {settings.smtp_host}:{settings.smtp_port}, writing to {settings.mail_sink_dir}")
    tsa: RunningTsa | None = None
    if not settings.tsa_url:
        # PAdES B-T out of the box: a development TSA, its certificate issued by the development CA.
        tsa_pki = pki or ensure_dev_pki(REPO_ROOT / "var" / "dev-pki")
        try:
            # With the development CA in use, its CRL beside the TSA: seals are then PAdES B-LT.
            ca_files = (pki.ca_cert, pki.ca_key) if pki is not None and not settings.seal_crl_url else None
            tsa = start_tsa(settings.bind_host, settings.dev_tsa_port, tsa_pki.tsa_cert, tsa_pki.tsa_key, ca_files)
        except OSError as exc:
            mail.stop()
            if s3 is not None:
                s3.stop()
            raise SystemExit(
                f"cannot start the development TSA on {settings.bind_host}:{settings.dev_tsa_port}: "
                f"{exc}; set DEV_TSA_PORT or TSA_URL"
            ) from None
        env["TSA_URL"] = tsa.url
        _say(f"timestamp authority (development) on {tsa.url}")
        if tsa.crl_url:
            env["SEAL_CRL_URL"] = tsa.crl_url
            _say(f"seal CA's revocation list (development) on {tsa.crl_url}")

    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    for service in SERVICES:
        for k in range(settings.replicas):
            name = service if settings.replicas == 1 else f"{service}#{k + 1}"
            own = env | {
                f"{service.upper()}_PORT": str(service_port(settings, service, k)),
                f"{service.upper()}_METRICS_PORT": str(metrics_port(settings, service, k)),
            }
            commands[name] = ([sys.executable, "-m", f"services.{service}"], own)
    restarts = RestartPolicy()
    try:
        for name, (argv, own) in commands.items():
            children[name] = subprocess.Popen(argv, env=own)
        if settings.metrics_enabled:
            ports = ", ".join(
                f"{service} :{metrics_port(settings, service, k)}"
                for service in SERVICES
                for k in range(settings.replicas)
            )
            _say(f"Prometheus metrics on http://{settings.metrics_bind_host}:<port>/metrics ({ports})")
        gateways = " and ".join(
            f"http://{settings.bind_host}:{service_port(settings, 'gateway', k)}" for k in range(settings.replicas)
        )
        _say(f"gateway on {gateways} (Ctrl-C stops everything)")
        while not stopping:
            for name, child in children.items():
                if child.poll() is None or stopping:
                    continue
                if not restarts.may_restart(name, time.monotonic()):
                    _say(
                        f"{name} exited with code {child.returncode}, {MAX_EXITS} times within "
                        f"{WINDOW_SECONDS:.0f} s; stopping"
                    )
                    stopping, exit_code = True, 1
                    break
                _say(f"{name} exited with code {child.returncode}; starting it again")
                argv, own = commands[name]
                children[name] = subprocess.Popen(argv, env=own)
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        # Each service finishes its in-flight work within its grace (shared/shutdown.py).
        deadline = time.monotonic() + settings.shutdown_grace_seconds + 5
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if tsa is not None:
            tsa.stop()
        mail.stop()
        if s3 is not None:
            s3.stop()
        _say("stopped")
    return exit_code
