"""JSON log lines that carry the request id of the request being handled.

The request id lives in a context variable: set once by the request middleware (or by an event
consumer from the event envelope), it appears in every log line written while that work runs,
in whichever service runs it. With tracing on, a line written inside a span also carries the
span's `traceId` (shared/tracing.py).
"""

from __future__ import annotations

import contextvars
import logging
import sys
from datetime import UTC, datetime

import orjson

from shared.tracing import current_trace_id

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_SERVICE = "countersign"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": _SERVICE,
            "logger": record.name,
            "msg": record.getMessage(),
            "requestId": request_id_var.get(),
        }
        # Only while a span is active (tracing on): the id to look the whole trace up by.
        if trace_id := current_trace_id():
            line["traceId"] = trace_id
        extra = getattr(record, "fields", None)
        if extra:
            line.update(extra)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(service: str, level: str = "INFO") -> None:
    global _SERVICE
    _SERVICE = service
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our lines carry none of what these collect for every record (the logging HOWTO's
    # "Optimization"): the caller's file and line (a stack walk), the thread, the process id (a
    # getpid system call) and the multiprocessing name. The request line is written once per
    # request in every service, so this is a share of every request's CPU.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # aiohttp's access log repeats what our middleware logs, and would print raw URLs
    # (signing tokens live in URLs), so it stays off.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)


def log_fields(**fields: object) -> dict[str, object]:
    """`logger.info("msg", extra=log_fields(documentId=...))` adds structured fields."""
    return {"fields": fields}
