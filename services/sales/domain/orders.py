r"""The order's side of the sale saga, as a table of transitions.

    pending --accepted--> reserved --complete--> completing --committed--> completed
       |  \--rejected--> rejected      |                  \--commit_refused--> completion_refused
       |--cancel--> cancelled          |--cancel--> cancelled
       |--expired/released--> expired / cancelled (and from reserved likewise)

No money without the goods: ``complete`` only asks inventory to commit; the payment is
recorded and the receipt numbered on ``committed``. While ``completing`` the counter can
neither cancel nor complete again, and an expiry or release from inventory changes nothing:
inventory answers the completion request itself (taking the items back if the hold lapsed
and they are still free, or refusing).

Counter commands (complete, cancel) outside the table are refused. Inventory's events outside
it are facts arriving late or twice and change nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.sales.domain.errors import IllegalOrderStep
from services.sales.domain.pricing import PricedLine, family_of

TERMINAL = ("rejected", "completed", "completion_refused", "cancelled", "expired")
STATES = ("pending", "reserved", "completing", *TERMINAL)

TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "accepted"): "reserved",
    ("pending", "rejected"): "rejected",
    ("pending", "cancel"): "cancelled",
    ("pending", "released"): "cancelled",
    ("pending", "expired"): "expired",
    ("reserved", "complete"): "completing",
    ("reserved", "cancel"): "cancelled",
    ("reserved", "released"): "cancelled",
    ("reserved", "expired"): "expired",
    ("completing", "committed"): "completed",
    ("completing", "commit_refused"): "completion_refused",
}

# Waiting for inventory's answer (``GET /orders/{id}?wait=`` waits while in one of these).
UNDECIDED = ("pending", "completing")

# A completion asked again while one is under way or decided is answered with its outcome.
COMPLETION_ASKED = ("completing", "completed", "completion_refused")


def next_state(state: str, happening: str) -> str | None:
    """The state after ``happening``, or None when it does not apply to ``state``."""
    return TRANSITIONS.get((state, happening))


def holds_stock(state: str) -> bool:
    """Orders that count against a person's limits: held, being sold, or sold."""
    return state in ("pending", "reserved", "completing", "completed")


_STEP_NAMES = {"complete": "completed", "cancel": "cancelled"}


def move(order, happening: str, hint: str = "") -> None:
    """Apply a counter command (``complete``, ``cancel``) to ``order``'s state, or refuse it."""
    state = next_state(order.state, happening)
    if state is None:
        raise IllegalOrderStep(order.state, _STEP_NAMES[happening], hint)
    order.state = state
    order.version += 1


@dataclass(frozen=True)
class NewLine:
    """A line as placed: the prices and grid version it is sold at (never changed after)."""

    id: str
    position: int
    product_key: str
    family: str
    quantity: int
    device_id: str | None
    unit_market_cents: int
    unit_solidarity_cents: int
    grid_version: int


@dataclass(frozen=True)
class NewOrder:
    """An order as the counter places it: ``pending`` until inventory answers."""

    id: str
    site_id: str
    beneficiary_id: str
    beneficiary_code: str
    placed_at: datetime
    placed_by: str
    lines: tuple[NewLine, ...]
    state: str = "pending"
    version: int = 1

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.unit_solidarity_cents for line in self.lines)

    @property
    def market_total_cents(self) -> int:
        return sum(line.quantity * line.unit_market_cents for line in self.lines)


def new_order(
    order_id: str,
    site_id: str,
    person,
    priced: list[PricedLine],
    device_ids: list[str | None],
    actor: str,
    at: datetime,
) -> NewOrder:
    """``person``: its ``id`` and ``code``; ``device_ids``: one per priced line (or None)."""
    lines = tuple(
        NewLine(
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
        for position, (line, device_id) in enumerate(zip(priced, device_ids, strict=True), 1)
    )
    return NewOrder(order_id, site_id, person.id, person.code, at, actor, lines)
