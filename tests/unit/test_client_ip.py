"""The client IP: the socket peer, or X-Forwarded-For only through trusted proxies."""

import pytest

from services.gateway.client_ip import client_ip, parse_networks

NONE = parse_networks([])
LOCAL = parse_networks(["127.0.0.1"])
PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1", "fd00::/8"])


def test_socket_peer_without_header() -> None:
    assert client_ip("198.51.100.7", None, PROXIES) == "198.51.100.7"
    assert client_ip("198.51.100.7", "", PROXIES) == "198.51.100.7"


def test_no_peer() -> None:
    assert client_ip(None, "203.0.113.9", PROXIES) is None


def test_header_ignored_when_no_proxy_is_trusted() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9", NONE) == "127.0.0.1"


def test_header_ignored_from_untrusted_peer() -> None:
    # A client talking to us directly cannot claim another address.
    assert client_ip("198.51.100.7", "203.0.113.9", PROXIES) == "198.51.100.7"
    assert client_ip("198.51.100.7", "10.0.0.1, 203.0.113.9", PROXIES) == "198.51.100.7"


def test_trusted_peer_single_hop() -> None:
    assert client_ip("127.0.0.1", "203.0.113.42", LOCAL) == "203.0.113.42"


def test_trusted_peer_takes_rightmost_untrusted_hop() -> None:
    # The client prepended a forged address; our proxy appended the real one.
    assert client_ip("127.0.0.1", "1.2.3.4, 203.0.113.42", LOCAL) == "203.0.113.42"


def test_chain_of_trusted_proxies_is_skipped() -> None:
    header = "1.2.3.4, 203.0.113.42, 10.1.2.3, 10.9.9.9"
    assert client_ip("10.0.0.5", header, PROXIES) == "203.0.113.42"


def test_all_hops_trusted_gives_leftmost() -> None:
    assert client_ip("127.0.0.1", "10.0.0.1, 10.0.0.2", PROXIES) == "10.0.0.1"


def test_ipv6_hops() -> None:
    assert client_ip("fd00::1", "2001:db8::5, fd00::2", PROXIES) == "2001:db8::5"


def test_hop_is_normalised() -> None:
    assert client_ip("127.0.0.1", "2001:DB8:0:0::5", LOCAL) == "2001:db8::5"


@pytest.mark.parametrize(
    "header",
    [
        "not-an-ip",
        "203.0.113.42:8080",
        "203.0.113.999",
        "<script>",
        "203.0.113.42 10.0.0.1",
        "unknown, 10.0.0.1",
    ],
)
def test_malformed_header_falls_back_to_peer(header: str) -> None:
    assert client_ip("10.0.0.5", header, PROXIES) == "10.0.0.5"


def test_only_separators_falls_back_to_peer() -> None:
    assert client_ip("127.0.0.1", " , ,", LOCAL) == "127.0.0.1"


def test_malformed_hop_left_of_the_client_is_irrelevant() -> None:
    # Everything left of the first untrusted hop was written by the client: not our concern.
    assert client_ip("127.0.0.1", "garbage, 203.0.113.42", LOCAL) == "203.0.113.42"


def test_parse_networks_accepts_hosts_and_cidrs() -> None:
    nets = parse_networks(["127.0.0.1", "10.0.0.0/8", "::1"])
    assert [str(n) for n in nets] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    with pytest.raises(ValueError):
        parse_networks(["10.0.0.300"])


def test_ipv4_mapped_peer_is_reported_as_ipv4() -> None:
    assert client_ip("::ffff:198.51.100.7", None, NONE) == "198.51.100.7"
    # ...and is matched against IPv4 trusted proxies.
    assert client_ip("::ffff:127.0.0.1", "203.0.113.42", LOCAL) == "203.0.113.42"
