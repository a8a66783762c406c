"""Orders in SQL: every order is placed, read and locked here, so the fast ways live here
(statements built once, Core inserts of a placed order, the receipt counter row)."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from services.common.counters import next_number
from services.common.db import column_values
from services.common.notifications import notify
from services.sales.clock import civil
from services.sales.domain.errors import OrderNotFound
from services.sales.domain.orders import NewOrder
from services.sales.models import Order, OrderLine, SaleReceiptCounter
from services.sales.order_waits import ORDER_CHANGED

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


class Orders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new: NewOrder) -> Order:
        """Write the placed order and its lines with two Core inserts (every order is placed
        here: the ORM's flush costs more); the order returned is not in the session."""
        order = Order(
            id=new.id,
            site_id=new.site_id,
            beneficiary_id=new.beneficiary_id,
            beneficiary_code=new.beneficiary_code,
            state=new.state,
            version=new.version,
            placed_at=new.placed_at,
            placed_by=new.placed_by,
            total_cents=new.total_cents,
            market_total_cents=new.market_total_cents,
            lines=[OrderLine(order_id=new.id, **vars(line)) for line in new.lines],
            **dict.fromkeys(_DECIDED_LATER),
        )
        self.session.execute(insert(Order.__table__), [column_values(order)])
        self.session.execute(
            insert(OrderLine.__table__), [column_values(line) for line in order.lines]
        )
        return order

    def get(self, order_id, site_scope: str | None = None, *, for_update: bool = False) -> Order:
        """One order with its lines, in one statement (locking the order's row only);
        ``site_scope``: a counter's site, whose orders only it may see."""
        parameters = {"order_id": str(order_id), "site_id": site_scope}
        found = self.session.scalars(_order_query(site_scope is not None, for_update), parameters)
        order = found.unique().first()
        if order is None:
            raise OrderNotFound(str(order_id))
        return order

    def locked(self, order_id: str) -> Order | None:
        """The order, its row locked (the saga's handlers), None if unknown."""
        return self.session.get(Order, order_id, with_for_update=True)

    def announce_change(self, order: Order) -> None:
        """Wake the requests waiting on the order (``GET /orders/{id}?wait=``) at once."""
        notify(self.session, ORDER_CHANGED, order.id)

    def number_receipt(self, order: Order) -> None:
        """The next receipt number of the order's site in the civil year it completed, from
        the (site, year) counter row, locked until commit: numbers have no gaps."""
        with self.session.no_autoflush:  # the order's changes leave in one UPDATE, at commit
            year = civil(order.completed_at).year
            number = next_number(self.session, SaleReceiptCounter, site_id=order.site_id, year=year)
        order.receipt_year, order.receipt_number = year, number

    def completed_ids(self, cutoff: datetime) -> list[str]:
        """The ids of the orders completed by ``cutoff`` (one indexed query)."""
        return list(self.session.scalars(_COMPLETED, {"cutoff": cutoff}))

    def forget_end_reasons(self, beneficiary_id: str) -> None:
        """The free text typed when the person's orders ended (it may name them)."""
        self.session.execute(
            update(Order).where(Order.beneficiary_id == beneficiary_id).values(end_reason=None)
        )


@functools.cache
def _order_query(scoped: bool, for_update: bool):
    """Built once per kind (every order is read this way; building costs more than running)."""
    query = select(Order).options(joinedload(Order.lines))
    query = query.where(Order.id == bindparam("order_id"))
    if scoped:
        query = query.where(Order.site_id == bindparam("site_id"))
    return query.with_for_update(of=Order) if for_update else query


_COMPLETED = select(Order.id).where(
    Order.state == "completed", Order.completed_at <= bindparam("cutoff")
)
_ORDER_ROW = select(Order.__table__).where(Order.__table__.c.id == bindparam("order_id"))


def refreshed(session: Session, order: Order) -> Order:
    """The order just placed, as the database has it now: only its row is read again (the
    lines are a snapshot, never changed once placed)."""
    row = session.execute(_ORDER_ROW, {"order_id": order.id}).one()
    for name, value in row._mapping.items():
        setattr(order, name, value)
    return order


def orders_query(filters: dict, site_scope: str | None) -> Select:
    """Orders matching ``filters`` (site_id, state, beneficiary_code) the caller may see (a
    counter's own site's, everyone's for other roles), the most recent first."""
    query = select(Order).options(selectinload(Order.lines))
    if site_scope is not None:
        query = query.where(Order.site_id == site_scope)
    for name in ("site_id", "state", "beneficiary_code"):
        if filters.get(name):
            query = query.where(getattr(Order, name) == str(filters[name]))
    return query.order_by(Order.placed_at.desc(), Order.id)


# Completions an operator should look at: refused by inventory, or committed after the hold.
REFUSED = Order.state == "completion_refused"
LATE = and_(
    Order.state == "completed",
    Order.expires_at.is_not(None),
    Order.completed_at > Order.expires_at,
)
COMPLETION_KINDS = {"refused": REFUSED, "late": LATE, "all": or_(REFUSED, LATE)}


def completions_query(kind: str) -> Select:
    """Refused and late completions of ``kind`` (``COMPLETION_KINDS``), the most recent first."""
    query = select(Order).where(COMPLETION_KINDS[kind])
    return query.order_by(Order.ended_at.desc(), Order.id)
