"""Prepaid cards and their reveals in SQL: a card line's codes taken in, cards locked for a
change of state (several sweepers share the expired ones: ``SKIP LOCKED``), a sold order's
cards and the record of who saw their codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from services.common import clock
from services.inventory.domain.custody import CardState
from services.inventory.domain.errors import UnknownCard
from services.inventory.domain.reservations import ReservationState
from services.inventory.models import Card, CardLine, CardReveal, Reservation


class Cards:
    def __init__(self, session: Session) -> None:
        self.session = session

    # intake -------------------------------------------------------------------------------
    def line_for_update(self, line_id: str) -> CardLine | None:
        return self.session.get(CardLine, line_id, with_for_update=True)

    def known_hashes(self, hashes: list[str]) -> set[str]:
        """Which of these PIN hashes a card already has (a code is taken in once)."""
        return set(self.session.scalars(select(Card.pin_hash).where(Card.pin_hash.in_(hashes))))

    def add_all(self, cards: Iterable[Card]) -> None:
        self.session.add_all(cards)

    # changes of state ---------------------------------------------------------------------
    def for_update(self, card_id: str) -> Card:
        card = self.session.get(Card, card_id, with_for_update=True, populate_existing=True)
        if card is None:
            raise UnknownCard(card_id)
        return card

    def expired_in_stock(self, today: date, limit: int) -> Sequence[Card]:
        """Up to ``limit`` cards in stock past their expiry date, locked; those another
        sweeper holds are skipped."""
        return self.session.scalars(
            select(Card)
            .where(Card.state == CardState.IN_STOCK, Card.expiry_date < today)
            .order_by(Card.site_id, Card.product_key, Card.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def set_state(self, ids: list[str], state: CardState) -> None:
        self.session.execute(
            update(Card)
            .where(Card.id.in_(ids))
            .values(state=state, state_changed_at=clock.now(), version=Card.version + 1)
            .execution_options(synchronize_session="fetch")
        )

    # the reveal ---------------------------------------------------------------------------
    def nothing_held_for(self, order_id: str, site_id: str) -> bool:
        """Whether the reservation of ``order_id`` at ``site_id`` is closed, or there is none
        there."""
        state = self.session.scalar(
            select(Reservation.state).where(
                Reservation.order_id == order_id, Reservation.site_id == site_id
            )
        )
        return state != ReservationState.HELD

    def reservation_of(self, order_id: str) -> Reservation | None:
        """The order's reservation, locked (its items are not loaded)."""
        return self.session.scalar(
            select(Reservation).where(Reservation.order_id == order_id).with_for_update()
        )

    def sold_with(self, reservation_id: str) -> Sequence[Card]:
        """The cards a reservation took, locked, with their sealed codes."""
        return self.session.scalars(
            select(Card)
            .where(Card.reservation_id == reservation_id)
            .order_by(Card.expiry_date, Card.id)
            .options(undefer(Card.code_ciphertext))
            .with_for_update()
        ).all()

    def reveals_of(self, order_id: str) -> Sequence[CardReveal]:
        return self.session.scalars(
            select(CardReveal).where(CardReveal.order_id == order_id).with_for_update()
        ).all()

    def add_reveals(self, reveals: Iterable[CardReveal]) -> None:
        self.session.add_all(reveals)
