"""Which spans a service keeps: every span of a trace that began with real work, and no trace made
of one lone database query.

The relay, the send and delivery workers and the sweeps poll PostgreSQL every second or two; with
the asyncpg instrumentation each poll would be a trace of its own, burying the traces that matter.
A query span with no parent is dropped; everything else follows its parent (ParentBased), so a
query inside a request, a message or a send is kept with its trace. Imported only when tracing is
on (it needs the SDK).
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes

# Old and new semantic-convention names of the attribute every database span carries.
_DB_SYSTEM = ("db.system", "db.system.name")


class _NoLoneQueries(Sampler):
    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if attributes and any(key in attributes for key in _DB_SYSTEM):
            return SamplingResult(Decision.DROP)
        return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "NoLoneQueries"


def sampler() -> Sampler:
    return ParentBased(root=_NoLoneQueries())
