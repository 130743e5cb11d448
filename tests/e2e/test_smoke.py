"""The system starts and answers through the gateway."""

from tests.conftest import Api


async def test_health_and_readiness(system, http):
    for service in system.services.values():
        async with http.get(service.url + "/healthz") as resp:
            assert resp.status == 200
        async with http.get(service.url + "/readyz") as resp:
            body = await resp.json()
            assert resp.status == 200, body
            assert set(body["checks"].values()) == {"ok"}


async def test_org_through_gateway(api: Api):
    status, body, resp = await api.request("GET", "/api/v1/org")
    assert status == 200, body
    assert body["data"]["id"] == api.org_id
    assert body["data"]["_count"]["apiKeys"] == 1
    assert resp.headers["X-Request-Id"]
