"""Geo-location from the committed test database (deploy/geoip/test-city.mmdb)."""

import logging

import pytest

from shared.geo import GeoLocator, routable_address
from shared.settings import Settings


@pytest.fixture(scope="module")
def geo() -> GeoLocator:
    locator = GeoLocator.open(Settings().geoip_db_path)
    assert locator.available, "the default GEOIP_DB_PATH is the committed test database"
    return locator


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.42", ("Bogotá", "CO")),
        ("198.51.100.7", ("Lisbon", "PT")),
        ("192.0.2.200", ("Berlin", "DE")),
        ("2001:db8::1", ("Tokyo", "JP")),
        ("::ffff:203.0.113.9", ("Bogotá", "CO")),
    ],
)
def test_documentation_ranges_have_a_location(geo, ip, expected):
    assert geo.lookup(ip) == expected


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "127.0.0.1",
        "192.168.1.20",
        "172.16.5.4",
        "::1",
        "fe80::1",
        "fd00::5",
        "8.8.8.8",
        "not-an-ip",
        "",
        None,
        "203.0.113.999",
    ],
)
def test_private_local_unknown_and_invalid_addresses_give_nulls(geo, ip):
    assert geo.lookup(ip) == (None, None)


def test_documentation_ranges_are_not_treated_as_private():
    # Python's is_private covers them; our rule must not, or the test database is useless.
    assert routable_address("203.0.113.42") is not None
    assert routable_address("10.1.2.3") is None


def test_missing_database_warns_once_at_open_and_gives_nulls(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="countersign.geo"):
        locator = GeoLocator.open(tmp_path / "missing.mmdb")
        assert locator.lookup("203.0.113.42") == (None, None)
        assert locator.lookup("198.51.100.7") == (None, None)
    assert not locator.available
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_a_corrupt_database_file_is_treated_as_missing(tmp_path):
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"this is not a MaxMind database")
    locator = GeoLocator.open(bad)
    assert not locator.available and locator.lookup("203.0.113.42") == (None, None)
