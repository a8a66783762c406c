"""The sale saga's inventory side: reserve on ``sales.order.placed``; then commit (or refuse
to) on ``sales.order.completion_requested``, release on ``sales.order.cancelled``, or expire
— each outcome one event, once.

Handlers run inside the consumer's batch transaction and touch only the database. The stock
figures of the order's products are locked first (in key order), then the items, with
``SKIP LOCKED``; nothing is held across a broker call (events go to the outbox). Closing a
reservation notifies ``RESERVATION_CLOSED`` with the order id (PostgreSQL), which ends a
counter's ``POST /orders/{id}/card-codes/reveal?wait=`` at once.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from services.common import clock
from services.common.db import column_values
from services.common.events.envelope import CloudEvent
from services.common.notifications import notify
from services.common.unit_of_work import UnitOfWork
from services.inventory import allocation, custody, stock
from services.inventory.allocation import Allocator, Pick
from services.inventory.domain.reservations import (
    Request,
    ReservationState,
    Shortfall,
    may_close,
    shortfall,
)
from services.inventory.models import Reservation, ReservedItem
from services.inventory.settings import reservation_ttl

log = logging.getLogger(__name__)
R = ReservationState
ACTOR = "sale saga"
RESERVATION_CLOSED = "inventory_reservation_closed"


class UnknownReservation(LookupError):
    pass


# sales.order.placed ---------------------------------------------------------------------------
def on_order_placed(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    if _has_reservation(uow.session, data["order_id"]):
        log.info("order %s already has a reservation; placed again, ignored", data["order_id"])
        return
    requests = [_request(line) for line in data["lines"]]
    levels = stock.lock_levels(uow.session, data["site_id"], (r.product_key for r in requests))
    picks, shortfalls = _allocate(uow.session, data["site_id"], levels, requests)
    if shortfalls:
        _reject(uow, data, shortfalls)
    else:
        _hold(uow, data, picks, levels)


def _request(line: dict) -> Request:
    return Request(line["line_id"], line["product_key"], line["quantity"], line.get("device_id"))


def _allocate(session: Session, site_id: str, levels, requests: list[Request]):
    allocator = Allocator(session, site_id, levels, clock.today())
    picks: list[Pick] = []
    shortfalls: list[Shortfall] = []
    for request in requests:
        served = allocator.serve(request)
        picks += served.picks
        if (short := shortfall(request, served.found)) is not None:
            shortfalls.append(short)
    return picks, shortfalls


def _reject(uow: UnitOfWork, data: dict, shortfalls: list[Shortfall]) -> None:
    _new_reservation(uow.session, data, state=R.REJECTED, expires_at=None, closed_at=clock.now())
    uow.emit(
        "inventory.reservation.rejected",
        subject=data["order_id"],
        sequence=1,
        data={
            "order_id": data["order_id"],
            "site_id": data["site_id"],
            "lines": [short.as_contract() for short in shortfalls],
        },
    )


def _hold(uow: UnitOfWork, data: dict, picks: list[Pick], levels) -> None:
    session = uow.session
    expires_at = clock.now() + reservation_ttl()
    reservation = _new_reservation(
        session, data, state=R.HELD, expires_at=expires_at, closed_at=None
    )
    items = [_item_row(reservation.id, pick) for pick in picks]
    session.execute(insert(_ITEMS), [column_values(item) for item in items])
    note = f"reserved for order {data['order_id']}"
    custody.move_items(
        session, _pairs(items), "reserve", actor=ACTOR, note=note, reservation_id=reservation.id
    )
    _move_stock(uow, reservation, items, "reserved", levels)
    uow.emit(
        "inventory.reservation.accepted",
        subject=reservation.order_id,
        sequence=1,
        data={
            **_identity(reservation),
            "expires_at": reservation.expires_at.isoformat(),
            "items": [_item_data(item) for item in items],
        },
    )


# Written with Core statements (``column_values``): every order reserves or is refused.
_RESERVATIONS, _ITEMS = Reservation.__table__, ReservedItem.__table__


def _new_reservation(session: Session, data: dict, **values) -> Reservation:
    """Insert the order's reservation now; the object returned is not in the session."""
    reservation = Reservation(
        id=str(uuid.uuid4()),
        order_id=data["order_id"],
        site_id=data["site_id"],
        created_at=clock.now(),
        outcome_note=None,
        **values,
    )
    session.execute(insert(_RESERVATIONS), [column_values(reservation)])
    return reservation


def _item_row(reservation_id: str, pick: Pick) -> ReservedItem:
    return ReservedItem(
        reservation_id=reservation_id,
        line_id=pick.request.line_id,
        item_type=pick.item_type,
        item_id=pick.item_id,
        product_key=pick.request.product_key,
        quantity=pick.quantity,
        partner_id=pick.partner_id,
        donation_id=pick.donation_id,
    )


# sales.order.completion_requested / cancelled -------------------------------------------------
def on_completion_requested(uow: UnitOfWork, event: CloudEvent) -> None:
    """Commit the held items as sold, however late the request arrives: a hold the sweep
    has expired takes the same items back when they are all still free, else the commit is
    refused (sales then records no money). Asked again, the same answer is given again."""
    data = event.data
    reservation = _for_update(uow.session, data["reservation_id"])
    if reservation is None or reservation.order_id != data["order_id"]:
        _refuse(uow, data, "no-reservation")
    elif reservation.state == R.HELD:
        _commit(uow, reservation)
    elif reservation.state == R.COMMITTED:
        _emit_committed(uow, reservation, sequence=4)
    elif reservation.state == R.EXPIRED and _take_back(uow, reservation):
        _commit(uow, reservation, after_expiry=True)
    else:
        reason = "items-gone" if reservation.state == R.EXPIRED else "reservation-released"
        _refuse(uow, data, reason)


def _commit(uow: UnitOfWork, reservation: Reservation, after_expiry: bool = False) -> None:
    _close(uow, reservation, R.COMMITTED, "sell", "sold")
    _emit_committed(uow, reservation, sequence=3 if after_expiry else 2, after_expiry=after_expiry)


def _emit_committed(uow, reservation: Reservation, sequence: int, after_expiry=False) -> None:
    uow.emit(
        "inventory.reservation.committed",
        subject=reservation.order_id,
        sequence=sequence,
        data={
            **_identity(reservation),
            "committed_at": _utc(reservation.closed_at).isoformat(),
            "after_expiry": after_expiry,
            "items": [_item_data(item) for item in reservation.items],
        },
    )


def _utc(moment: datetime) -> datetime:
    """As stored: SQLite gives times back without their zone (always UTC here)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refuse(uow: UnitOfWork, data: dict, reason: str) -> None:
    log.warning("order %s: completion refused (%s)", data["order_id"], reason)
    uow.emit(
        "inventory.reservation.commit_refused",
        subject=data["order_id"],
        sequence=3,
        data={
            "order_id": data["order_id"],
            "reservation_id": data["reservation_id"],
            "site_id": data["site_id"],
            "reason": reason,
            "refused_at": clock.now().isoformat(),
        },
    )


def _take_back(uow: UnitOfWork, reservation: Reservation) -> bool:
    """Hold the expired reservation's own items again if every one is still free at its
    site (stock figures locked first, in key order, then the items): all or nothing."""
    session, items = uow.session, reservation.items
    levels = stock.lock_levels(session, reservation.site_id, (item.product_key for item in items))
    if not allocation.still_free(session, reservation.site_id, items, levels):
        return False
    note = f"taken back after expiry for order {reservation.order_id}"
    custody.move_items(
        session, _pairs(items), "reserve", actor=ACTOR, note=note, reservation_id=reservation.id
    )
    _move_stock(uow, reservation, items, "reserved", levels)
    return True


def on_order_cancelled(uow: UnitOfWork, event: CloudEvent) -> None:
    """Release the held items. A cancellation that overtakes its order leaves a closed
    reservation behind, so the late ``placed`` reserves nothing."""
    data = event.data
    reservation = _by_order(uow.session, data["order_id"], lock=True)
    if reservation is None:
        uow.session.add(_tombstone(data))
        return
    if not may_close(reservation.state):
        return
    _close(uow, reservation, R.RELEASED, "release", "released", note=data["reason"])
    uow.emit(
        "inventory.reservation.released",
        subject=reservation.order_id,
        sequence=2,
        data={**_identity(reservation), "reason": data["reason"]},
    )


def _tombstone(data: dict) -> Reservation:
    return Reservation(
        order_id=data["order_id"],
        site_id=data["site_id"],
        state=R.RELEASED,
        closed_at=clock.now(),
        outcome_note=f"cancelled before it was placed: {data['reason']}",
    )


# expiry ---------------------------------------------------------------------------------------
def expire_due(uow: UnitOfWork, now: datetime, limit: int = 100) -> int:
    """Expire held reservations past their time; several sweepers share the work."""
    due = uow.session.scalars(
        select(Reservation)
        .where(Reservation.state == R.HELD, Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .options(selectinload(Reservation.items))
    ).all()
    for reservation in due:
        _close(uow, reservation, R.EXPIRED, "release", "expired")
        uow.emit(
            "inventory.reservation.expired",
            subject=reservation.order_id,
            sequence=2,
            data={**_identity(reservation), "expired_at": reservation.closed_at.isoformat()},
        )
    return len(due)


# shared ---------------------------------------------------------------------------------------
def _close(uow, reservation, state, action, movement, note=None) -> None:
    session = uow.session
    items = reservation.items
    note_text = f"{movement}: order {reservation.order_id}"
    released = {"reservation_id": None} if action == "release" else {}
    custody.move_items(session, _pairs(items), action, actor=ACTOR, note=note_text, **released)
    _move_stock(uow, reservation, items, movement)
    closing = {"state": state, "closed_at": clock.now(), "outcome_note": note}
    session.execute(
        update(_RESERVATIONS).where(_RESERVATIONS.c.id == reservation.id).values(closing)
    )
    for name, value in closing.items():
        set_committed_value(reservation, name, value)
    notify(session, RESERVATION_CLOSED, reservation.order_id)


def _move_stock(uow, reservation: Reservation, items, kind: str, levels=None) -> None:
    """Move the items' stock from one bucket to another (``levels``: already locked)."""
    quantities = Counter()
    for item in items:
        quantities[item.product_key] += item.quantity
    if levels is None:
        levels = stock.lock_levels(uow.session, reservation.site_id, quantities)
    for key, quantity in sorted(quantities.items()):
        stock.move(uow, levels[key], kind, quantity, reference=reservation.id, actor=ACTOR)


def _pairs(items: list[ReservedItem]) -> list[tuple[str, str]]:
    return [(item.item_type, item.item_id) for item in items if item.item_type != "allowance"]


def _identity(reservation: Reservation) -> dict:
    return {
        "order_id": reservation.order_id,
        "reservation_id": reservation.id,
        "site_id": reservation.site_id,
    }


def _item_data(item: ReservedItem) -> dict:
    return {
        "line_id": item.line_id,
        "item_type": item.item_type,
        "item_id": item.item_id,
        "product_key": item.product_key,
        "quantity": item.quantity,
        "partner_id": item.partner_id,
        "donation_id": item.donation_id,
    }


# Statements every order runs, built once (building one costs more than running it).
_HAS_RESERVATION = (
    select(Reservation.id).where(Reservation.order_id == bindparam("order_id")).limit(1)
)
_BY_ORDER = select(Reservation).where(Reservation.order_id == bindparam("order_id"))
_BY_ORDER_LOCKED = _BY_ORDER.with_for_update().options(selectinload(Reservation.items))
_LOCKED = (
    select(Reservation)
    .where(Reservation.id == bindparam("reservation_id"))
    .with_for_update()
    .options(selectinload(Reservation.items))
)


def _has_reservation(session: Session, order_id: str) -> bool:
    return session.scalar(_HAS_RESERVATION, {"order_id": order_id}) is not None


def _by_order(session: Session, order_id: str, lock: bool = False) -> Reservation | None:
    return session.scalar(_BY_ORDER_LOCKED if lock else _BY_ORDER, {"order_id": order_id})


def _for_update(session: Session, reservation_id: str) -> Reservation | None:
    return session.scalar(_LOCKED, {"reservation_id": reservation_id})
