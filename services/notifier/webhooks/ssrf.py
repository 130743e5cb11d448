"""Which webhook targets are refused, and why (pure: no I/O).

A webhook makes our servers send requests to addresses a customer chooses, so a URL must never
reach our own network: private, loopback, link-local, CGNAT, unique-local, multicast, reserved
and cloud metadata addresses are refused — including IPv4 addresses wrapped in IPv6 forms
(IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
`2002::/16`), since the kernel or a gateway unwraps them. Beyond the named ranges, anything
Python does not consider globally reachable is refused too.

These checks run on the URL at registration, and on every resolved address at delivery time
(services.notifier.webhooks.resolver), because DNS may answer differently later.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from yarl import URL

from shared.contracts.webhooks import MAX_URL_LENGTH

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Cloud metadata services: AWS/GCP/Azure/OpenStack (169.254.169.254), AWS over IPv6
# (fd00:ec2::254), Alibaba (100.100.100.200), Azure's wire server (168.63.129.16, a public
# address that only answers from inside Azure, so "is it global" alone would let it through).
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)

_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

# Ordered: the first match names the refusal.
_REFUSED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "reserved (documentation)"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved (benchmarking)"),
        ("198.51.100.0/24", "reserved (documentation)"),
        ("203.0.113.0/24", "reserved (documentation)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("100::/64", "reserved (discard)"),
        ("2001:db8::/32", "reserved (documentation)"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)

_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries, when a host or gateway would reach it as IPv4."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
        return is_loopback(inner)
    return any(address in net for net in _LOOPBACK if net.version == address.version)


def refusal(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why a webhook may not connect to `address`, or None when it may.

    `allow_loopback` (development and tests only) lets 127.0.0.0/8 and ::1 through, and nothing else.
    """
    if address in METADATA_ADDRESSES:
        return "cloud metadata service"
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "link-local"
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = refusal(inner, allow_loopback=allow_loopback)
            return f"{reason} (IPv4 inside IPv6)" if reason else None
    if allow_loopback and is_loopback(address):
        return None
    for net, reason in _REFUSED:
        if net.version == address.version and address in net:
            return reason
    if not address.is_global:
        return "not publicly routable"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """`host` as an IP address when it is an IP literal (brackets and a zone id allowed), else None."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def looks_numeric(host: str) -> bool:
    """Digits and dots only: what an HTTP client takes for an IPv4 literal. Legacy forms such as
    `2130706433` or `127.1` mean 127.0.0.1 to the C resolver, so they are refused outright."""
    return bool(host) and host.replace(".", "").isdigit()


class UrlRefused(ValueError):
    """The URL cannot be a webhook target; the message is safe to show to the client."""


@dataclass(frozen=True)
class Target:
    url: URL
    host: str  # as it goes on the wire: IDNA-encoded, IPv6 without brackets
    port: int
    literal: IPAddress | None  # when the host is an IP literal (no DNS involved)


def parse_target(raw: str, *, allow_plain_http: bool) -> Target:
    """Check a URL's form (scheme, host, no credentials). Addresses are checked separately.

    Parsed with yarl, the parser aiohttp uses to send the request, so what is checked is what
    is connected to.
    """
    if len(raw) > MAX_URL_LENGTH:
        raise UrlRefused(f"The URL may be at most {MAX_URL_LENGTH} characters")
    try:
        url = URL(raw)
    except (ValueError, TypeError):
        raise UrlRefused("Not a valid URL") from None
    allowed = ("https", "http") if allow_plain_http else ("https",)
    if url.scheme not in allowed:
        raise UrlRefused("The URL must use https" if not allow_plain_http else "The URL must use http or https")
    host = url.raw_host
    if not url.is_absolute() or not host:
        raise UrlRefused("The URL must be absolute, with a host")
    if url.raw_user or url.raw_password:
        # Credentials would be stored and shown back on every read; receivers authenticate us by signature.
        raise UrlRefused("The URL may not contain a user name or password")
    if url.port is None or not 0 < url.port < 65536:
        raise UrlRefused("The URL's port is not valid")
    literal = parse_ip(host)
    if literal is None and looks_numeric(host):
        raise UrlRefused("The host is not a valid IP address")
    return Target(url=url, host=host, port=url.port, literal=literal)


def check_address(address: IPAddress, *, allow_loopback: bool) -> None:
    reason = refusal(address, allow_loopback=allow_loopback)
    if reason is not None:
        raise UrlRefused(f"The URL resolves to a blocked address ({reason})")
