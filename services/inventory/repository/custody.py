"""Items changing hands: devices and cards reserved, released, sold, sent and received.

Each move is one conditional ``UPDATE`` per kind of item (``WHERE state = <expected>``): if
an item is not where the caller believed, nothing is half-done — :class:`ItemMoved` rolls
the whole operation back. Devices keep a history row per move, like workshop transitions.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from services.common import clock
from services.inventory.domain.custody import CardState
from services.inventory.models import Card, Device, DeviceTransition

DEVICE_MOVES = {
    "reserve": ("available", "reserved"),
    "release": ("reserved", "available"),
    "sell": ("reserved", "sold"),
    "dispatch": ("available", "in_transit"),
    "arrive": ("in_transit", "available"),
}
CARD_MOVES = {
    "reserve": (CardState.IN_STOCK, CardState.RESERVED),
    "release": (CardState.RESERVED, CardState.IN_STOCK),
    "sell": (CardState.RESERVED, CardState.SOLD),
    "dispatch": (CardState.IN_STOCK, CardState.IN_TRANSIT),
    "arrive": (CardState.IN_TRANSIT, CardState.IN_STOCK),
}


class ItemMoved(RuntimeError):
    """An item was not in the state the operation expected: a bug or a lost race."""


def move_items(
    session: Session,
    items: Iterable[tuple[str, str]],
    action: str,
    *,
    actor: str,
    note: str,
    **changes: object,
) -> None:
    """Apply ``action`` to ``(item_type, item_id)`` pairs; ``changes`` are extra columns
    (``site_id`` on arrival, ``reservation_id`` for cards)."""
    pairs = list(items)
    devices = [item_id for item_type, item_id in pairs if item_type == "device"]
    cards = [item_id for item_type, item_id in pairs if item_type == "prepaid_card"]
    now = clock.now()
    if devices:
        _move_devices(session, devices, action, actor, note, now, changes)
    if cards:
        _move_cards(session, cards, action, now, changes)


def _move_devices(session, ids, action, actor, note, now, changes) -> None:
    before, after = DEVICE_MOVES[action]
    extra = {k: v for k, v in changes.items() if k == "site_id"}
    moved = session.execute(
        update(Device)
        .where(Device.id.in_(ids), Device.state == before)
        .values(state=after, state_changed_at=now, version=Device.version + 1, **extra)
        .returning(Device.id, Device.version)
        .execution_options(synchronize_session=False)
    ).all()
    _check(len(moved), len(ids), "device", before)
    history = [
        {
            "device_id": device_id,
            "version": version,
            "from_state": before,
            "to_state": after,
            "actor": actor,
            "note": note,
            "at": now,
        }
        for device_id, version in moved
    ]
    session.execute(insert(DeviceTransition), history)


def _move_cards(session, ids, action, now, changes) -> None:
    before, after = CARD_MOVES[action]
    parameters = {"ids": list(ids), "before": before, "state": after, "state_changed_at": now}
    result = session.execute(_MOVE_CARDS, {**parameters, **changes})
    _check(result.rowcount, len(ids), "card", before)


# Every sale moves cards: a Core statement built once (building one costs more than running
# it); SET takes the parameters' other keys (state, state_changed_at, reservation_id...).
_CARDS = Card.__table__
_MOVE_CARDS = (
    update(_CARDS)
    .where(_CARDS.c.id.in_(bindparam("ids", expanding=True)), _CARDS.c.state == bindparam("before"))
    .values(version=_CARDS.c.version + 1)
)


def _check(moved: int, expected: int, kind: str, state: str) -> None:
    if moved != expected:
        raise ItemMoved(f"{expected - moved} {kind}(s) were no longer {state}")


class Custody:
    """The custody moves of one unit of work (``uow.custody.move(...)``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def move(
        self,
        items: Iterable[tuple[str, str]],
        action: str,
        *,
        actor: str,
        note: str,
        **changes: object,
    ) -> None:
        move_items(self.session, items, action, actor=actor, note=note, **changes)
