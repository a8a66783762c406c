"""Every event inventory consumes, routed to its use case (one table, see topology.py)."""

from __future__ import annotations

from services.inventory import intake, reservations, sale_check

EVENT_HANDLERS = {
    **intake.EVENT_HANDLERS,
    **sale_check.EVENT_HANDLERS,
    "sales.order.placed": reservations.on_order_placed,
    "sales.order.completion_requested": reservations.on_completion_requested,
    "sales.order.cancelled": reservations.on_order_cancelled,
}
