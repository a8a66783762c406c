"""Reservations in SQL. Every order reserves or is refused, so its rows are written with Core
statements (``column_values``) and the statements every order runs are built once (building
one costs more than running it); a closing updates the row and the loaded object follows
(``set_committed_value``), then notifies ``RESERVATION_CLOSED`` with the order id
(PostgreSQL), which ends a counter's ``POST /orders/{id}/card-codes/reveal?wait=`` at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from services.common.db import column_values
from services.common.notifications import notify
from services.inventory.domain.reservations import ReservationState
from services.inventory.models import Reservation, ReservedItem

RESERVATION_CLOSED = "inventory_reservation_closed"

_RESERVATIONS, _ITEMS = Reservation.__table__, ReservedItem.__table__
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
_COMMITTED = select(Reservation.order_id).where(
    Reservation.state == ReservationState.COMMITTED,
    Reservation.closed_at <= bindparam("cutoff"),
)


class Reservations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists_for(self, order_id: str) -> bool:
        return self.session.scalar(_HAS_RESERVATION, {"order_id": order_id}) is not None

    def add(self, reservation: Reservation, items: Sequence[ReservedItem] = ()) -> None:
        """Insert a new reservation and its items; the objects stay out of the session."""
        self.session.execute(insert(_RESERVATIONS), [column_values(reservation)])
        if items:
            self.session.execute(insert(_ITEMS), [column_values(item) for item in items])

    def add_closed(self, reservation: Reservation) -> None:
        """A reservation closed before its order was placed (a cancellation overtook it)."""
        self.session.add(reservation)

    def by_order(self, order_id: str, lock: bool = False) -> Reservation | None:
        return self.session.scalar(_BY_ORDER_LOCKED if lock else _BY_ORDER, {"order_id": order_id})

    def for_update(self, reservation_id: str) -> Reservation | None:
        return self.session.scalar(_LOCKED, {"reservation_id": reservation_id})

    def due(self, now: datetime, limit: int) -> Sequence[Reservation]:
        """Held reservations past their time, locked; those another sweeper holds are skipped."""
        return self.session.scalars(
            select(Reservation)
            .where(Reservation.state == ReservationState.HELD, Reservation.expires_at <= now)
            .order_by(Reservation.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .options(selectinload(Reservation.items))
        ).all()

    def close(self, reservation: Reservation, closing: dict[str, Any]) -> None:
        """Store the outcome (state, closed_at, outcome_note) and tell those waiting for it."""
        self.session.execute(
            update(_RESERVATIONS).where(_RESERVATIONS.c.id == reservation.id).values(closing)
        )
        for name, value in closing.items():
            set_committed_value(reservation, name, value)
        notify(self.session, RESERVATION_CLOSED, reservation.order_id)

    def committed_order_ids(self, cutoff: datetime) -> list[str]:
        """The orders whose reservation was committed at or before ``cutoff``."""
        return list(self.session.scalars(_COMMITTED, {"cutoff": cutoff}))
