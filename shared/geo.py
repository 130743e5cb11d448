"""Geo-location of client IPs from a MaxMind-format (GeoLite2/GeoIP2 City) database.

One implementation for every service that places an address: the audit service tags each entry,
the documents service prints where each participant acted on the certificate of completion.
The database is opened once at start-up and memory-mapped by maxminddb's C reader, so a lookup
is a few microseconds and safe to do on the event loop. Without a usable database the service
still runs (locations stay unknown) and says so once in the log, rather than on every lookup.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from pathlib import Path

import maxminddb

from shared.logging import log_fields

log = logging.getLogger("countersign.geo")

# Addresses that never have a location. Python's `is_private` is not used on purpose: it also
# covers the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
# that the shipped test database maps; a real GeoLite2 database has no data for them anyway.
_NO_LOCATION = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "127.0.0.0/8",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
    )
)

Location = tuple[str | None, str | None]
NOWHERE: Location = (None, None)


def routable_address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address worth looking up, or None for missing, invalid, private or local ones."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:203.0.113.42 is an IPv4 client behind a dual stack
    if address.is_loopback or address.is_multicast or address.is_unspecified or address.is_link_local:
        return None
    if any(address in network for network in _NO_LOCATION if network.version == address.version):
        return None
    return address


def location_of(record: object) -> Location:
    """(English city name, ISO 3166-1 country code) from a GeoLite2-City-shaped record (anything
    else a database may hold for an address, or None, is nowhere)."""
    if not isinstance(record, Mapping):
        return NOWHERE
    city = record.get("city")
    country = record.get("country") or record.get("registered_country")
    city_name = city.get("names", {}).get("en") if isinstance(city, Mapping) else None
    iso_code = country.get("iso_code") if isinstance(country, Mapping) else None
    return (city_name if isinstance(city_name, str) else None, iso_code if isinstance(iso_code, str) else None)


class GeoLocator:
    def __init__(self, reader: maxminddb.Reader | None) -> None:
        self._reader = reader

    @classmethod
    def open(cls, path: Path) -> GeoLocator:
        try:
            reader = maxminddb.open_database(str(path))
        except (OSError, maxminddb.InvalidDatabaseError, ValueError) as exc:
            log.warning(
                "GeoIP database unavailable; locations will be unknown",
                extra=log_fields(path=str(path), error=repr(exc)),
            )
            return cls(None)
        log.info("GeoIP database opened", extra=log_fields(path=str(path), type=reader.metadata().database_type))
        return cls(reader)

    @property
    def available(self) -> bool:
        return self._reader is not None

    def lookup(self, ip: str | None) -> Location:
        address = routable_address(ip)
        if address is None or self._reader is None:
            return NOWHERE
        try:
            return location_of(self._reader.get(address))
        except ValueError:  # e.g. an IPv6 address against an IPv4-only database
            return NOWHERE
