"""Wait for a condition with retries instead of sleeping and hoping."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

T = TypeVar("T")


def wait_until(probe: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.05) -> T:
    """Call ``probe`` until it returns a truthy value, which is returned; fail after ``timeout``."""
    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
        retry=retry_if_result(lambda value: not value),
    )
    try:
        return retrying(probe)
    except RetryError as error:
        last = (
            error.last_attempt.result()
            if not error.last_attempt.failed
            else error.last_attempt.exception()
        )
        pytest.fail(
            f"{getattr(probe, '__name__', probe)} still false after {timeout}s (last: {last!r})"
        )
