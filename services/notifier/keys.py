"""Typed keys of the notifier's app."""

from __future__ import annotations

from aiohttp import web

from services.notifier.mailer import Mailer

MAILER: web.AppKey[Mailer] = web.AppKey("mailer", Mailer)
