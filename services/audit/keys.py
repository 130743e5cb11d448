"""Typed app keys of the audit service."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from shared.geo import GeoLocator

GEO: web.AppKey[GeoLocator] = web.AppKey("geo", GeoLocator)
# One pooled client for the documents service's internal API (keep-alive across requests).
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http", aiohttp.ClientSession)
