"""The sale saga's inventory side: reserve on ``sales.order.placed``; then commit (or refuse
to) on ``sales.order.completion_requested``, release on ``sales.order.cancelled``, or expire
— each outcome one fact, once.

They run inside the consumer's batch transaction (the sweep in its own) and touch only the
database. The stock figures of the order's products are locked first (in key order), then
the items, with ``SKIP LOCKED``; nothing is held across a broker call (events go to the
outbox).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from services.common import clock
from services.common.events.envelope import CloudEvent
from services.inventory.domain.allocation import Allocator, Pick
from services.inventory.domain.commands import (
    CommitReservation,
    ExpireReservations,
    ReleaseReservation,
    Reserve,
)
from services.inventory.domain.events import (
    CommitRefused,
    ReservationAccepted,
    ReservationCommitted,
    ReservationExpired,
    ReservationRejected,
    ReservationReleased,
)
from services.inventory.domain.reservations import Request, ReservationState, may_close
from services.inventory.handlers.stock import custody_pairs, move_stock, quantities_of
from services.inventory.models import Reservation, ReservedItem
from services.inventory.repository import InventoryUnitOfWork

log = logging.getLogger(__name__)
R = ReservationState
ACTOR = "sale saga"


# reserve --------------------------------------------------------------------------------------
def reserve(uow: InventoryUnitOfWork, command: Reserve) -> None:
    """All of the order's lines held at its site, or none (the shortfalls said)."""
    if uow.reservations.exists_for(command.order_id):
        log.info("order %s already has a reservation; placed again, ignored", command.order_id)
        return
    keys = (request.product_key for request in command.requests)
    levels = uow.stock.lock_levels(command.site_id, keys)
    allocator = Allocator(uow.items, command.site_id, levels, clock.today())
    picks, shortfalls = allocator.allocate(command.requests)
    if shortfalls:
        closed = _reservation(command, state=R.REJECTED, expires_at=None, closed_at=clock.now())
        uow.reservations.add(closed)
        uow.record(ReservationRejected(command.order_id, command.site_id, shortfalls))
    else:
        _hold(uow, command, picks, levels)


def _hold(uow: InventoryUnitOfWork, command: Reserve, picks: list[Pick], levels) -> None:
    expires_at = clock.now() + uow.settings.reservation_ttl
    reservation = _reservation(command, state=R.HELD, expires_at=expires_at, closed_at=None)
    items = [_item(reservation.id, pick) for pick in picks]
    uow.reservations.add(reservation, items)
    note = f"reserved for order {command.order_id}"
    uow.custody.move(
        custody_pairs(items), "reserve", actor=ACTOR, note=note, reservation_id=reservation.id
    )
    _move_stock(uow, reservation, items, "reserved", levels)
    uow.record(
        ReservationAccepted(
            reservation.order_id, reservation.id, reservation.site_id, expires_at, items
        )
    )


def _reservation(command: Reserve, **values) -> Reservation:
    return Reservation(
        id=str(uuid.uuid4()),
        order_id=command.order_id,
        site_id=command.site_id,
        created_at=clock.now(),
        outcome_note=None,
        **values,
    )


def _item(reservation_id: str, pick: Pick) -> ReservedItem:
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


# commit ---------------------------------------------------------------------------------------
def commit(uow: InventoryUnitOfWork, command: CommitReservation) -> None:
    """Commit the held items as sold, however late the request arrives: a hold the sweep
    has expired takes the same items back when they are all still free, else the commit is
    refused (sales then records no money). Asked again, the same answer is given again."""
    reservation = uow.reservations.for_update(command.reservation_id)
    if reservation is None or reservation.order_id != command.order_id:
        _refuse(uow, command, "no-reservation")
    elif reservation.state == R.HELD:
        _commit(uow, reservation)
    elif reservation.state == R.COMMITTED:
        _record_committed(uow, reservation, sequence=4)
    elif reservation.state == R.EXPIRED and _take_back(uow, reservation):
        _commit(uow, reservation, after_expiry=True)
    else:
        reason = "items-gone" if reservation.state == R.EXPIRED else "reservation-released"
        _refuse(uow, command, reason)


def _commit(uow: InventoryUnitOfWork, reservation: Reservation, after_expiry=False) -> None:
    _close(uow, reservation, R.COMMITTED, "sell", "sold")
    sequence = 3 if after_expiry else 2
    _record_committed(uow, reservation, sequence=sequence, after_expiry=after_expiry)


def _record_committed(uow, reservation: Reservation, sequence: int, after_expiry=False) -> None:
    uow.record(
        ReservationCommitted(
            reservation.order_id,
            reservation.id,
            reservation.site_id,
            committed_at=_utc(reservation.closed_at),
            after_expiry=after_expiry,
            items=reservation.items,
            sequence=sequence,
        )
    )


def _utc(moment: datetime) -> datetime:
    """As stored: SQLite gives times back without their zone (always UTC here)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refuse(uow: InventoryUnitOfWork, command: CommitReservation, reason: str) -> None:
    log.warning("order %s: completion refused (%s)", command.order_id, reason)
    uow.record(
        CommitRefused(
            command.order_id, command.reservation_id, command.site_id, reason, clock.now()
        )
    )


def _take_back(uow: InventoryUnitOfWork, reservation: Reservation) -> bool:
    """Hold the expired reservation's own items again if every one is still free at its
    site (stock figures locked first, in key order, then the items): all or nothing."""
    items = reservation.items
    levels = uow.stock.lock_levels(reservation.site_id, (item.product_key for item in items))
    if not uow.items.still_free(reservation.site_id, items, levels, clock.today()):
        return False
    note = f"taken back after expiry for order {reservation.order_id}"
    uow.custody.move(
        custody_pairs(items), "reserve", actor=ACTOR, note=note, reservation_id=reservation.id
    )
    _move_stock(uow, reservation, items, "reserved", levels)
    return True


# release and expiry ---------------------------------------------------------------------------
def release(uow: InventoryUnitOfWork, command: ReleaseReservation) -> None:
    """Release the held items. A cancellation that overtakes its order leaves a closed
    reservation behind, so the late ``placed`` reserves nothing."""
    reservation = uow.reservations.by_order(command.order_id, lock=True)
    if reservation is None:
        uow.reservations.add_closed(_tombstone(command))
        return
    if not may_close(reservation.state):
        return
    _close(uow, reservation, R.RELEASED, "release", "released", note=command.reason)
    uow.record(
        ReservationReleased(
            reservation.order_id, reservation.id, reservation.site_id, command.reason
        )
    )


def _tombstone(command: ReleaseReservation) -> Reservation:
    return Reservation(
        order_id=command.order_id,
        site_id=command.site_id,
        state=R.RELEASED,
        closed_at=clock.now(),
        outcome_note=f"cancelled before it was placed: {command.reason}",
    )


def expire_due(uow: InventoryUnitOfWork, command: ExpireReservations) -> int:
    """Expire held reservations past their time; several sweepers share the work."""
    due = uow.reservations.due(command.now, command.limit)
    for reservation in due:
        _close(uow, reservation, R.EXPIRED, "release", "expired")
        uow.record(
            ReservationExpired(
                reservation.order_id, reservation.id, reservation.site_id, reservation.closed_at
            )
        )
    return len(due)


# shared ---------------------------------------------------------------------------------------
def _close(uow: InventoryUnitOfWork, reservation, state, action, movement, note=None) -> None:
    items = reservation.items
    note_text = f"{movement}: order {reservation.order_id}"
    released = {"reservation_id": None} if action == "release" else {}
    uow.custody.move(custody_pairs(items), action, actor=ACTOR, note=note_text, **released)
    _move_stock(uow, reservation, items, movement)
    closing = {"state": state, "closed_at": clock.now(), "outcome_note": note}
    uow.reservations.close(reservation, closing)


def _move_stock(uow: InventoryUnitOfWork, reservation, items, kind: str, levels=None) -> None:
    """Move the items' stock from one bucket to another (``levels``: already locked)."""
    quantities = quantities_of(items)
    if levels is None:
        levels = uow.stock.lock_levels(reservation.site_id, quantities)
    for key, quantity in sorted(quantities.items()):
        move_stock(uow, levels[key], kind, quantity, reference=reservation.id, actor=ACTOR)


# the events of the sale saga, as commands -----------------------------------------------------
def on_order_placed(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    requests = tuple(_request(line) for line in data["lines"])
    reserve(uow, Reserve(data["order_id"], data["site_id"], requests))


def _request(line: dict) -> Request:
    return Request(line["line_id"], line["product_key"], line["quantity"], line.get("device_id"))


def on_completion_requested(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    commit(uow, CommitReservation(data["order_id"], data["reservation_id"], data["site_id"]))


def on_order_cancelled(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    release(uow, ReleaseReservation(data["order_id"], data["site_id"], data["reason"]))
