"""The ids that tie a request to the events it causes, carried in a context variable.

An HTTP request sets the correlation id from ``X-Request-ID``; a consumer sets it from the
event it handles (and that event's id as the causation id of what it emits).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_correlation: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation: ContextVar[str | None] = ContextVar("causation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation.get()


def current_causation_id() -> str | None:
    return _causation.get()


@contextmanager
def correlated(correlation_id: str | None, causation_id: str | None = None) -> Iterator[None]:
    correlation_token = _correlation.set(correlation_id)
    causation_token = _causation.set(causation_id)
    try:
        yield
    finally:
        _correlation.reset(correlation_token)
        _causation.reset(causation_token)


def bind_correlation_id(correlation_id: str) -> Token:
    """Set the correlation id until :func:`unbind_correlation_id` (for request hooks)."""
    return _correlation.set(correlation_id)


def unbind_correlation_id(token: Token) -> None:
    _correlation.reset(token)
