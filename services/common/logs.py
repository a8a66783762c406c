"""Where a process's log lines go, and in what shape: ``LOG_FORMAT=json`` or readable text.

``json`` (the default of ``make stack`` and of compose) writes one JSON object per line:
``time``, ``level``, ``service``, ``role`` (api, worker, gateway, migrate, embedded),
``logger``, ``message``, ``request_id``, ``correlation_id``, ``trace_id``, ``event_type`` and
``event_id`` (null where they do not apply), and ``exception`` when there is one. ``text``
(the default, so ``make run``) keeps the readable line with the request id.

Either way no line quotes a URL's query string (``log_privacy``): it may hold personal data.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from flask import g, has_request_context

from services.common.correlation import current_correlation_id
from services.common.log_context import current_event
from services.common.log_privacy import WithoutQueryStrings
from services.common.requests_context import RequestIdLogFilter
from services.common.tracing import current_trace_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# gunicorn's access record carries its atoms as arguments: the response's request id is one
_ACCESS_REQUEST_ID = "{x-request-id}o"


def log_format() -> str:
    return "json" if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json" else "text"


class JsonLines(logging.Formatter):
    """A record as one JSON object on one line, with the ids of the work it belongs to."""

    def __init__(self, service: str = "", role: str = "") -> None:
        super().__init__()
        self.service = service or os.environ.get("SERVICE", "")
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        event = current_event()
        request_id = _request_id(record)
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "role": self.role,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id,
            # a request's correlation id is its request id (gunicorn's access line is written
            # once the request is over: it has only the id the answer carried)
            "correlation_id": current_correlation_id() or request_id,
            "trace_id": current_trace_id(),
            # handling an event, or a line about one (``extra``: a retry, a dead letter)
            "event_type": event[0] if event else getattr(record, "event_type", None),
            "event_id": event[1] if event else getattr(record, "event_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    if isinstance(record.args, dict) and _ACCESS_REQUEST_ID in record.args:
        given = record.args[_ACCESS_REQUEST_ID]
        return given if given and given != "-" else None
    return g.get("request_id") if has_request_context() else None


def configure_logging(service: str, role: str, level: str | None = None) -> None:
    """The root logger's one handler, on stderr, in the format ``LOG_FORMAT`` names."""
    handler = logging.StreamHandler()
    handler.addFilter(WithoutQueryStrings())  # access lines and URLs: no personal data
    if log_format() == "json":
        handler.setFormatter(JsonLines(service, role))
        logging.captureWarnings(True)  # a warning is a line like the others
    else:
        handler.addFilter(RequestIdLogFilter())
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    if not any(isinstance(f, WithoutQueryStrings) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel((level or os.environ.get("LOG_LEVEL", "INFO")).upper())


def gunicorn_logconfig(service: str, role: str) -> dict | None:
    """gunicorn's own loggers (its master's lines, error and access logs) as JSON lines when
    ``LOG_FORMAT=json``; None keeps gunicorn's text."""
    if log_format() != "json":
        return None
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["no_query_strings"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines, "service": service, "role": role}},
        "filters": {"no_query_strings": {"()": WithoutQueryStrings}},
        "handlers": {"json": handler},
        # the workers' own records too (configure_logging then finds this handler there)
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["json"], "propagate": False},
            "gunicorn.access": {"handlers": ["json"], "propagate": False},
        },
    }
