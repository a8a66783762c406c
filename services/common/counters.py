"""Numbers without gaps (receipts): a counter row per key, locked in the caller's transaction.

Concurrent callers queue on the row; a rolled-back transaction gives its number back with
everything else, so the sequence never has a hole.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.upserts import dialect_insert


def next_number(session: Session, model, **key) -> int:
    """The next ``last_number`` of ``model``'s row for ``key`` (created at 0 if missing)."""
    session.execute(
        dialect_insert(session, model).values(**key, last_number=0).on_conflict_do_nothing()
    )
    counter = session.execute(
        select(model).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    counter.last_number += 1
    return counter.last_number
