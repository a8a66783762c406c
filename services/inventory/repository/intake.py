"""A reception taken in, in SQL: its lines and their progress (the oldest unfinished one
locked by one worker at a time: ``SKIP LOCKED``), its devices with their asset tags, its card
lines; and the budget of devices one consumer transaction may still take in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.inventory.models import CardLine, Device, IntakeLine
from services.inventory.repository import asset_tags

_BUDGET = "intake_budget"  # what the consumer's transaction may still take in (session.info)


class Intake:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_lines(self, lines: Iterable[IntakeLine | CardLine]) -> None:
        self.session.add_all(lines)

    def next_unfinished_line(self) -> IntakeLine | None:
        """The oldest line still being taken in, locked; one another worker holds is skipped."""
        return self.session.scalars(
            select(IntakeLine)
            .where(IntakeLine.done_at.is_(None))
            .order_by(IntakeLine.received_at, IntakeLine.line_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()

    def add_devices(self, devices: Sequence[Device]) -> None:
        """The devices, each with the next asset tag, written now (their ids and versions
        are read back for their events)."""
        for device, tag in zip(
            devices, asset_tags.allocate(self.session, len(devices)), strict=True
        ):
            device.asset_tag = tag
        self.session.add_all(devices)
        self.session.flush()

    def budget(self, chunk: int) -> int:
        """Devices this transaction may still take in: ``chunk`` for a whole consumer batch."""
        return self.session.info.setdefault(_BUDGET, chunk)

    def spend(self, left: int) -> None:
        self.session.info[_BUDGET] = left
