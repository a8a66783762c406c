"""The bounded wait of ``GET /orders/{id}?wait=`` (and ``POST /orders?wait=``): answered as
soon as the order leaves ``pending``.

The worker's saga handlers notify ``ORDER_CHANGED`` with the order id when they move an
order (``handlers/saga.py``, through ``repository/orders.py``); the waiting itself is
``services/common/waits.py``. The row is read every ``SALES_ORDER_WAIT_POLL_SECONDS`` on
SQLite, and every second on PostgreSQL as a safety net.
"""

from __future__ import annotations

from flask import Flask

from services.common.runtime import ServiceRuntime
from services.common.waits import KeyWaits, key_waits

ORDER_CHANGED = "sales_order_changed"


def order_waits(app: Flask, runtime: ServiceRuntime, poll_seconds: float) -> KeyWaits:
    return key_waits(app, runtime, ORDER_CHANGED, poll_seconds)
