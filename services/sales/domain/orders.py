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
