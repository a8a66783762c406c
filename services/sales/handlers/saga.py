"""Inventory's answers to sales' orders, applied inside the consumer's batch transaction.

Each handler reads the order (locked), asks the state table whether the fact applies, and
records it. Duplicates and late facts change nothing, and the decisions for facts that
arrive after the order has ended are taken here, in one place:

* ``accepted`` for an order the counter already cancelled: the reservation is recorded and
  the cancellation is sent again with its id, so inventory releases the stock at once;
* ``committed`` of an order being completed: the sale is recorded (payment, receipt);
  ``commit_refused``: the order ends ``completion_refused``, with no money recorded;
* ``expired`` or ``released`` while completing: nothing (inventory answers the completion
  request itself, committing or refusing);
* ``released`` of a live order (inventory withdrew the stock): the order is cancelled.
"""

from __future__ import annotations

import logging
from datetime import datetime

from services.common.events.envelope import CloudEvent
from services.common.metrics import record_completion, record_decision
from services.sales.clock import as_utc
from services.sales.domain.events import OrderCancelled
from services.sales.domain.orders import next_state
from services.sales.handlers.orders import record_sale
from services.sales.models import Order
from services.sales.repository import SalesUnitOfWork

log = logging.getLogger(__name__)


def _order(uow: SalesUnitOfWork, event: CloudEvent) -> Order | None:
    order = uow.orders.locked(str(event.data["order_id"]))
    if order is None:
        log.warning("%s %s names an unknown order: ignored", event.type, event.id)
    return order


def _moment(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value))


def _advance(uow: SalesUnitOfWork, order: Order, happening: str) -> bool:
    state = next_state(order.state, happening)
    if state is None:
        return False
    order.state, order.version = state, order.version + 1
    uow.orders.announce_change(order)  # wakes `GET /orders/{id}?wait=` at once
    return True


def on_accepted(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is None or order.reservation_id is not None:
        return
    order.reservation_id = str(event.data["reservation_id"])
    if _advance(uow, order, "accepted"):
        record_decision("accepted", order.placed_at, uow.session)
        order.expires_at = _moment(event.data["expires_at"])
        order.reserved_items = event.data["items"]
    elif order.state == "cancelled":
        order.version += 1
        uow.record(OrderCancelled.of(order))


def on_rejected(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is not None and _advance(uow, order, "rejected"):
        record_decision("rejected", order.placed_at, uow.session)
        order.refused_lines = event.data["lines"]
        order.ended_at, order.ended_by = event.time, "inventory"


def on_committed(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is not None and _advance(uow, order, "committed"):
        late = event.data.get("after_expiry", False)
        record_completion("completed_after_expiry" if late else "completed", uow.session)
        record_sale(uow, order, _moment(event.data["committed_at"]))


def on_commit_refused(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is not None and _advance(uow, order, "commit_refused"):
        record_completion("completion_refused", uow.session)
        order.payment_method = None  # no money was taken
        order.ended_at, order.ended_by = _moment(event.data["refused_at"]), "inventory"
        order.end_reason = _REFUSALS.get(event.data["reason"], event.data["reason"])


_REFUSALS = {
    "items-gone": "not sold: the reservation lapsed and its items were sold to someone else",
    "reservation-released": "not sold: inventory had released the reservation",
    "no-reservation": "not sold: inventory holds no reservation for this order",
}


def on_released(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is None:
        return
    order.reservation_id = order.reservation_id or str(event.data["reservation_id"])
    if _advance(uow, order, "released"):
        order.ended_at, order.ended_by = event.time, "inventory"
        order.end_reason = f"released by inventory: {event.data['reason']}"[:200]


def on_expired(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    order = _order(uow, event)
    if order is not None and _advance(uow, order, "expired"):
        order.ended_at, order.ended_by = _moment(event.data["expired_at"]), "inventory"
