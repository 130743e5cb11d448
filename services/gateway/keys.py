"""Typed app keys of the gateway."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from services.gateway.client_ip import Network
from shared.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http", aiohttp.ClientSession)
TRUSTED: web.AppKey[tuple[Network, ...]] = web.AppKey("trusted_proxies", tuple)
