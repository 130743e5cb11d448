"""The client's IP address (pure): from the socket, or from X-Forwarded-For only when the peer
is a trusted proxy. Walking the header right to left and skipping trusted hops means a client
cannot spoof its address by sending its own X-Forwarded-For."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address(value: str) -> Address | None:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; they are IPv4 clients, and the
    # trusted-proxy list names them as IPv4.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


# The socket's peer (never client-supplied text, so the cache cannot be filled from outside):
# a few addresses — the balancer's, the proxies' — answer request after request, and parsing
# one again each time was ~2 % of the gateway's CPU on a proxied read.
_peer_address = functools.lru_cache(maxsize=4096)(_address)


def _trusted(ip: Address, networks: tuple[Network, ...]) -> bool:
    return any(ip in net for net in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    if peer is None:
        return None
    peer_ip = _peer_address(peer)
    if peer_ip is None:
        return peer  # e.g. a unix socket: nothing better to report
    if not forwarded_for or not _trusted(peer_ip, trusted):
        return str(peer_ip)
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    last: Address = peer_ip
    for hop in reversed(hops):
        ip = _address(hop)
        if ip is None:
            return str(peer_ip)  # a malformed chain is not trusted at all
        if not _trusted(ip, trusted):
            return str(ip)
        last = ip
    # Every hop is one of our proxies: the leftmost is the closest we know to the client.
    return str(last)
