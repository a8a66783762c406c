"""Asset tags: short, human-scannable, unique labels stuck on each device at intake.

``CS-000123``: a prefix and a number from one counter row. The row is incremented with
``UPDATE ... RETURNING``, which holds its lock until the intake transaction commits, so
concurrent intakes (several workers) take disjoint blocks and a rolled-back intake gives its
numbers back. The unique constraint on ``devices.asset_tag`` is the last line of defence.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.inventory.models import Counter

PREFIX = "CS-"


def format_tag(number: int) -> str:
    return f"{PREFIX}{number:06d}"


def allocate(session: Session, count: int) -> list[str]:
    """``count`` new tags, in order."""
    if count == 0:
        return []
    last = session.execute(
        update(Counter)
        .where(Counter.name == "asset_tag")
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one()
    return [format_tag(number) for number in range(last - count + 1, last + 1)]
