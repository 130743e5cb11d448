"""Checking real responses against the served OpenAPI document.

One `Conformance` is shared by the whole test session (fixture `conformance`): every test that
drives the API through a `Driver` validates each answer against the spec's schema for its
operation and status, and records what it saw, so `tests/e2e/test_spec_coverage.py` can check at
the end of the run that every operation's success answer was exercised somewhere.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

import aiohttp
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import Api

SPEC_PATH = "/api/v1/openapi.json"
SPEC_URI = "urn:countersign:openapi"


async def fetch_spec(http: aiohttp.ClientSession, gateway_url: str) -> dict[str, Any]:
    async with http.get(gateway_url + SPEC_PATH) as resp:  # no API key on purpose
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/json"
        return await resp.json()


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _strict(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy in which component objects refuse properties they do not declare, so a handler
    returning an undocumented key fails (the served document stays open for evolution)."""
    strict = copy.deepcopy(spec)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(strict["components"]["schemas"])
    return strict


class Conformance:
    """Checks each answer against the spec and remembers which (operation, status) it saw."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = _strict(spec)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self.seen: set[tuple[str, str, int]] = set()

    def _response(self, method: str, template: str, status: int) -> tuple[dict[str, Any], str]:
        op = self.spec["paths"][template][method.lower()]
        response = op["responses"].get(str(status))
        pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{status}"
        assert response is not None, (
            f"{method} {template} answered {status}, which the spec does not list ({sorted(op['responses'])})"
        )
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self.spec["components"]["responses"][pointer.rsplit("/", 1)[-1]]
        return response, pointer

    def check(self, method: str, template: str, status: int, body: Any, resp: aiohttp.ClientResponse) -> None:
        response, pointer = self._response(method, template, status)
        self.seen.add((method, template, status))
        if "content" not in response:
            assert not body, f"{method} {template} {status} should have no body, got {body!r}"
            return
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        assert media in response["content"], f"{method} {template} {status}: {media} not in {list(response['content'])}"
        schema = {"$ref": f"{SPEC_URI}#{pointer}/content/{_escape(media)}/schema"}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, f"{method} {template} {status} does not match the spec:\n" + "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]
        )

    def operations(self) -> list[tuple[str, str, int]]:
        """Every (method, path, success status) of the spec: what coverage asks to be seen."""
        return [
            (method.upper(), path, next(int(s) for s in op["responses"] if s.startswith("2")))
            for path, item in self.spec["paths"].items()
            for method, op in item.items()
        ]

    def unexercised(self) -> list[str]:
        return [
            f"{m} {path} -> {status}" for (m, path, status) in self.operations() if (m, path, status) not in self.seen
        ]


class Driver:
    """Calls the API through the gateway and validates every answer against the spec."""

    def __init__(self, conformance: Conformance) -> None:
        self.conformance = conformance

    async def __call__(
        self,
        api: Api,
        method: str,
        template: str,
        expected: int | tuple[int, ...],
        *,
        json: Any = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **path_params: str,
    ) -> Any:
        path = template.format(**{k: quote(v, safe="") for k, v in path_params.items()})
        status, body, resp = await api.request(method, path, json=json, data=data, params=params, headers=headers)
        wanted = (expected,) if isinstance(expected, int) else expected
        assert status in wanted, f"{method} {path}: expected {wanted}, got {status}: {body!r}"
        self.conformance.check(method, template, status, body, resp)
        return body
