r"""The order's side of the sale saga, as a table of transitions.

    pending --accepted--> reserved --complete--> completed
       |  \--rejected--> rejected      |--cancel--> cancelled
       |--cancel--> cancelled          |--expired/released--> expired / cancelled
       |--expired/released--> expired / cancelled

Counter commands (complete, cancel) outside the table are refused. Inventory's events outside
it are facts arriving late or twice and change nothing (the handlers record what matters,
e.g. a reservation that lapsed after the sale was completed: the order stays completed).
"""

from __future__ import annotations

TERMINAL = ("rejected", "completed", "cancelled", "expired")
STATES = ("pending", "reserved", *TERMINAL)

TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "accepted"): "reserved",
    ("pending", "rejected"): "rejected",
    ("pending", "cancel"): "cancelled",
    ("pending", "released"): "cancelled",
    ("pending", "expired"): "expired",
    ("reserved", "complete"): "completed",
    ("reserved", "cancel"): "cancelled",
    ("reserved", "released"): "cancelled",
    ("reserved", "expired"): "expired",
}


def next_state(state: str, happening: str) -> str | None:
    """The state after ``happening``, or None when it does not apply to ``state``."""
    return TRANSITIONS.get((state, happening))


def holds_stock(state: str) -> bool:
    """Orders that count against a person's limits: held, or sold."""
    return state in ("pending", "reserved", "completed")
