"""The SSRF rules for webhook targets: which addresses are refused, and how URLs are read."""

from __future__ import annotations

import ipaddress

import pytest

from services.notifier.webhooks.ssrf import UrlRefused, check_address, parse_target, refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("169.254.1.1", "link-local"),
        ("169.254.169.254", "cloud metadata service"),
        ("100.64.0.1", "shared address space (CGNAT)"),
        ("100.127.255.254", "shared address space (CGNAT)"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "reserved (documentation)"),
        ("198.18.0.1", "reserved (benchmarking)"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "unique-local"),
        ("fd12:3456::1", "unique-local"),
        ("fd00:ec2::254", "cloud metadata service"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "reserved (documentation)"),
        ("::ffff:10.0.0.1", "private (IPv4 inside IPv6)"),
        ("::ffff:127.0.0.1", "loopback (IPv4 inside IPv6)"),
        ("::ffff:169.254.169.254", "cloud metadata service (IPv4 inside IPv6)"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata service (IPv4 inside IPv6)"),
        ("2002:c0a8:0101::1", "private (IPv4 inside IPv6)"),
        ("::10.0.0.1", "private (IPv4 inside IPv6)"),
        ("2001::1", "not publicly routable"),  # Teredo
        ("168.63.129.16", "cloud metadata service"),
    ],
)
def test_blocked_addresses_are_refused_with_a_reason(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
def test_the_development_switch_allows_loopback(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), allow_loopback=True) is None


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "169.254.169.254", "192.168.0.1", "fd00:ec2::254", "fe80::1", "0.0.0.0"]
)
def test_the_development_switch_allows_nothing_but_loopback(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), allow_loopback=True) is not None


def test_check_address_raises_a_client_safe_message() -> None:
    with pytest.raises(UrlRefused, match=r"blocked address \(private\)"):
        check_address(ipaddress.ip_address("10.1.2.3"), allow_loopback=False)


def test_https_urls_are_read_as_the_http_client_will_send_them() -> None:
    target = parse_target("https://Hooks.Example.COM/in?x=1", allow_plain_http=False)
    assert (target.host, target.port, target.literal) == ("hooks.example.com", 443, None)
    literal = parse_target("http://[::1]:8080/x", allow_plain_http=True)
    assert (literal.host, literal.port, str(literal.literal)) == ("::1", 8080, "::1")
    unicode_host = parse_target("https://bücher.example/", allow_plain_http=False)
    assert unicode_host.host == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/", "must use https"),
        ("ftp://hooks.example.com/", "must use https"),
        ("https:///path-only", "absolute, with a host"),
        ("/relative", "must use https"),
        ("https://user:secret@hooks.example.com/", "user name or password"),
        ("https://2130706433/", "not a valid IP address"),
        ("https://127.1/", "not a valid IP address"),
        ("https://hooks.example.com:0/", "port is not valid"),
        ("https://example.com/" + "a" * 2048, "at most 2048"),
    ],
)
def test_malformed_or_insecure_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UrlRefused, match=message):
        parse_target(url, allow_plain_http=False)


def test_plain_http_only_with_the_development_switch() -> None:
    assert parse_target("http://127.0.0.1:9/", allow_plain_http=True).port == 9
    with pytest.raises(UrlRefused, match="http or https"):
        parse_target("gopher://127.0.0.1/", allow_plain_http=True)
