"""Prepaid cards in custody: their states, and the rules of a card's life.

    in_stock -> reserved -> sold -> revealed
        |   <-----'
        +-> in_transit -> in_stock      (a transfer between sites)
        +-> expired                      (withdrawn once past its expiry date)
        +-> void                         (lost, damaged, refused by the operator)

A card's code is revealed once, to the counter that completed the sale; a revealed card is
final. Allocation takes the earliest expiry first, cards without a date last.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from services.inventory.domain.errors import InventoryError


class CardState(StrEnum):
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SOLD = "sold"
    REVEALED = "revealed"
    EXPIRED = "expired"
    VOID = "void"
    IN_TRANSIT = "in_transit"


C = CardState
NEXT: dict[CardState, tuple[CardState, ...]] = {
    C.IN_STOCK: (C.RESERVED, C.EXPIRED, C.VOID, C.IN_TRANSIT),
    C.RESERVED: (C.IN_STOCK, C.SOLD),
    C.SOLD: (C.REVEALED,),
    C.REVEALED: (),
    C.EXPIRED: (),
    C.VOID: (),
    C.IN_TRANSIT: (C.IN_STOCK,),
}


class IllegalCardTransition(InventoryError):
    def __init__(self, card_id: str, current: str, requested: str) -> None:
        super().__init__(f"Card {card_id} is {current}: it cannot become {requested}.")
        self.current, self.requested = current, requested

    def details(self) -> dict:
        return {"current_state": self.current, "requested_state": self.requested}


class CodesAlreadyRevealed(InventoryError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"The card codes of order {order_id} were already revealed.")


class NothingToReveal(InventoryError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} has no sold card whose code can be revealed.")


def check_move(card_id: str, current: str, target: CardState) -> None:
    if target not in NEXT[CardState(current)]:
        raise IllegalCardTransition(card_id, current, target.value)


def is_expired(expiry_date: date | None, today: date) -> bool:
    """A card is sellable up to and including its expiry date."""
    return expiry_date is not None and expiry_date < today


def check_reveal(order_id: str, states: list[str]) -> None:
    """Every card of the order sold and none revealed yet: the codes go out once."""
    if any(state == C.REVEALED for state in states):
        raise CodesAlreadyRevealed(order_id)
    if not states or any(state != C.SOLD for state in states):
        raise NothingToReveal(order_id)
