"""docker-compose.yml and the Dockerfile, checked without a Docker engine: what they run exists
in this repo, what they set is a real setting, and the start-up order is expressed as conditions."""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli import build_parser
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = (ROOT / "docker-compose.yml", ROOT / "deploy" / "compose.debug.yml")
OUR_SERVICES = ("gateway", "documents", "audit", "notifier")
CONDITIONS = {"service_healthy", "service_completed_successfully", "service_started"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services() -> dict[str, dict[str, Any]]:
    return _compose()["services"]


def _from_our_image(service: dict[str, Any]) -> bool:
    return "build" in service


def _one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _assert_runs_something_we_ship(argv: list[str]) -> None:
    if argv[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(argv[2]) is not None, f"no module {argv[2]}"
    elif argv[0] == "countersign":
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"`{' '.join(argv)}` is not a countersign command")
    else:
        pytest.fail(f"unexpected command {argv}")


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_files_parse(path: Path) -> None:
    assert isinstance(yaml.safe_load(path.read_text())["services"], dict)


def test_our_four_services_and_the_infrastructure_are_there() -> None:
    services = _services()
    assert set(OUR_SERVICES) | {"postgres", "rabbitmq", "minio", "mailpit", "migrate"} <= set(services)
    assert all(_from_our_image(services[name]) for name in (*OUR_SERVICES, "migrate"))


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in _services().items():
        if _one_shot(service):
            # A job that exits has nothing to probe; dependants wait for it to complete instead.
            assert "healthcheck" not in service, name
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_every_dependency_is_a_condition_that_fits_the_dependency() -> None:
    services = _services()
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on must map each service to a condition"
        for target, spec in depends_on.items():
            assert target in services, f"{name} depends on unknown service {target}"
            condition = spec.get("condition")
            assert condition in CONDITIONS, f"{name} -> {target}: no condition"
            expected = "service_completed_successfully" if _one_shot(services[target]) else "service_healthy"
            assert condition == expected, f"{name} -> {target}: {condition}, expected {expected}"


def test_services_start_after_migrations() -> None:
    services = _services()
    for name in OUR_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_command_run_from_our_image_exists() -> None:
    for service in _services().values():
        if _from_our_image(service):
            _assert_runs_something_we_ship(_argv(service["command"]))


def test_each_service_runs_itself_and_probes_its_own_port() -> None:
    services, defaults = _services(), Settings()
    for name in OUR_SERVICES:
        assert _argv(services[name]["command"]) == ["python", "-m", f"services.{name}"]
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], f"{name}: the image has no curl; probe with python"
        ast.parse(test[3])  # the one-liner is valid Python
        port = getattr(defaults, f"{name}_port")
        assert f"http://127.0.0.1:{port}/readyz" in test[3], f"{name} probes the wrong port"


def test_environment_variables_are_real_settings() -> None:
    fields = set(Settings.model_fields)
    for name, service in _services().items():
        if not _from_our_image(service):
            continue
        environment = service.get("environment", {})
        assert isinstance(environment, dict), name
        unknown = [var for var in environment if var.lower() not in fields]
        assert not unknown, f"{name} sets variables that are not Settings fields: {unknown}"


def test_services_reach_each_other_by_their_compose_names() -> None:
    env = _services()["gateway"]["environment"]
    defaults = Settings()
    for name in ("documents", "audit", "notifier"):
        assert env[f"{name.upper()}_URL"] == f"http://{name}:{getattr(defaults, f'{name}_port')}"
    assert env["BIND_HOST"] == "0.0.0.0"


def test_only_the_gateway_and_the_s3_api_publish_ports() -> None:
    # Clients upload and download through presigned S3 URLs, so S3 must be reachable; nothing
    # else is, least of all an internal service. Grafana (profile `observability`) is the
    # operator's, on the host's loopback only.
    published = {name: service["ports"] for name, service in _services().items() if service.get("ports")}
    assert set(published) == {"gateway", "minio", "grafana"}
    assert [p.rsplit(":", 1)[1] for p in published["minio"]] == ["9000"]
    assert [p.split(":")[0] for p in published["grafana"]] == ["127.0.0.1"]
    assert _services()["documents"]["environment"]["S3_PUBLIC_ENDPOINT_URL"]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_copy_sources_exist_and_are_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = [args for op, args in _dockerfile_instructions() if op == "COPY"]
    assert copies
    for args in copies:
        *sources, _dest = [part for part in args.split() if not part.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such path"
            assert not any(fnmatch.fnmatch(source.rstrip("/"), pattern) for pattern in ignored), (
                f"{source} is in .dockerignore"
            )


def test_dockerfile_runs_as_non_root_and_defaults_to_a_service() -> None:
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    [cmd] = [args for op, args in instructions if op == "CMD"]
    _assert_runs_something_we_ship(json.loads(cmd))


@pytest.mark.parametrize("variable", ["INTERNAL_SECRET", "SIGNING_SECRET"])
def test_compose_secrets_are_required_not_defaulted(variable: str) -> None:
    # A default secret would be a shared, public credential for every deployment.
    for name in OUR_SERVICES:
        value = _services()[name]["environment"][variable]
        assert re.fullmatch(r"\$\{" + variable + r":\?.+\}", value), name


OBSERVABILITY = ("prometheus", "grafana")


def _mounted_sources(service: dict[str, Any]) -> dict[str, str]:
    """Bind mounts from this checkout: container path -> repo path."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = source
    return mounts


def test_prometheus_and_grafana_run_only_with_the_observability_profile() -> None:
    services = _services()
    for name in OBSERVABILITY:
        assert services[name]["profiles"] == ["observability"], name
    assert all("profiles" not in services[name] for name in OUR_SERVICES)
    # The services' metrics must be reachable from the Prometheus container.
    assert _compose()["x-service-env"]["METRICS_BIND_HOST"] == "0.0.0.0"


def test_what_prometheus_and_grafana_are_given_exists_where_their_images_read_it() -> None:
    services = _services()
    prometheus = _mounted_sources(services["prometheus"])
    assert prometheus == {"/etc/prometheus/prometheus.yml": "./deploy/prometheus/prometheus.yml"}
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]
    grafana = _mounted_sources(services["grafana"])
    assert grafana == {
        "/etc/grafana/provisioning": "./deploy/grafana/provisioning",  # the image's GF_PATHS_PROVISIONING
        "/etc/grafana/dashboards": "./deploy/grafana/dashboards",
    }
    for source in (*prometheus.values(), *grafana.values()):
        assert (ROOT / source).exists(), source
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/countersign.yml").read_text())
    assert [p["options"]["path"] for p in provider["providers"]] == ["/etc/grafana/dashboards"]
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    [source] = datasource["datasources"]
    assert source["url"] == "http://prometheus:9090" and source["uid"] == "prometheus"


def test_prometheus_scrapes_every_service_on_its_metrics_port() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    defaults = Settings()
    jobs = {job["job_name"]: job["dns_sd_configs"] for job in config["scrape_configs"]}
    assert set(jobs) == set(OUR_SERVICES)
    for name in OUR_SERVICES:
        # By DNS: every replica of a scaled service is a target.
        assert jobs[name] == [{"names": [name], "type": "A", "port": defaults.metrics_port(name)}], name


def test_the_dashboard_is_grafana_json_over_our_metric_names() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/countersign.json").read_text())
    documented = set(re.findall(r"`(countersign_[a-z_]+)`", (ROOT / "docs/running.md").read_text()))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert dashboard["uid"] and len(exprs) >= 10
    used = {re.sub(r"_(bucket|count|sum)$", "", name) for e in exprs for name in re.findall(r"countersign_[a-z_]+", e)}
    unknown = used - documented
    assert not unknown, f"the dashboard queries metrics docs/running.md does not list: {unknown}"
    assert {panel["datasource"]["uid"] for panel in dashboard["panels"]} == {"prometheus"}
