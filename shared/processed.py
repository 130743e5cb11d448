"""The consumers' dedupe record, written by the statement of the effect itself.

By default `shared.broker.Consumer` opens a transaction, inserts the event id into
`<schema>.processed_events` and runs the handler (BEGIN, the insert, the handler's statements,
COMMIT). A consumer whose effect is one or two statements pays as many round trips for the
bookkeeping as for the work: under the lifecycle bench the audit and notifier consumers issued
~10 statements per event between them, half of them BEGIN, COMMIT and this insert. A
`SelfRecording` handler instead puts `processed_insert` into a statement it runs anyway (a CTE),
so the record still commits with the effect or not at all, and it says itself whether the event
was new (False: a duplicate, nothing done).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from shared.events import Event


def processed_insert(schema: str, event_id: str = "$1", event_type: str = "$2") -> str:
    """The insert for a CTE (`WITH processed AS (...)`): one row when the event is new, none
    for a duplicate. `event_id`/`event_type` are the statement's parameter placeholders."""
    return (
        f"INSERT INTO {schema}.processed_events (event_id, event_type) VALUES ({event_id}, {event_type}) "
        "ON CONFLICT DO NOTHING RETURNING true"
    )


@dataclass(frozen=True)
class SelfRecording:
    """A handler that records the event id itself (with `processed_insert`, in the transaction
    or the single statement of its effect) and returns whether the event was new."""

    handle: Callable[[asyncpg.Pool, Event], Awaitable[bool]]
