"""The audit chain's head for a certificate of completion: asked of the audit service.

The certificate prints how many audit entries there were and the hash of the last one, so that
anyone can later recompute the chain (`countersign audit verify DOC_ID`,
GET /api/v1/documents/{id}/audit/verify) and see that the entries the certificate vouched for are
unchanged. The audit service consumes events asynchronously, so the documents service names the
events it emitted (their ids) and the audit service answers the chain prefix that holds them all
(services/audit/chain_cover.py). Events still on their way are normal for a few milliseconds: the
answer is asked again for up to `wait_seconds`; after that the build fails (`AuditChainBehind`)
and the completion worker retries the whole build when its lease ends, like a TSA that is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from shared.context import H_ORG
from shared.internal_client import InternalClient, Unavailable

# The last signature's event is usually recorded within tens of milliseconds of the claim:
# ask again soon, then less often (a fixed 0.2 s was most of a completion under load).
FIRST_RETRY_PAUSE_SECONDS = 0.02
MAX_RETRY_PAUSE_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class AuditHead:
    entries: int  # entries 1..entries of the chain hold every event of the document so far
    hash: str  # the hash of entry `entries`
    entry_id: str


class AuditChainBehind(Exception):
    """The audit service did not (yet) vouch for every event: the certificate cannot be built."""


class AuditChain:
    def __init__(self, client: InternalClient, wait_seconds: float) -> None:
        self._client = client
        self._wait_seconds = wait_seconds

    async def head_covering(self, org_id: str, document_id: str, event_ids: Sequence[str]) -> AuditHead:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        pause = FIRST_RETRY_PAUSE_SECONDS
        while True:
            try:
                answer = await self._client.call(
                    "POST",
                    f"/internal/documents/{document_id}/chain-head",
                    identity={H_ORG: org_id},
                    json={"eventIds": list(event_ids)},
                )
            except Unavailable as exc:
                reason = str(exc)
            else:
                if answer.status == 200:
                    body = answer.body
                    return AuditHead(int(body["position"]), str(body["hash"]), str(body["entryId"]))
                detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
                reason = f"the audit service answered {answer.status}: {detail}"
                if answer.status != 409:  # only "not recorded yet" gets better by waiting
                    raise AuditChainBehind(reason)
            if loop.time() >= deadline:
                raise AuditChainBehind(reason)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RETRY_PAUSE_SECONDS)
