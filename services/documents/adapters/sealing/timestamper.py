"""The TSA client of the seals: one per process, so each seal asks the TSA once, not twice.

pyHanko sizes the signature before it signs, with a "dummy" timestamp token that it requests from
the TSA and caches in the TimeStamper object. A TimeStamper made for each seal (as before) asked
the TSA twice per seal, and its default HTTP session built a new TLS context from certifi's
bundle each time (py-spy, the documents service under the lifecycle load: 26 % of the seal
thread's samples in `ssl.create_default_context`, 17 % in the dummy request; issue 12).

So the Sealer keeps one `ReusedTimeStamper` for every seal: its dummy token is fetched once, and
its requests share one TLS context. Each seal still runs in its own thread and event loop, so each
request opens a session of its own on that loop (a session cannot outlive its loop). When a seal
fails, the Sealer drops the instance (`TimestampClient.discard`): a TSA that changed its
certificate since the dummy was fetched gets sized afresh on the retry.
"""

from __future__ import annotations

import ssl
import threading

import aiohttp
import certifi
from asn1crypto import tsp
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

REPLY_TYPE = "application/timestamp-reply"


class ReusedTimeStamper(HTTPTimeStamper):
    """HTTPTimeStamper whose requests share one TLS context (made once, as pyHanko's default
    session makes it: certifi's bundle); safe to use from several threads' event loops."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(url, timeout=timeout)
        self._tls = ssl.create_default_context(cafile=certifi.where())

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        headers = await self.async_request_headers()
        try:
            async with (
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._tls)) as session,
                session.post(
                    self.url,
                    headers=headers,
                    data=req.dump(),
                    auth=self.auth,
                    raise_for_status=True,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as response,
            ):
                body = await response.read()
                content_type = response.headers.get("Content-Type")
        except (aiohttp.ClientError, OSError) as exc:
            raise TimestampRequestError("Error while contacting timestamp service") from exc
        if content_type != REPLY_TYPE:
            raise TimestampRequestError(
                f"Timestamp server response is malformed: expected content type {REPLY_TYPE}, but got {content_type}."
            )
        return tsp.TimeStampResp.load(body)


class TimestampClient:
    """The process's ReusedTimeStamper for a TSA URL, made on first use, dropped after a failure."""

    def __init__(self, url: str, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._lock = threading.Lock()
        self._current: ReusedTimeStamper | None = None

    def get(self) -> ReusedTimeStamper:
        with self._lock:
            if self._current is None:
                self._current = ReusedTimeStamper(self._url, self._timeout)
            return self._current

    def discard(self, stamper: ReusedTimeStamper) -> None:
        with self._lock:
            if self._current is stamper:
                self._current = None
