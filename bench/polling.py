"""Waiting in the benchmarks: poll a condition, and count inventory's devices."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from services.inventory.models import Device


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition`` every 50 ms until it holds: the ``perf_counter()`` time it was seen
    to hold; ``TimeoutError`` saying ``what`` was not done after ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)
    return time.perf_counter()


def devices_in(runtime) -> int:
    """How many devices inventory's database holds."""
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Device))
