"""The checked resolver: every address a name resolves to is checked before aiohttp may connect.

`StubDns` stands in for DNS (an outside system), answering what an attacker's name server could:
a private address, or a public one first and a private one next (rebinding).
"""

from __future__ import annotations

import pytest

from services.notifier.webhooks.resolver import BlockedAddress, GuardedResolver, check_target
from services.notifier.webhooks.ssrf import UrlRefused, parse_target
from tests.webhook_receiver import StubDns


async def test_public_answers_pass_through_unchanged() -> None:
    resolver = GuardedResolver(
        allow_loopback=False, inner=StubDns(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    )
    results = await resolver.resolve("hooks.example.com", 443)
    assert [r["host"] for r in results] == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


async def test_a_name_with_any_blocked_address_is_refused_whole() -> None:
    resolver = GuardedResolver(allow_loopback=False, inner=StubDns(["93.184.215.14", "10.0.0.7"]))
    with pytest.raises(BlockedAddress) as refused:
        await resolver.resolve("mixed.example.com", 443)
    assert refused.value.reason == "private"
    assert isinstance(refused.value, OSError)  # aiohttp turns it into a connection error


async def test_each_resolution_is_checked_so_rebinding_is_caught() -> None:
    dns = StubDns(["93.184.215.14"], ["169.254.169.254"])
    resolver = GuardedResolver(allow_loopback=False, inner=dns)
    assert (await resolver.resolve("rebind.example.com", 443))[0]["host"] == "93.184.215.14"
    with pytest.raises(BlockedAddress, match="metadata"):
        await resolver.resolve("rebind.example.com", 443)


async def test_registration_refuses_names_resolving_to_blocked_addresses() -> None:
    target = parse_target("https://internal.example.com/hook", allow_plain_http=False)
    with pytest.raises(UrlRefused, match=r"blocked address \(private\)"):
        await check_target(target, allow_loopback=False, inner=StubDns(["192.168.10.20"]))
    with pytest.raises(UrlRefused, match="could not be resolved"):
        await check_target(target, allow_loopback=False, inner=StubDns([]))
    await check_target(target, allow_loopback=False, inner=StubDns(["8.8.4.4"]))


async def test_registration_checks_ip_literals_without_dns() -> None:
    dns = StubDns(["8.8.8.8"])
    with pytest.raises(UrlRefused, match="loopback"):
        await check_target(parse_target("http://[::1]:8080/", allow_plain_http=True), allow_loopback=False, inner=dns)
    await check_target(parse_target("http://127.0.0.1:8080/", allow_plain_http=True), allow_loopback=True, inner=dns)
    assert dns.asked == []


async def test_localhost_resolves_to_loopback_and_is_refused() -> None:
    # The real system resolver: "localhost" is loopback on every machine.
    with pytest.raises(UrlRefused, match="loopback"):
        await check_target(parse_target("https://localhost/hook", allow_plain_http=False), allow_loopback=False)
