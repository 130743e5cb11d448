"""Builds `test-city.mmdb`: a tiny GeoLite2-City-shaped database for development and tests.

It maps only the documentation address ranges (RFC 5737 and RFC 3849), which never appear on
the real Internet, so it cannot be mistaken for real geo data:

    203.0.113.0/24   Bogotá, CO        198.51.100.0/24   Lisbon, PT
    192.0.2.0/24     Berlin, DE        2001:db8::/32     Tokyo, JP

Records have the GeoLite2-City layout (city/country/continent/location/... with `names` by
language), so code written against it works unchanged with a real MaxMind database: point
GEOIP_DB_PATH at one. Run from the repository root after changing the table:

    .venv/bin/python deploy/geoip/build_test_db.py

The output is byte-for-byte reproducible (fixed build time), so rebuilding without a change
leaves the committed file untouched.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mmdb_writer import MmdbF64, MmdbU16, MmdbU32, MMDBWriter
from netaddr import IPSet

OUTPUT = Path(__file__).resolve().parent / "test-city.mmdb"
# 2026-01-01T00:00:00Z; a fixed build time keeps the output reproducible.
BUILD_EPOCH = 1767225600


def _names(english: str) -> dict[str, str]:
    return {"en": english}


def city_record(
    *,
    city: tuple[int, str],
    subdivision: tuple[int, str, str],
    country: tuple[int, str, str],
    continent: tuple[int, str, str],
    location: tuple[float, float, str],
    postal: str | None = None,
) -> dict[str, Any]:
    """One network's record, with the keys (and integer/float widths) of GeoLite2-City."""
    country_record = {"geoname_id": MmdbU32(country[0]), "iso_code": country[1], "names": _names(country[2])}
    record: dict[str, Any] = {
        "city": {"geoname_id": MmdbU32(city[0]), "names": _names(city[1])},
        "continent": {"code": continent[1], "geoname_id": MmdbU32(continent[0]), "names": _names(continent[2])},
        "country": country_record,
        "registered_country": dict(country_record),
        "location": {
            "accuracy_radius": MmdbU16(50),
            "latitude": MmdbF64(location[0]),
            "longitude": MmdbF64(location[1]),
            "time_zone": location[2],
        },
        "subdivisions": [
            {"geoname_id": MmdbU32(subdivision[0]), "iso_code": subdivision[1], "names": _names(subdivision[2])}
        ],
    }
    if postal:
        record["postal"] = {"code": postal}
    return record


NETWORKS: dict[str, dict[str, Any]] = {
    "203.0.113.0/24": city_record(
        city=(3688689, "Bogotá"),
        subdivision=(3688685, "DC", "Bogota D.C."),
        country=(3686110, "CO", "Colombia"),
        continent=(6255150, "SA", "South America"),
        location=(4.6097, -74.0817, "America/Bogota"),
        postal="110111",
    ),
    "198.51.100.0/24": city_record(
        city=(2267057, "Lisbon"),
        subdivision=(2267056, "11", "Lisbon"),
        country=(2264397, "PT", "Portugal"),
        continent=(6255148, "EU", "Europe"),
        location=(38.7167, -9.1333, "Europe/Lisbon"),
        postal="1000-001",
    ),
    "192.0.2.0/24": city_record(
        city=(2950159, "Berlin"),
        subdivision=(2950157, "BE", "Land Berlin"),
        country=(2921044, "DE", "Germany"),
        continent=(6255148, "EU", "Europe"),
        location=(52.5244, 13.4105, "Europe/Berlin"),
        postal="10115",
    ),
    "2001:db8::/32": city_record(
        city=(1850147, "Tokyo"),
        subdivision=(1850144, "13", "Tokyo"),
        country=(1861060, "JP", "Japan"),
        continent=(6255147, "AS", "Asia"),
        location=(35.6895, 139.6917, "Asia/Tokyo"),
        postal="100-0001",
    ),
}


class _ReproducibleWriter(MMDBWriter):
    def _build_meta(self) -> dict[str, Any]:
        return super()._build_meta() | {"build_epoch": BUILD_EPOCH}


def build(output: Path = OUTPUT) -> Path:
    # An IPv6 tree holding IPv4 under ::/96, as MaxMind's own City databases do; readers find
    # IPv4 addresses there.
    writer = _ReproducibleWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="GeoLite2-City",
        languages=["en"],
        description="Countersign test GeoIP database: documentation address ranges only",
    )
    for network, record in NETWORKS.items():
        writer.insert_network(IPSet([network]), record)
    output.parent.mkdir(parents=True, exist_ok=True)
    writer.to_db_file(str(output))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    print(f"wrote {build(parser.parse_args().output)}")


if __name__ == "__main__":
    main()
