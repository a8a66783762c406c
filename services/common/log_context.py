"""The event a consumer is handling, for the log lines written meanwhile (type and id)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_event: ContextVar[tuple[str, str] | None] = ContextVar("handled_event", default=None)


def current_event() -> tuple[str, str] | None:
    """``(type, id)`` of the event being handled, or None."""
    return _event.get()


@contextmanager
def handling_event(event_type: str, event_id: str) -> Iterator[None]:
    token = _event.set((event_type, event_id))
    try:
        yield
    finally:
        _event.reset(token)
