"""The counter's use cases on an order: place, ask to complete, cancel; and the sale
recorded once inventory committed its goods.

Placing locks the person's row (``FOR UPDATE``) for the whole transaction: eligibility and
limits are checked against the person's history and the order is written before the lock is
released, so two counters serving the same person at once are served one after the other.
Times are UTC; the day a person may order on, the limits' months and the month a sale
counts in for impact (its placement month, for both) are the programme's civil ones
(``clock``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert

from services.common.db import column_values
from services.common.unit_of_work import UnitOfWork
from services.sales.beneficiaries import (
    beneficiary_for_order,
    require_can_order,
    require_counter_site,
)
from services.sales.clock import as_utc, civil, month_of
from services.sales.domain.errors import (
    IllegalOrderStep,
    LimitsExceeded,
    NoPrice,
    ReservationLapsed,
)
from services.sales.domain.limits import Purchase
from services.sales.domain.orders import next_state
from services.sales.domain.pricing import PricedLine, family_of, unpriced
from services.sales.limits import limit_breaches
from services.sales.models import Order, OrderLine
from services.sales.prices import prices_in_force
from services.sales.receipts import assign_receipt_number


def place(uow: UnitOfWork, request: dict, site_id: str, actor: str, now: datetime) -> Order:
    """``request``: ``beneficiary_code`` and ``lines`` (product_key, quantity, device_id)."""
    session = uow.session
    require_counter_site(session, site_id)
    beneficiary = beneficiary_for_order(session, request["beneficiary_code"])
    require_can_order(beneficiary, civil(now).date())
    priced = _priced(session, request["lines"], now)
    _require_within_limits(session, beneficiary, priced, now)
    order = Order(
        id=str(uuid.uuid4()),
        site_id=site_id,
        beneficiary_id=beneficiary.id,
        beneficiary_code=beneficiary.code,
        state="pending",
        version=1,
        placed_at=now,
        placed_by=actor,
        total_cents=sum(line.amount_cents for line in priced),
        market_total_cents=sum(line.quantity * line.price.market_cents for line in priced),
        lines=[
            _line(position, line, given.get("device_id"))
            for position, (line, given) in enumerate(zip(priced, request["lines"], strict=True), 1)
        ],
        **dict.fromkeys(_DECIDED_LATER),
    )
    for line in order.lines:
        line.order_id = order.id
    # Core inserts (every order is placed here): the object returned is not in the session.
    session.execute(insert(Order.__table__), [column_values(order)])
    session.execute(insert(OrderLine.__table__), [column_values(line) for line in order.lines])
    _emit_placed(uow, order)
    return order


# What a placed order does not know yet (the transient object answers None for them).
_DECIDED_LATER = (
    "reservation_id",
    "expires_at",
    "reserved_items",
    "refused_lines",
    "payment_method",
    "completed_at",
    "sale_month",
    "receipt_year",
    "receipt_number",
    "ended_at",
    "ended_by",
    "end_reason",
    "completion_requested_at",
    "completion_requested_by",
)


def _require_within_limits(session, beneficiary, priced: list[PricedLine], now: datetime) -> None:
    basket = [Purchase(line.product_key, line.quantity, line.amount_cents, now) for line in priced]
    if found := limit_breaches(session, beneficiary.id, basket, now, beneficiary.starts_on):
        raise LimitsExceeded(found)


def _priced(session, lines: list[dict], now: datetime) -> list[PricedLine]:
    keys = [line["product_key"] for line in lines]
    prices = prices_in_force(session, now, keys)
    if missing := unpriced(keys, prices):
        raise NoPrice(missing)
    return [
        PricedLine(line["product_key"], line["quantity"], prices[line["product_key"]])
        for line in lines
    ]


def _line(position: int, line: PricedLine, device_id) -> OrderLine:
    return OrderLine(
        id=str(uuid.uuid4()),
        position=position,
        product_key=line.product_key,
        family=family_of(line.product_key),
        quantity=line.quantity,
        device_id=None if device_id is None else str(device_id),
        unit_market_cents=line.price.market_cents,
        unit_solidarity_cents=line.price.solidarity_cents,
        grid_version=line.price.grid_version,
    )


def _emit_placed(uow: UnitOfWork, order: Order) -> None:
    lines = [
        {
            "line_id": line.id,
            "product_key": line.product_key,
            "quantity": line.quantity,
            "device_id": line.device_id,
        }
        for line in order.lines
    ]
    data = {
        "order_id": order.id,
        "site_id": order.site_id,
        "beneficiary_code": order.beneficiary_code,
        "placed_at": order.placed_at.isoformat(),
        "lines": lines,
    }
    uow.emit("sales.order.placed", subject=order.id, sequence=order.version, data=data)


_STEP_NAMES = {"complete": "completed", "cancel": "cancelled"}


def move(order: Order, happening: str, hint: str = "") -> None:
    """Apply a counter command to the order's state, or refuse it."""
    state = next_state(order.state, happening)
    if state is None:
        raise IllegalOrderStep(order.state, _STEP_NAMES[happening], hint)
    order.state = state
    order.version += 1


def request_completion(
    uow: UnitOfWork, order: Order, payment_method: str, actor: str, now: datetime
) -> None:
    """Ask inventory to commit what it reserved (no money yet: see ``record_sale``). Refused
    at once when sales already knows the hold expired; inventory decides every other case,
    however late the request reaches it."""
    if order.state == "expired":
        raise ReservationLapsed(as_utc(order.expires_at or order.ended_at))
    move(order, "complete", "Only a reserved order can be completed.")
    order.payment_method = payment_method
    order.completion_requested_at, order.completion_requested_by = now, actor
    data = {
        "order_id": order.id,
        "site_id": order.site_id,
        "reservation_id": order.reservation_id,
        "requested_at": now.isoformat(),
    }
    uow.emit(
        "sales.order.completion_requested", subject=order.id, sequence=order.version, data=data
    )


def record_sale(uow: UnitOfWork, order: Order, now: datetime) -> None:
    """Inventory committed the items: the payment is recorded, the receipt numbered, and the
    sale stated as a fact (``sales.order.completed``). The order counts in the month it was
    placed, as it does for the monthly limits."""
    order.completed_at = order.ended_at = now
    order.ended_by = order.completion_requested_by
    order.sale_month = month_of(order.placed_at)
    with uow.session.no_autoflush:  # the order's changes leave in one UPDATE, at commit
        assign_receipt_number(uow.session, order)
    data = {
        "order_id": order.id,
        "site_id": order.site_id,
        "reservation_id": order.reservation_id,
        "beneficiary_code": order.beneficiary_code,
        "payment_method": order.payment_method,
        "completed_at": now.isoformat(),
    }
    uow.emit("sales.order.completed", subject=order.id, sequence=order.version, data=data)


def cancel(uow: UnitOfWork, order: Order, reason: str, actor: str, now: datetime) -> None:
    move(order, "cancel", "Only a pending or reserved order can be cancelled.")
    order.ended_at, order.ended_by, order.end_reason = now, actor, reason
    emit_cancelled(uow, order)


# What a cancellation tells inventory. The reason typed at the counter is personal data (it
# may say why a person left): it stays in the order's ``end_reason``, which erasure clears,
# and never travels to inventory's records.
CANCELLED_IN_SALES = "cancelled in sales"


def emit_cancelled(uow: UnitOfWork, order: Order) -> None:
    data = {
        "order_id": order.id,
        "site_id": order.site_id,
        "reservation_id": order.reservation_id,
        "reason": CANCELLED_IN_SALES,
    }
    uow.emit("sales.order.cancelled", subject=order.id, sequence=order.version, data=data)
