"""The bounded wait of ``GET /orders/{id}?wait=``: answered as soon as the order changes.

On PostgreSQL the worker's saga handlers notify ``ORDER_CHANGED`` with the order id when
they move an order; each API process listens once and wakes the requests waiting for that
order, so the answer leaves within milliseconds of the commit. The row is still read every
``SALES_ORDER_WAIT_POLL_SECONDS`` on SQLite, and every second on PostgreSQL as a safety net.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

from services.common.notifications import Listener, Waiters, is_postgresql
from services.common.runtime import ServiceRuntime

ORDER_CHANGED = "sales_order_changed"
NOTIFIED_POLL_SECONDS = 1.0
_EXTENSION = "sales.order_waits"
_lock = threading.Lock()


class OrderWaits:
    def __init__(self, database_url: str, poll_seconds: float) -> None:
        self.waiters = Waiters()
        self.listener: Listener | None = None
        self.poll_seconds = poll_seconds
        if is_postgresql(database_url):
            self.listener = Listener(database_url, {ORDER_CHANGED: self.waiters.wake}).start()
            self.poll_seconds = max(poll_seconds, NOTIFIED_POLL_SECONDS)

    def wait(self, order_id: str, seconds: float, is_decided: Callable[[], bool]) -> None:
        """Return once ``is_decided()`` or after ``seconds``."""
        deadline = time.monotonic() + seconds
        with self.waiters.waiting_for(order_id) as changed:
            while not is_decided():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                changed.wait(min(self.poll_seconds, remaining))
                changed.clear()


def order_waits(app: Flask, runtime: ServiceRuntime, poll_seconds: float) -> OrderWaits:
    """The app's one ``OrderWaits``: its listener starts with the first wait and stops when
    the runtime is disposed."""
    with _lock:
        waits = app.extensions.get(_EXTENSION)
        if waits is None:
            waits = OrderWaits(runtime.settings.database_url, poll_seconds)
            if waits.listener is not None:
                runtime.closers.append(waits.listener.stop)
            app.extensions[_EXTENSION] = waits
        return waits
